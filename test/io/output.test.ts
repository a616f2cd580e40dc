import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AtomicOutput, FileError, metaPathFor, readMeta, removeStaleTemps, writeFileAtomic, writeWithMeta } from "../../src/io/index.js";
import { seededRandom } from "../../src/random.js";
import { projectPath } from "../../src/paths.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-out-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

/** A pid that is certainly not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => child.on("close", r));
  return child.pid!;
}

test("writeFileAtomic replaces the file whole and leaves no temporary file", () => {
  const f = path.join(dir, "a", "out.jsonl");
  writeFileAtomic(f, "one\n");
  writeFileAtomic(f, "two\n");
  assert.equal(fs.readFileSync(f, "utf8"), "two\n");
  assert.deepEqual(fs.readdirSync(path.dirname(f)), ["out.jsonl"]);
});

test("an empty result never replaces a non-empty output unless forced", () => {
  const f = path.join(dir, "keep.jsonl");
  writeFileAtomic(f, "row\n");
  assert.throws(() => writeFileAtomic(f, ""), /keep\.jsonl: this run produced no rows and would replace the 4-byte file already there; nothing was written \(pass --force/);
  assert.equal(fs.readFileSync(f, "utf8"), "row\n");
  const out = new AtomicOutput(f);
  assert.throws(() => out.commit());
  assert.equal(fs.readFileSync(f, "utf8"), "row\n");
  writeFileAtomic(f, "", { force: true });
  assert.equal(fs.readFileSync(f, "utf8"), "");
  writeFileAtomic(path.join(dir, "fresh-empty.jsonl"), "");
});

test("a directory as the target is named; stale temporaries of dead processes are removed, live ones kept", async () => {
  assert.throws(() => writeFileAtomic(dir, "x"), (e: unknown) => e instanceof FileError && e.message === `${dir}: is a directory, expected a file to write`);
  const f = path.join(dir, "stale.jsonl");
  const dead = await deadPid();
  fs.writeFileSync(`${f}.tmp-${dead}`, "debris");
  fs.writeFileSync(`${f}.tmp-${dead}-3`, "debris");
  fs.writeFileSync(`${f}.part-${dead}`, "debris");
  fs.writeFileSync(`${f}.tmp-${process.pid}-999`, "mine");
  fs.writeFileSync(path.join(dir, `other.jsonl.tmp-${dead}`), "not ours");
  assert.equal(removeStaleTemps(f).length, 3);
  assert.ok(fs.existsSync(`${f}.tmp-${process.pid}-999`));
  assert.ok(fs.existsSync(path.join(dir, `other.jsonl.tmp-${dead}`)));
});

test("AtomicOutput: nothing is visible before commit; abort leaves the old file", () => {
  const f = path.join(dir, "stream.jsonl");
  writeFileAtomic(f, "old\n");
  const a = new AtomicOutput(f);
  a.write("new 1\n");
  assert.equal(fs.readFileSync(f, "utf8"), "old\n");
  a.abort();
  assert.equal(fs.readFileSync(f, "utf8"), "old\n");
  const b = new AtomicOutput(f);
  b.write("new 1\n");
  b.write(Buffer.from("new 2\n"));
  b.commit();
  assert.equal(fs.readFileSync(f, "utf8"), "new 1\nnew 2\n");
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith("stream.jsonl.")), []);
});

test("data and metadata are one unit: the stamp ties them; a mismatch is reported, not mixed silently", async () => {
  const f = path.join(dir, "pairs.jsonl");
  await writeWithMeta(f, (tmp) => fs.writeFileSync(tmp, "a\n"), { seed: 1 });
  assert.equal(readMeta(f)["seed"], 1);
  assert.equal(metaPathFor(f), path.join(dir, "pairs.meta.json"));
  await writeWithMeta(f, (tmp) => fs.writeFileSync(tmp, "b\n"), { seed: 2 });
  assert.equal(readMeta(f)["seed"], 2);
  fs.writeFileSync(f, "a\n");
  assert.throws(() => readMeta(f), /pairs\.meta\.json: describes another version of .*pairs\.jsonl .*an interrupted write; rerun/);
  await assert.rejects(writeWithMeta(f, () => { throw new Error("disk full"); }, { seed: 3 }), /disk full/);
  assert.equal(fs.readFileSync(f, "utf8"), "a\n");
  assert.deepEqual(fs.readdirSync(dir).filter((n) => /pairs\..*tmp/.test(n)), []);
});

test("kill -9 at random moments: never a partial file, no debris after the next run, no loss", async () => {
  const f = path.join(dir, "killed.jsonl");
  const rand = seededRandom(16);
  const writer = projectPath("test", "io", "fixtures", "writer.ts");
  let mismatches = 0;
  for (let k = 0; k < 8; k++) {
    const child = spawn(process.execPath, ["--import", "tsx", writer, f, "400"], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    await new Promise((r) => setTimeout(r, 5 + rand() * 120));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const lines = fs.readFileSync(f, "utf8").split("\n");
    assert.equal(lines.pop(), "", "the data file ends with a complete line");
    assert.equal(lines.length, 400, "all rows of one generation");
    const gens = new Set(lines.map((l) => (JSON.parse(l) as { gen: number }).gen));
    assert.equal(gens.size, 1, "one generation, never two mixed");
    try {
      assert.equal(readMeta(f)["gen"], [...gens][0]);
    } catch (e) {
      assert.match((e as Error).message, /interrupted write/);
      mismatches++;
    }
  }
  await writeWithMeta(f, (tmp) => fs.writeFileSync(tmp, "final\n"), { gen: "final" });
  assert.equal(readMeta(f)["gen"], "final");
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.startsWith("killed.") && n.includes(".tmp-")), [], "the next run removed the dead writers' temporaries");
  console.log(`# kill test: 8 kills, ${mismatches} left metadata ahead of its data (reported by readMeta), 0 partial files`);
});
