/** The writers of the message-level formats (`paper`, `trl`, `openrlhf`): whole conversations. */
import * as fs from "node:fs";
import * as path from "node:path";
import { MathagentError } from "../errors.js";
import type { ExportContext, ExportData, ExportResult } from "./formats.js";
import { type ExportFormat, exportColumns, exportKto, exportPairs, ktoRow, metaPath, pairRow, writeExport } from "./messages.js";

const count = (d: ExportData) => (d.kind === "pairs" ? d.pairs.length : d.examples.length);
const json = (x: unknown) => JSON.stringify(x, null, 2) + "\n";

/** `trl` / `openrlhf`: one JSONL or Parquet file, metadata beside it. */
export function messageFile(format: ExportFormat) {
  return async (d: ExportData, ctx: ExportContext): Promise<ExportResult> => {
    if (d.kind === "pairs") exportPairs(ctx.out, d.pairs, format, { meta: ctx.meta });
    else exportKto(ctx.out, d.examples, format, { meta: ctx.meta });
    return { out: ctx.out, rows: count(d), lines: [`metadata: ${metaPath(ctx.out)}`] };
  };
}

/** The folder and data file of a `paper` output: `DIR` → `DIR/train.jsonl`; `DIR/x.jsonl|.parquet` as named. */
function paperTarget(out: string): { dir: string; file: string } {
  const named = /\.(jsonl|parquet)$/i.test(out);
  return named ? { dir: path.dirname(out), file: out } : { dir: out, file: path.join(out, "train.jsonl") };
}

/** The paper's trainer loads every data file of the folder: it must hold nothing else. */
export function checkPaperOut(out: string): void {
  const { dir, file } = paperTarget(out);
  const others = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f !== path.basename(file)) : [];
  if (others.length > 0) {
    throw new MathagentError(`${dir}: holds ${others.slice(0, 3).join(", ")}${others.length > 3 ? ", …" : ""}; the paper's trainer loads every data file of its folder, so --out must be a folder of its own`);
  }
}

/** `paper`: a folder holding only `train.jsonl` (or the .jsonl/.parquet named), metadata beside the folder. */
export async function writePaper(d: ExportData, ctx: ExportContext): Promise<ExportResult> {
  checkPaperOut(ctx.out);
  const { dir, file } = paperTarget(ctx.out);
  const rows = d.kind === "pairs" ? d.pairs.map((p) => pairRow(p, "paper")) : d.examples.map((e) => ktoRow(e, "paper"));
  const meta = { kind: d.kind, format: "paper", ...ctx.meta };
  writeExport(file, rows, exportColumns(d.kind, "paper"), { meta, sidecar: false });
  const metaFile = `${dir.replace(/[\\/]+$/, "")}.meta.json`;
  fs.writeFileSync(metaFile, json({ file: path.relative(path.dirname(metaFile), file), rows: rows.length, ...meta }));
  return { out: file, rows: rows.length, lines: [`metadata: ${metaFile} (outside the data folder)`] };
}

