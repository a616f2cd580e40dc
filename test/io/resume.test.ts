/**
 * Issue 16 item 1: resuming a trajectory file whose earlier lines end in CRLF or hold invalid UTF-8
 * and whose last line is torn must cut exactly the torn line, at the byte offsets readLineRecords gives.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readLineRecords } from "../../src/io/index.js";
import { TrajectoryWriter } from "../../src/rollout/store.js";
import type { Trajectory } from "../../src/rollout/types.js";
import { trajectory } from "../helpers/fuzz-cases.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-resume-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

const row = (problem: number) => JSON.stringify(trajectory(problem, 0, true));

/** Line 1 ends in CRLF, line 2 holds an invalid UTF-8 byte inside a string, line 3 is torn. */
function damagedFile(): { file: string; tornOffset: number } {
  const file = path.join(dir, `run-${Math.random().toString(36).slice(2)}.jsonl`);
  const l1 = Buffer.from(row(1) + "\r\n");
  const [head, tail] = row(2).split('"startedAt":"') as [string, string];
  const l2 = Buffer.concat([Buffer.from(`${head}"startedAt":"`), Buffer.from([0xff]), Buffer.from(tail + "\n")]);
  const l3 = Buffer.from(row(3).slice(0, 30));
  fs.writeFileSync(file, Buffer.concat([l1, l2, l3]));
  return { file, tornOffset: l1.length + l2.length };
}

test("readLineRecords gives the torn line's byte offset whatever came before it", async () => {
  const { file, tornOffset } = damagedFile();
  const recs: { offset: number; terminated: boolean }[] = [];
  for await (const r of readLineRecords(file)) recs.push(r);
  assert.equal(recs.length, 3);
  assert.equal(recs[2]!.offset, tornOffset);
  assert.equal(recs[2]!.terminated, false);
});

test(
  "resume cuts exactly the torn line: no row lost, the next row not glued onto the cut",
  async () => {
    const { file, tornOffset } = damagedFile();
    const { writer, existing } = await TrajectoryWriter.open(file);
    assert.equal(existing.torn, true);
    assert.equal(existing.validBytes, tornOffset);
    await writer.append(JSON.parse(row(3)) as Trajectory);
    await writer.close();
    const lines = fs.readFileSync(file).subarray(tornOffset).toString("utf8");
    assert.equal(lines, row(3) + "\n");
    const again = await TrajectoryWriter.open(file);
    await again.writer.close();
    assert.deepEqual([...again.existing.keys].length, 3);
  },
);
