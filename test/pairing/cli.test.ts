import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCli } from "../helpers/cli.js";
import { readExport } from "../../src/export/index.js";
import { fixture } from "./fixture.js";

test("mathagent annotate / pairs / kto / metrics on a rollout file: outputs beside the input, counts printed", async () => {
  const f = await fixture();
  const dir = fs.mkdtempSync(path.join(f.dir, "cli-"));
  const input = path.join(dir, "rollouts.jsonl");
  fs.copyFileSync(f.file, input);
  const before = fs.readFileSync(input);

  const a = await runCli(["annotate", "--input", input, "--quiet"]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /^480 trajectories graded, \d+ correct/m);
  const annotated = path.join(dir, "rollouts.annotated.jsonl");
  assert.ok(fs.existsSync(annotated));

  const p = await runCli(["pairs", "--input", annotated, "--strategy", "all", "--max-per-problem", "2", "--format", "trl", "--out", path.join(dir, "pairs.parquet"), "--quiet"]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /filters: 480 in · \d+ kept · env-error −\d+ \(mathagent\) · call-limit −\d+ \(repository\) · .* · winner-error −\d+ \(paper\) · .* · too-long skipped \(no tokenizer given .*\) · duplicate −\d+ \(repository\)/);
  const m = /pairs: (\d+) from (\d+) of 80 problems \((\d+) only correct, (\d+) only wrong: no pair\); strategy all, seed 0/.exec(p.stdout);
  assert.ok(m, p.stdout);
  const rows = await readExport(path.join(dir, "pairs.parquet"));
  assert.equal(rows.length, Number(m[1]));
  assert.deepEqual(Object.keys(rows[0]!).slice(0, 3), ["prompt", "chosen", "rejected"]);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "pairs.meta.json"), "utf8"));
  assert.equal(meta.strategy, "all");
  assert.equal(meta.reference, "previous", "the paper's default reference is recorded");

  const k = await runCli(["kto", "--input", input, "--balance", "downsample", "--format", "openrlhf", "--quiet"]);
  assert.equal(k.code, 0, k.stderr);
  const km = /kto: (\d+) examples, (\d+) desirable, (\d+) undesirable/.exec(k.stdout);
  assert.ok(km && km[2] === km[3], k.stdout);
  const kto = await readExport(path.join(dir, "rollouts.kto.openrlhf.jsonl"));
  assert.equal(kto.length, Number(km[1]));
  assert.deepEqual(Object.keys(kto[0]!).slice(0, 3), ["input", "output", "label"]);

  const mt = await runCli(["metrics", "--input", annotated, "--quiet", "--k", "1,3,6", "--bootstrap", "200"]);
  assert.equal(mt.code, 0, mt.stderr);
  for (const h of ["summary", "pass@k", "maj@k", "by level", "by subject", "by dataset", "by tool calls"]) assert.match(mt.stdout, new RegExp(`^## ${h}$`, "m"));
  assert.match(mt.stdout, /^\|3\|80\|/m);
  const js = await runCli(["metrics", "--input", annotated, "--quiet", "--json", "--bootstrap", "0"]);
  assert.equal(js.code, 0, js.stderr);
  assert.equal(JSON.parse(js.stdout)["pass@k"][0].k, 1);

  assert.deepEqual(fs.readFileSync(input), before, "the input is never written");
});

test("CLI mistakes and bad lines: usage errors exit 2; a bad line names file:line; --lenient skips and reports it", async () => {
  const f = await fixture();
  const dir = fs.mkdtempSync(path.join(f.dir, "cli-bad-"));
  const good = fs.readFileSync(f.file, "utf8").split("\n").filter(Boolean);
  const input = path.join(dir, "bad.jsonl");
  fs.writeFileSync(input, [good[0], good[1], "{oops", good[2]].join("\n") + "\n");
  const strict = await runCli(["pairs", "--input", input, "--quiet"]);
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /bad\.jsonl:3: not valid JSON/);
  assert.doesNotMatch(strict.stderr, /at .*\.ts:\d+/);
  const lenient = await runCli(["pairs", "--input", input, "--quiet", "--lenient"]);
  assert.equal(lenient.code, 0, lenient.stderr);
  assert.match(lenient.stderr, /skipped 1 line\(s\): json 1\n {2}.*bad\.jsonl:3: not valid JSON/);
  const usage = await runCli(["pairs", "--input", input, "--strategy", "best"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /unknown --strategy "best"/);
  const inPlace = await runCli(["kto", "--input", input, "--out", input, "--lenient"]);
  assert.notEqual(inPlace.code, 0);
  assert.match(inPlace.stderr, /refusing to write .* over its input/);
});
