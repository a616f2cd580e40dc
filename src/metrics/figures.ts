/** Plotly figures for the metric tables (show them with `showPlot` from src/display). */
import type { Figure } from "../display/index.js";
import { type MetricRow, rowLength } from "./records.js";
import type { Table } from "./tables.js";

type Obj = Record<string, unknown>;
const col = (t: Table, name: string) => (t.objects() as Obj[]).map((o) => o[name]);
const nums = (t: Table, name: string) => col(t, name) as number[];

function errorBars(t: Table, value: string) {
  const v = nums(t, value);
  const lo = nums(t, "lo");
  const hi = nums(t, "hi");
  return {
    type: "data" as const,
    symmetric: false,
    array: hi.map((h, i) => (Number.isFinite(h) ? h - v[i]! : 0)),
    arrayminus: lo.map((l, i) => (Number.isFinite(l) ? v[i]! - l : 0)),
  };
}

/** Bars of accuracy per group (the table of `accuracyBy`), with 95% intervals. */
export function accuracyByFigure(table: Table, key = "level"): Figure {
  return {
    data: [{ type: "bar", x: col(table, key).map(String), y: nums(table, "accuracy"), error_y: errorBars(table, "accuracy"), name: "accuracy" }] as Figure["data"],
    layout: { title: { text: `Accuracy by ${key}` }, xaxis: { title: { text: key }, type: "category" }, yaxis: { title: { text: "accuracy" }, range: [0, 1] } },
  };
}

/** Accuracy by level (the table of `accuracyBy(problems, "level")`). */
export function accuracyByLevelFigure(table: Table): Figure {
  return accuracyByFigure(table, "level");
}

/** pass@k (and maj@k when given) against k on a log₂ axis, with 95% intervals. */
export function passAtKFigure(passTable: Table, majTable?: Table): Figure {
  const data: Obj[] = [{ type: "scatter", mode: "lines+markers", name: "pass@k", x: nums(passTable, "k"), y: nums(passTable, "pass_at_k"), error_y: errorBars(passTable, "pass_at_k") }];
  if (majTable) data.push({ type: "scatter", mode: "lines+markers", name: "maj@k", x: nums(majTable, "k"), y: nums(majTable, "maj_at_k"), error_y: errorBars(majTable, "maj_at_k") });
  return {
    data: data as Figure["data"],
    layout: { title: { text: "pass@k and maj@k" }, xaxis: { title: { text: "k" }, type: "log", dtick: Math.log10(2) }, yaxis: { title: { text: "rate" }, range: [0, 1] } },
  };
}

/** Histogram of tool calls per trajectory, stacked by correctness. */
export function toolCallsFigure(rows: readonly MetricRow[]): Figure {
  const max = rows.reduce((a, r) => Math.max(a, r.toolCalls ?? 0), 0);
  const xs = Array.from({ length: max + 1 }, (_, i) => i);
  const count = (ok: boolean) => xs.map((k) => rows.filter((r) => (r.toolCalls ?? 0) === k && r.correct === ok).length);
  return {
    data: [
      { type: "bar", name: "correct", x: xs, y: count(true), marker: { color: "#2a9d8f" } },
      { type: "bar", name: "wrong", x: xs, y: count(false), marker: { color: "#e76f51" } },
    ] as Figure["data"],
    layout: { title: { text: "Tool calls per trajectory" }, barmode: "stack", xaxis: { title: { text: "tool calls" }, dtick: 1 }, yaxis: { title: { text: "trajectories" } } },
  };
}

/** Box plots of trajectory length (completion tokens, else characters) for correct and wrong trajectories. */
export function lengthByCorrectnessFigure(rows: readonly MetricRow[]): Figure {
  const tokens = rows.length > 0 && rows.every((r) => typeof r.completionTokens === "number");
  const unit = tokens ? "completion tokens" : "characters written by the model";
  const len = (ok: boolean) => rows.filter((r) => r.correct === ok).map(rowLength);
  return {
    data: [
      { type: "box", name: "correct", y: len(true), marker: { color: "#2a9d8f" }, boxmean: true },
      { type: "box", name: "wrong", y: len(false), marker: { color: "#e76f51" }, boxmean: true },
    ] as Figure["data"],
    layout: { title: { text: "Trajectory length by correctness" }, yaxis: { title: { text: unit } } },
  };
}
