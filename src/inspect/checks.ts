/** A summary of a preference table and the short list of what to check before training on it, computed from the data. */
import type { ColumnTable } from "arquero";

export interface Check {
  check: string;
  value: string;
  /** "look" when the value is outside the range given in `ok`. */
  verdict: "ok" | "look";
  ok: string;
}

type Row = Record<string, unknown>;
const share = (rows: readonly Row[], f: (r: Row) => boolean) => (rows.length ? rows.filter(f).length / rows.length : 0);
const mean = (rows: readonly Row[], col: string) => (rows.length ? rows.reduce((a, r) => a + Number(r[col] ?? 0), 0) / rows.length : 0);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const count = (rows: readonly Row[], f: (r: Row) => boolean) => rows.filter(f).length;

function check(name: string, value: string, good: boolean, ok: string): Check {
  return { check: name, value, verdict: good ? "ok" : "look", ok };
}

function common(rows: readonly Row[]): Check[] {
  const dups = count(rows, (r) => r["duplicate_of"] !== null);
  const overlap = count(rows, (r) => typeof r["test_overlap"] === "string" && r["test_overlap"] !== "");
  const checked = rows.some((r) => r["test_overlap"] !== null);
  return [
    check("duplicate transcripts", `${dups} of ${rows.length}`, dups === 0, "0"),
    check("prompts overlapping GSM8K/MATH test questions", checked ? `${overlap} of ${rows.length}` : "not checked (no data directory)", checked && overlap === 0, "0"),
  ];
}

function pairChecks(rows: readonly Row[]): Check[] {
  const ratio = mean(rows, "chosen_model_chars") / Math.max(1, mean(rows, "rejected_model_chars"));
  const rejectedError = share(rows, (r) => r["rejected_ended_in_error"] === true);
  const sameAnswer = count(rows, (r) => r["answers_differ"] === false);
  const noAnswer = count(rows, (r) => r["chosen_answer"] === null && r["chosen_turns"] !== 0);
  const same = count(rows, (r) => r["same_sides"] === true);
  return [
    check("length bias: model-written characters, chosen / rejected", ratio.toFixed(2), ratio >= 0.8 && ratio <= 1.25, "0.80–1.25"),
    check("rejected side ended in an interpreter error", pct(rejectedError), rejectedError <= 0.3, "≤ 30%"),
    check("both sides give the same final answer", `${sameAnswer} of ${rows.length}`, sameAnswer === 0, "0"),
    check("chosen side without a final answer", `${noAnswer} of ${rows.length}`, noAnswer === 0, "0"),
    check("chosen identical to rejected", `${same} of ${rows.length}`, same === 0, "0"),
    ...common(rows),
  ];
}

function exampleChecks(rows: readonly Row[]): Check[] {
  const labelled = rows.filter((r) => typeof r["label"] === "boolean");
  const desirable = share(labelled, (r) => r["label"] === true);
  const out: Check[] = [];
  if (labelled.length) out.push(check("desirable share (KTO balances the two weights on it)", pct(desirable), desirable >= 0.2 && desirable <= 0.8, "20%–80%"));
  const undesirable = labelled.filter((r) => r["label"] === false);
  const ratio = mean(labelled.filter((r) => r["label"] === true), "model_chars") / Math.max(1, mean(undesirable, "model_chars"));
  if (labelled.length) out.push(check("length bias: model-written characters, desirable / undesirable", ratio.toFixed(2), ratio >= 0.8 && ratio <= 1.25, "0.80–1.25"));
  const noAnswer = count(rows, (r) => r["answer"] === null && r["turns"] !== 0);
  out.push(check("examples without a final answer", `${noAnswer} of ${rows.length}`, noAnswer === 0, "0"));
  return [...out, ...common(rows)];
}

/** What to check before training, computed from the table. */
export function trainingChecks(table: ColumnTable, kind: "pairs" | "examples"): Check[] {
  const rows = table.objects() as Row[];
  return kind === "pairs" ? pairChecks(rows) : exampleChecks(rows);
}
