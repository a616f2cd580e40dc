/**
 * Data-first charts: name the columns of an Arquero table, get a Plotly figure for `showPlot`.
 * Wide tables give one trace per `y` column; long tables one trace per value of `series`.
 */
import type { BarData, BoxData, HistogramData, Layout, ScatterData } from "plotly.js-dist-min";
import type { Figure } from "./plot.js";
import { PALETTE } from "./style.js";

/** The part of an Arquero table the charts read (kept structural so callers need not import arquero). */
export interface ChartTable {
  columnNames(): string[];
  numRows(): number;
  array(name: string): ArrayLike<unknown>;
}

export interface ChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  yRange?: [number, number];
  /** Trace name → colour; the rest take the palette in order. */
  colors?: Record<string, string>;
}

type Value = string | number;
/** A column (or several) whose values split the rows into traces. */
export type Series = string | readonly string[];

const asList = (y: string | readonly string[]): readonly string[] => (typeof y === "string" ? [y] : y);

function column(verb: string, t: ChartTable, name: string): unknown[] {
  if (!t.columnNames().includes(name)) throw new Error(`${verb}: no column "${name}" (columns: ${t.columnNames().join(", ")})`);
  return Array.from(t.array(name));
}

function numbers(verb: string, t: ChartTable, name: string): (number | null)[] {
  return column(verb, t, name).map((v, i) => {
    if (v === null || v === undefined) return null;
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    throw new Error(`${verb}: column "${name}" has a non-number at row ${i}: ${JSON.stringify(v)}`);
  });
}

function values(verb: string, t: ChartTable, name: string): Value[] {
  return column(verb, t, name).map((v) => (typeof v === "number" || typeof v === "string" ? v : String(v)));
}

/** The row indices of each group, in the order groups first appear; one group of all rows without `series`. Several series columns group by their joined values ("M-DPO · GSM8K"). */
function groups(verb: string, t: ChartTable, series: Series | undefined): { name: string | null; rows: number[] }[] {
  if (series === undefined) return [{ name: null, rows: Array.from({ length: t.numRows() }, (_, i) => i) }];
  const cols = asList(series).map((c) => values(verb, t, c));
  const out = new Map<string, number[]>();
  for (let i = 0; i < t.numRows(); i++) {
    const k = cols.map((c) => String(c[i])).join(" · ");
    out.set(k, [...(out.get(k) ?? []), i]);
  }
  return [...out].map(([name, rows]) => ({ name, rows }));
}

interface TraceKey {
  name: string;
  y: string;
  rows: number[];
}

/** One trace per y column × series value, named by whichever of the two varies. */
function traceKeys(verb: string, t: ChartTable, ys: readonly string[], series: Series | undefined): TraceKey[] {
  return groups(verb, t, series).flatMap((g) =>
    ys.map((y) => ({ y, rows: g.rows, name: g.name === null ? y : ys.length > 1 ? `${g.name} · ${y}` : g.name })),
  );
}

function colorOf(options: ChartOptions, name: string, i: number): string {
  return options.colors?.[name] ?? PALETTE[i % PALETTE.length]!;
}

function layout(options: ChartOptions, x: string | undefined, y: string, extra: Partial<Layout> = {}): Partial<Layout> {
  return {
    ...(options.title ? { title: { text: options.title } } : {}),
    xaxis: { title: { text: options.xTitle ?? x ?? "" }, ...(extra.xaxis ?? {}) },
    yaxis: { title: { text: options.yTitle ?? y }, ...(options.yRange ? { range: options.yRange } : {}) },
    ...(extra.barmode ? { barmode: extra.barmode } : {}),
  };
}

const pick = <T>(xs: readonly T[], rows: readonly number[]): T[] => rows.map((i) => xs[i]!);
const isCategorical = (xs: readonly Value[]) => xs.some((v) => typeof v === "string");

export interface BarsSpec extends ChartOptions, IntervalColumns {
  x: string;
  y: string | readonly string[];
  series?: Series;
  mode?: "group" | "stack" | "overlay";
  /** A column shown as text on each bar. */
  text?: string;
}

/** Columns with the lower and upper ends of an interval around `y`, drawn as error bars. */
export interface IntervalColumns {
  lo?: string;
  hi?: string;
}

function errorBar(verb: string, t: ChartTable, spec: IntervalColumns, y: string, rows: number[]): Partial<BarData>["error_y"] | undefined {
  if (spec.lo === undefined || spec.hi === undefined) return undefined;
  const v = pick(numbers(verb, t, y), rows);
  const lo = pick(numbers(verb, t, spec.lo), rows);
  const hi = pick(numbers(verb, t, spec.hi), rows);
  return {
    type: "data",
    symmetric: false,
    array: hi.map((h, i) => (h === null || v[i] === null ? 0 : h - v[i]!)),
    arrayminus: lo.map((l, i) => (l === null || v[i] === null ? 0 : v[i]! - l)),
  };
}

