/** Shape check of data/paper-results.json: every field of every row, errors naming the file and the field's path. */
import type { PaperResults } from "./paper.js";

type Check = (v: unknown) => boolean;

const isNum: Check = (v) => typeof v === "number" && Number.isFinite(v);
const isStr: Check = (v) => typeof v === "string";
const isBool: Check = (v) => typeof v === "boolean";
const orNull = (c: Check): Check => (v) => v === null || c(v);
const oneOf = (...xs: string[]): Check => (v) => typeof v === "string" && xs.includes(v);
const isGain: Check = (v) => {
  if (typeof v !== "object" || v === null) return false;
  const g = v as Record<string, unknown>;
  return isStr(g["over"]) && isNum(g["gsm8k"]) && isNum(g["math"]) && (g["avg"] === undefined || isNum(g["avg"]));
};

/** Each field of a row and what it must hold. */
const ROW_FIELDS: Record<string, [Check, string]> = {
  model: [isStr, "a string"],
  method: [isStr, "a string"],
  algorithm: [oneOf("SFT", "RAFT", "DPO", "KTO", "M-DPO", "M-KTO"), "one of SFT, RAFT, DPO, KTO, M-DPO, M-KTO"],
  tool: [isBool, "true or false"],
  masked: [orNull(isBool), "true, false or null"],
  iteration: [orNull(isNum), "a number or null"],
  reference: [orNull(oneOf("previous", "sft")), '"previous", "sft" or null'],
  eta: [orNull(isNum), "a number or null"],
  n: [orNull(isNum), "a number or null"],
  sampling: [orNull(oneOf("mixture", "on-policy")), '"mixture", "on-policy" or null'],
  sftEpochs: [orNull(isNum), "a number or null"],
  sftSteps: [orNull(isNum), "a number or null"],
  nll: [orNull(isBool), "true, false or null"],
  gsm8k: [isNum, "a number"],
  math: [isNum, "a number"],
  avg: [orNull(isNum), "a number or null"],
  gain: [orNull(isGain), "null or {over, gsm8k, math[, avg]}"],
  start: [isBool, "true or false"],
  checkpoint: [orNull(isStr), "a string or null"],
  citation: [orNull(isStr), "a string or null"],
};

const TEXT_FIGURE_FIELDS: Record<string, [Check, string]> = {
  what: [isStr, "a string"],
  setting: [isStr, "a string"],
  value: [isNum, "a number"],
  unit: [oneOf("%", "log-prob"), '"%" or "log-prob"'],
};

const TORA_FIELDS: Record<string, [Check, string]> = {
  model: [isStr, "a string"],
  decoding: [isStr, "a string"],
  gsm8k: [isNum, "a number"],
  math: [isNum, "a number"],
};

function fail(file: string, where: string, what: string): never {
  throw new Error(`${file}: ${where} ${what}`);
}

function asObject(v: unknown, file: string, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(file, where, "must be an object");
  return v as Record<string, unknown>;
}

function asArray(v: unknown, file: string, where: string): unknown[] {
  if (!Array.isArray(v)) fail(file, where, "must be an array");
  return v;
}

function checkFields(o: Record<string, unknown>, fields: Record<string, [Check, string]>, file: string, where: string): void {
  for (const [k, [ok, want]] of Object.entries(fields)) {
    if (!ok(o[k])) fail(file, `${where}.${k}`, `must be ${want}, got ${JSON.stringify(o[k])}`);
  }
  for (const k of Object.keys(o)) if (!(k in fields)) fail(file, `${where}.${k}`, "is not a known field");
}

function checkColumns(v: unknown, keys: Record<string, unknown>, file: string, where: string): void {
  asArray(v, file, where).forEach((c, i) => {
    const col = asObject(c, file, `${where}[${i}]`);
    if (!isStr(col["label"]) || !isStr(col["key"]) || !((col["key"] as string) in keys))
      fail(file, `${where}[${i}]`, `must be {label, key} with key a row field, got ${JSON.stringify(c)}`);
  });
}

function checkTable(v: unknown, file: string, where: string): void {
  const t = asObject(v, file, where);
  for (const k of ["id", "table", "caption", "setting"]) if (!isStr(t[k])) fail(file, `${where}.${k}`, "must be a string");
  if (!/^table[1-5]$/.test(t["id"] as string)) fail(file, `${where}.id`, `must be table1 … table5, got ${JSON.stringify(t["id"])}`);
  checkColumns(t["columns"], ROW_FIELDS, file, `${where}.columns`);
  asArray(t["rows"], file, `${where}.rows`).forEach((r, i) => {
    const rw = `${where}.rows[${i}]`;
    checkFields(asObject(r, file, rw), ROW_FIELDS, file, rw);
  });
  asArray(t["textFigures"], file, `${where}.textFigures`).forEach((f, i) => {
    const fw = `${where}.textFigures[${i}]`;
    checkFields(asObject(f, file, fw), TEXT_FIGURE_FIELDS, file, fw);
  });
  const known = new Set(["id", "table", "caption", "setting", "columns", "rows", "textFigures"]);
  for (const k of Object.keys(t)) if (!known.has(k)) fail(file, `${where}.${k}`, "is not a known field");
}

/** The parsed file as `PaperResults`, or an error naming the file and the first bad field (e.g. `tables[0].rows[3].gsm8k`). */
export function checkPaperResults(raw: unknown, file: string): PaperResults {
  const o = asObject(raw, file, "the top level");
  if (!isStr(o["source"])) fail(file, "source", "must be a string");
  asArray(o["notes"], file, "notes").forEach((n, i) => isStr(n) || fail(file, `notes[${i}]`, "must be a string"));
  asArray(o["tables"], file, "tables").forEach((t, i) => checkTable(t, file, `tables[${i}]`));
  const tora = asObject(o["tora"], file, "tora");
  for (const k of ["source", "caption"]) if (!isStr(tora[k])) fail(file, `tora.${k}`, "must be a string");
  checkColumns(tora["columns"], TORA_FIELDS, file, "tora.columns");
  asArray(tora["rows"], file, "tora.rows").forEach((r, i) => checkFields(asObject(r, file, `tora.rows[${i}]`), TORA_FIELDS, file, `tora.rows[${i}]`));
  asArray(o["protocol"], file, "protocol").forEach((p, i) => {
    const e = asObject(p, file, `protocol[${i}]`);
    for (const k of ["setting", "value", "source"]) if (!isStr(e[k])) fail(file, `protocol[${i}].${k}`, "must be a string");
  });
  return raw as PaperResults;
}
