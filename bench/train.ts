/**
 * Multi-seed measurement of the iterative M-DPO loop on the tiny policy: runs
 * `mathagent train iterate` once per seed (in parallel processes), then prints greedy accuracy per
 * iteration as mean ± sd over seeds.
 *
 *   node --import tsx bench/train.ts --model data/tiny/sft --seeds 0,1,2 [--out /tmp/tiny-seeds] [-- extra iterate options]
 *   node --import tsx bench/train.ts --aggregate /tmp/tiny-seeds        # only summarise finished runs
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { projectPath } from "../src/paths.js";

const { values, positionals } = parseArgs({
  options: { model: { type: "string" }, seeds: { type: "string" }, out: { type: "string" }, aggregate: { type: "string" } },
  allowPositionals: true,
});
const out = values.aggregate ?? values.out ?? "/tmp/tiny-seeds";

async function runSeed(seed: number): Promise<void> {
  const dir = path.join(out, `seed-${seed}`);
  const args = [projectPath("bin", "mathagent.mjs"), "train", "iterate", "--model", values.model ?? "data/tiny/sft", "--seed", String(seed), "--out", dir, ...positionals];
  await new Promise<void>((resolve, reject) => {
    const log = fs.createWriteStream(path.join(out, `seed-${seed}.log`));
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`seed ${seed} exited ${c}; see ${out}/seed-${seed}.log`))));
  });
}

if (!values.aggregate) {
  fs.mkdirSync(out, { recursive: true });
  const seeds = (values.seeds ?? "0,1,2").split(",").map(Number);
  const t0 = Date.now();
  await Promise.all(seeds.map(runSeed));
  console.log(`${seeds.length} seeds in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

type Row = { iteration: number; greedyAccuracy: number; sampleAccuracy: number | null; pairsUsed: number | null };
const runs = fs
  .readdirSync(out)
  .filter((d) => fs.existsSync(path.join(out, d, "metrics.json")))
  .map((d) => JSON.parse(fs.readFileSync(path.join(out, d, "metrics.json"), "utf8")) as { options: unknown; rows: Row[] });
const stat = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : 0;
  return `${(100 * m).toFixed(1)} ± ${(100 * sd).toFixed(1)}`;
};
console.log(`${runs.length} runs in ${out}; options ${JSON.stringify(runs[0]?.options)}`);
const its = Math.max(0, ...runs.map((r) => r.rows.length));
for (let i = 0; i < its; i++) {
  const rows = runs.map((r) => r.rows[i]).filter((x): x is Row => !!x);
  console.log(`iteration ${i}: greedy ${stat(rows.map((r) => r.greedyAccuracy))}%  per seed ${rows.map((r) => (100 * r.greedyAccuracy).toFixed(1)).join(", ")}` +
    (i > 0 ? `  sample acc ${stat(rows.map((r) => r.sampleAccuracy ?? 0))}%  pairs ${rows.map((r) => r.pairsUsed).join(", ")}` : ""));
}
