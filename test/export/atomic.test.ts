import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FORMATS, type FormatName, readDatasetRow, readExport, readParquetMeta, resolveExportRequest } from "../../src/export/index.js";
import { readMeta } from "../../src/io/index.js";
import { projectPath } from "../../src/paths.js";
import { seededRandom } from "../../src/random.js";
import { gsm8k, pairOf, realTokenizer } from "./helpers.js";

/** The id of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => child.on("close", r));
  return child.pid!;
}

/** Every file and folder under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

/** Bounded: each kill starts a process that loads the data and a tokenizer. */
const KILLS = 4;

/** The data file and metadata file of each file format the loop writes. */
const UNITS = [
  { data: "pairs.trl.parquet", meta: "pairs.trl.meta.json", rows: 1200 },
  { data: "pairs.openrlhf.jsonl", meta: "pairs.openrlhf.meta.json", rows: 1200 },
  { data: path.join("pairs.paper", "train.jsonl"), meta: "pairs.paper.meta.json", rows: 1200 },
  { data: "pairs.tokens.parquet", meta: "pairs.tokens.meta.json", rows: 12 },
] as const;

test("kill -9 at random moments during exports: no debris and no data/metadata mix after the rerun", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-export-kill-"));
  const loop = projectPath("test", "export", "fixtures", "export-loop.ts");
  const rand = seededRandom(18);
  const run = (...args: string[]) => spawn(process.execPath, ["--import", "tsx", loop, dir, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let interrupted = 0;
  try {
    for (let k = 0; k < KILLS; k++) {
      const child = run();
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      await new Promise((r) => setTimeout(r, rand() * 800));
      child.kill("SIGKILL");
      await new Promise((r) => child.on("close", r));
      for (const u of UNITS) {
        const data = path.join(dir, u.data);
        if (!fs.existsSync(data)) continue;
        assert.equal((await readExport(data)).length, u.rows, `${u.data}: every row of one run, never a part`);
        try {
          readMeta(data, path.join(dir, u.meta));
        } catch (e) {
          assert.match((e as Error).message, /describes another version .* an interrupted write/);
          interrupted++;
        }
      }
    }
    const debris = tree(dir).filter((n) => /\.tmp-\d/.test(n)).length;
    // What a kill inside a write leaves (a kill lands there only now and then): half-written
    // temporaries of a process that is gone, beside each target and inside the paper folder.
    const dead = await deadPid();
    const planted = [...UNITS.flatMap((u) => [u.data, u.meta]), "pairs.lf"].map((n, i) => path.join(dir, `${n}.tmp-${dead}-${i}`));
    for (const f of planted) fs.writeFileSync(f, "{\"half");
    fs.rmSync(planted.at(-1)!);
    fs.mkdirSync(path.join(planted.at(-1)!, "train"), { recursive: true });
    fs.mkdirSync(path.join(dir, `pairs.lf.tmp-${dead}`, "train"), { recursive: true });
    const rerun = run("once");
    const code = await new Promise((r) => rerun.on("close", r));
    assert.equal(code, 0);
    assert.deepEqual(tree(dir).filter((n) => /\.tmp-\d/.test(n)), [], "the rerun removed every temporary of the killed runs");
    for (const u of UNITS) {
      const meta = readMeta(path.join(dir, u.data), path.join(dir, u.meta));
      assert.deepEqual([meta.seed, meta.rows], [999, u.rows], `${u.meta} describes the rerun's ${u.data}`);
    }
    assert.equal(((await readParquetMeta(path.join(dir, "pairs.trl.parquet"))) as { seed: number }).seed, 999);
    const lf = JSON.parse(fs.readFileSync(path.join(dir, "pairs.lf", "mathagent.meta.json"), "utf8")) as { seed: number; counts: { splits: Record<string, number> } };
    assert.deepEqual([lf.seed, lf.counts.splits], [999, { train: 10, validation: 2 }]);
    assert.ok(Array.isArray(readDatasetRow(path.join(dir, "pairs.lf"), "validation", 1).chosen_input_ids));
    assert.deepEqual(fs.readdirSync(path.join(dir, "pairs.paper")), ["train.jsonl"], "the paper folder holds only its data");
    console.log(`# export kill test: ${KILLS} kills left ${debris} temporaries (those and ${planted.length + 1} planted ones removed by the rerun) and ${interrupted} metadata ahead of its data (reported by readMeta, fixed by the rerun); 0 partial files`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("an empty result never replaces an export with rows unless forced; the refused run writes nothing", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-export-empty-"));
  try {
    const pairs = (await gsm8k(3)).map((p, i) => pairOf("gemma", p, [i, i + 5]));
    const tokenizer = realTokenizer("gemma");
    const outs: Record<FormatName, string> = {
      trl: path.join(dir, "p.trl.jsonl"),
      openrlhf: path.join(dir, "p.openrlhf.parquet"),
      paper: path.join(dir, "p.paper"),
      tokens: path.join(dir, "p.tokens.parquet"),
      llamafactory: path.join(dir, "p.lf"),
    };
    const ctx = (name: FormatName, force?: boolean) => ({ out: outs[name], meta: { seed: 1 }, seed: 1, tokenizer, maxLength: 4096, ...(force ? { force } : {}) });
    for (const name of Object.keys(outs) as FormatName[]) {
      await FORMATS[name].write({ kind: "pairs", pairs }, ctx(name));
      const before = tree(dir).map((n) => [n, fs.statSync(path.join(dir, n)).isFile() ? fs.readFileSync(path.join(dir, n)).toString("base64") : "dir"]);
      await assert.rejects(FORMATS[name].write({ kind: "pairs", pairs: [] }, ctx(name)), new RegExp(`produced no rows and would replace the 3 row\\(s\\) already there; nothing was written \\(pass --force`), name);
      assert.deepEqual(tree(dir).map((n) => [n, fs.statSync(path.join(dir, n)).isFile() ? fs.readFileSync(path.join(dir, n)).toString("base64") : "dir"]), before, `${name}: the refused run changed nothing`);
      const forced = await FORMATS[name].write({ kind: "pairs", pairs: [] }, ctx(name, true));
      assert.equal(forced.rows, 0, name);
      await FORMATS[name].write({ kind: "pairs", pairs: [] }, ctx(name));
    }
    const req = resolveExportRequest("pairs", { format: "trl", out: outs.trl, force: true }, path.join(dir, "in.jsonl"), path.join(dir, "in"), (m) => new Error(m));
    assert.equal(req.force, true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
