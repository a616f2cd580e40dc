import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { FileError, readParquetKeyValue, readParquetRows } from "../../src/io/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-pq-"));
process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));

const good = path.join(dir, "pairs.parquet");
fs.writeFileSync(
  good,
  new Uint8Array(
    parquetWriteBuffer({
      columnData: [{ name: "prompt", data: ["שלום 😀", "b"], type: "STRING" }, { name: "n", data: [1, 2], type: "INT32" }],
      kvMetadata: [{ key: "mathagent", value: JSON.stringify({ seed: 7 }) }],
    }),
  ),
);

test("a Parquet file's rows and its recorded metadata", async () => {
  assert.deepEqual(await readParquetRows(good), [{ prompt: "שלום 😀", n: 1 }, { prompt: "b", n: 2 }]);
  assert.deepEqual(readParquetKeyValue(good, "mathagent"), { seed: 7 });
  assert.equal(readParquetKeyValue(good, "other"), null);
});

test("missing, a directory, empty, cut short and garbage are each named, never a raw error", async () => {
  const bytes = fs.readFileSync(good);
  const cases: [string, Buffer | "dir" | null, RegExp][] = [
    ["missing.parquet", null, /: no such file$/],
    ["dir.parquet", "dir", /: is a directory, expected a file$/],
    ["empty.parquet", Buffer.alloc(0), /: not a readable Parquet file/],
    ["cut.parquet", bytes.subarray(0, bytes.length - 9), /: not a readable Parquet file .*interrupted write/],
    ["garbage.parquet", Buffer.from("PAR1 this is not parquet PAR1"), /: not a readable Parquet file/],
  ];
  for (const [name, content, message] of cases) {
    const f = path.join(dir, name);
    if (content === "dir") fs.mkdirSync(f);
    else if (content) fs.writeFileSync(f, content);
    await assert.rejects(readParquetRows(f), (e: unknown) => e instanceof FileError && e.message.startsWith(f) && message.test(e.message), name);
    if (content !== null && content !== "dir") assert.throws(() => readParquetKeyValue(f, "mathagent"), (e: unknown) => e instanceof FileError, name);
  }
});