/** Bars of `y` (one or several columns) against `x`, grouped, stacked or overlaid. */
export function bars(table: ChartTable, spec: BarsSpec): Figure {
  const xs = values("bars", table, spec.x);
  const text = spec.text === undefined ? undefined : values("bars", table, spec.text).map(String);
  const data = traceKeys("bars", table, asList(spec.y), spec.series).map((k, i): Partial<BarData> => {
    const error = errorBar("bars", table, spec, k.y, k.rows);
    return {
      type: "bar",
      name: k.name,
      x: pick(xs, k.rows),
      y: pick(numbers("bars", table, k.y), k.rows),
      marker: { color: colorOf(spec, k.name, i) },
      ...(error ? { error_y: error } : {}),
      ...(text ? { text: pick(text, k.rows) } : {}),
    };
  });
  const lay = layout(spec, spec.x, asList(spec.y).join(", "), { barmode: spec.mode ?? "group", xaxis: isCategorical(xs) ? { type: "category" } : {} });
  return { data, layout: lay };
}

export interface HistogramSpec extends ChartOptions {
  x: string;
  series?: Series;
  /** Largest number of bins; Plotly picks their edges. */
  bins?: number;
  /** Explicit bin edges: from `start` to `end` in steps of `size`. */
  binEdges?: { start: number; end: number; size: number };
  mode?: "overlay" | "stack";
}

/** A histogram of a numeric column, one trace per `series` value. */
export function histogram(table: ChartTable, spec: HistogramSpec): Figure {
  const keys = traceKeys("histogram", table, [spec.x], spec.series);
  const xs = numbers("histogram", table, spec.x);
  const data = keys.map((k, i): Partial<HistogramData> => ({
    type: "histogram",
    name: k.name,
    x: pick(xs, k.rows),
    marker: { color: colorOf(spec, k.name, i) },
    ...(spec.bins !== undefined ? { nbinsx: spec.bins } : {}),
    ...(spec.binEdges ? { xbins: spec.binEdges } : {}),
    ...(keys.length > 1 ? { opacity: spec.mode === "stack" ? 1 : 0.6 } : {}),
  }));
  return { data, layout: layout({ yTitle: "count", ...spec }, spec.x, "count", { barmode: spec.mode ?? "overlay" }) };
}

export interface LinesSpec extends ChartOptions, IntervalColumns {
  x: string;
  y: string | readonly string[];
  series?: Series;
  /** Lines, markers, or both (default). */
  mode?: "lines" | "markers" | "lines+markers";
  /** Per trace name, a mode other than `mode`. */
  modes?: Record<string, "lines" | "markers" | "lines+markers">;
  xLog?: boolean;
}

/** Lines of `y` against `x`, one per y column or `series` value. */
export function lines(table: ChartTable, spec: LinesSpec): Figure {
  const xs = values("lines", table, spec.x);
  const data = traceKeys("lines", table, asList(spec.y), spec.series).map((k, i): Partial<ScatterData> => {
    const error = errorBar("lines", table, spec, k.y, k.rows);
    return {
      type: "scatter",
      mode: spec.modes?.[k.name] ?? spec.mode ?? "lines+markers",
      name: k.name,
      x: pick(xs, k.rows),
      y: pick(numbers("lines", table, k.y), k.rows),
      marker: { color: colorOf(spec, k.name, i) },
      line: { color: colorOf(spec, k.name, i) },
      ...(error ? { error_y: error } : {}),
    };
  });
  const xaxis: Partial<Layout>["xaxis"] = spec.xLog ? { type: "log" } : isCategorical(xs) ? { type: "category" } : {};
  return { data, layout: layout(spec, spec.x, asList(spec.y).join(", "), { xaxis }) };
}

export interface BoxSpec extends ChartOptions {
  y: string;
  /** A column whose values each get a box. */
  group?: Series;
}

/** Box plots of a numeric column, one box per `group` value, with the mean marked. */
export function box(table: ChartTable, spec: BoxSpec): Figure {
  const ys = numbers("box", table, spec.y);
  const data = groups("box", table, spec.group).map((g, i): Partial<BoxData> => {
    const name = g.name ?? spec.y;
    return { type: "box", name, y: pick(ys, g.rows), boxmean: true, marker: { color: colorOf(spec, name, i) } };
  });
  return { data, layout: layout(spec, spec.group === undefined ? undefined : asList(spec.group).join(", "), spec.y) };
}
