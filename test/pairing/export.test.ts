import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as aq from "arquero";
import * as parquetWasm from "parquet-wasm";
import { type Annotated, annotateFile, applyFilters, buildKto, buildPairs, type ExportMessage, loadAnnotated, trajectoryMessages } from "../../src/pairing/index.js";
import { EXPORT_FORMATS, exportColumns, exportKto, exportPairs, ktoRow, metaPath, pairRow, readExport, readParquetMeta } from "../../src/export/index.js";
import { fixture } from "./fixture.js";

let rowsCache: Annotated[] | null = null;
async function keptRows(): Promise<Annotated[]> {
  if (rowsCache) return rowsCache;
  const f = await fixture();
  const s = await annotateFile(f.file, { out: path.join(f.dir, "export-input.annotated.jsonl"), progress: false });
  rowsCache = applyFilters((await loadAnnotated(s.out, { progress: false })).rows).kept;
  return rowsCache;
}

/** Parquet read by an independent implementation (arrow-rs compiled to wasm), through Arrow IPC into Arquero. */
function readWithArrowRs(file: string): { rows: Record<string, unknown>[] } {
  const table = parquetWasm.readParquet(new Uint8Array(fs.readFileSync(file)));
  const t = aq.fromArrow(table.intoIPCStream());
  // Arrow values (structs, lists) as plain JSON.
  return { rows: JSON.parse(JSON.stringify(t.objects())) as Record<string, unknown>[] };
}

/** Arrow type ids (Arrow's Type enum) → names, for the columns the export writes. */
const ARROW_TYPES: Record<number, string> = { 2: "Int", 5: "Utf8", 6: "Bool", 12: "List", 13: "Struct" };
interface ArrowType {
  typeId: number;
  bitWidth?: number;
  children?: { name: string; type: ArrowType }[];
}
function typeName(t: ArrowType): string {
  const name = (ARROW_TYPES[t.typeId] ?? `type${t.typeId}`) + (t.typeId === 2 ? String(t.bitWidth) : "");
  if (t.typeId === 12) return `List<${typeName(t.children![0]!.type)}>`;
  if (t.typeId === 13) return `Struct<${t.children!.map((c) => `${c.name}: ${typeName(c.type)}`).join(", ")}>`;
  return name;
}

function arrowSchema(file: string): Record<string, string> {
  const t = aq.fromArrow(parquetWasm.readParquet(new Uint8Array(fs.readFileSync(file))).intoIPCStream());
  return Object.fromEntries(t.columnNames().map((n) => [n, typeName((t.column(n) as unknown as { type: ArrowType }).type)]));
}

test("pairs and KTO examples round-trip through JSONL and Parquet in every format: same messages, same model-written flags", async () => {
  const rows = await keptRows();
  const { dir } = await fixture();
  const { pairs, summary } = buildPairs(rows, { seed: 7 });
  const { examples } = buildKto(rows);
  assert.ok(pairs.length > 20 && examples.length > 100);
  for (const format of EXPORT_FORMATS) {
    for (const ext of ["jsonl", "parquet"] as const) {
      const pf = path.join(dir, `pairs.${format}.${ext}`);
      exportPairs(pf, pairs, format, { meta: { seed: 7, summary } });
      const back = await readExport(pf);
      assert.equal(back.length, pairs.length);
      const cols = exportColumns("pairs", format).map((c) => c.name);
      back.forEach((r, i) => {
        assert.deepEqual(Object.keys(r), cols, `${format}.${ext} column order`);
        assert.deepEqual(r, pairRow(pairs[i]!, format), `${format}.${ext} row ${i}`);
        const chosen = (format === "paper" ? r.chosen : [...(r.prompt as ExportMessage[]), ...(r.chosen as ExportMessage[])]) as ExportMessage[];
        const rejected = (format === "paper" ? r.rejected : [...(r.prompt as ExportMessage[]), ...(r.rejected as ExportMessage[])]) as ExportMessage[];
        assert.deepEqual(chosen, trajectoryMessages(pairs[i]!.chosen));
        assert.deepEqual(rejected, trajectoryMessages(pairs[i]!.rejected));
        assert.equal(r.gt, pairs[i]!.chosen.gt);
      });
      const meta = JSON.parse(fs.readFileSync(metaPath(pf), "utf8"));
      assert.equal(meta.seed, 7);
      assert.equal(meta.rows, pairs.length);

      const kf = path.join(dir, `kto.${format}.${ext}`);
      exportKto(kf, examples, format);
      const kback = await readExport(kf);
      assert.equal(kback.length, examples.length);
      kback.forEach((r, i) => {
        assert.deepEqual(r, ktoRow(examples[i]!, format));
        assert.equal(r.label, examples[i]!.trajectory.correct);
        const whole = (format === "paper" ? r.messages : format === "trl" ? [...(r.prompt as []), ...(r.completion as [])] : [...(r.input as []), ...(r.output as [])]) as ExportMessage[];
        assert.deepEqual(whole, trajectoryMessages(examples[i]!.trajectory));
      });
    }
  }
  assert.deepEqual(await readParquetMeta(path.join(dir, "pairs.trl.parquet")), { kind: "pairs", format: "trl", seed: 7, summary });
});

test("Parquet files read back with an independent reader (arrow-rs) as list<struct> columns, equal to the JSONL rows", async () => {
  const rows = await keptRows();
  const { dir } = await fixture();
  const { pairs } = buildPairs(rows, { strategy: "all", maxPerProblem: 2, seed: 1 });
  const pq = path.join(dir, "indep.parquet");
  exportPairs(pq, pairs, "trl");
  const jl = path.join(dir, "indep.jsonl");
  exportPairs(jl, pairs, "trl");
  const schema = arrowSchema(pq);
  const messages = "List<Struct<role: Utf8, content: Utf8, model_written: Bool>>";
  assert.deepEqual(schema, { prompt: messages, chosen: messages, rejected: messages, gt: "Utf8", problem_id: "Utf8", chosen_sample: "Int32", rejected_sample: "Int32" });
  const { rows: arrow } = readWithArrowRs(pq);
  assert.deepEqual(arrow, await readExport(jl));
  // Observations stay user messages "```output\n…\n```", never model-written.
  const obs = arrow.flatMap((r) => (r.chosen as ExportMessage[]).filter((m) => m.role === "user"));
  assert.ok(obs.length > 0);
  for (const m of obs) {
    assert.equal(m.model_written, false);
    assert.match(m.content, /^```output\n/);
  }
  // Non-ASCII text survives (GSM8K questions use typographic quotes).
  assert.ok(arrow.some((r) => /[’“”]/.test((r.prompt as ExportMessage[])[0]!.content)));
});

test("empty exports are valid files; a bad extension is refused", async () => {
  const { dir } = await fixture();
  for (const ext of ["jsonl", "parquet"]) {
    const f = path.join(dir, `empty.${ext}`);
    exportPairs(f, [], "paper");
    assert.deepEqual(await readExport(f), []);
  }
  assert.throws(() => exportPairs(path.join(dir, "x.csv"), [], "paper"), /must end in \.jsonl or \.parquet/);
  assert.throws(() => exportKto(path.join(dir, "x.jsonl"), [], "hf" as never), /unknown export format "hf"/);
});
