import { MATH_RENDERED, mathHtml } from "./math.js";
import { displaySink, escapeHtml, type MimeBundle } from "./sink.js";
import { CAPTION } from "./style.js";

export interface ShowRecordOptions {
  title?: string;
  /** Significant digits of non-integer numbers. Default 4. */
  digits?: number;
}

/** One value as text: integers with thousands separators, other numbers to `digits` significant digits, null as "—". */
export function formatValue(v: unknown, digits = 4): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return v.toLocaleString("en-US");
    return Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : String(v);
  }
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== "object")) return v.map((x) => formatValue(x, digits)).join(", ");
  return JSON.stringify(v);
}

/** The fields of a record, nested objects flattened to dotted keys ("mdpo.beta"). */
export function recordEntries(obj: object, prefix = ""): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]): [string, unknown][] => {
    const key = prefix ? `${prefix}.${k}` : k;
    const nested = typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
    return nested && Object.keys(v).length > 0 ? recordEntries(v, key) : [[key, v]];
  });
}

/**
 * A record as a two-column field/value table (HTML) and aligned "field  value" lines (text). In the
 * HTML, LaTeX in string values (a MATH problem, its solution) is shown as MathML; the text stays raw.
 */
export function recordBundle(obj: object, options: ShowRecordOptions = {}): MimeBundle {
  const entries = recordEntries(obj);
  const rows = entries.map(([k, v]) => [k, formatValue(v, options.digits)] as const);
  const cell = (i: number, v: string) => (typeof entries[i]![1] === "string" ? mathHtml(v) : escapeHtml(v));
  const title = options.title ? `<div style="${CAPTION}"><strong>${escapeHtml(options.title)}</strong></div>` : "";
  const body = rows
    .map(([k, v], i) => `<tr><th style="text-align:left;padding-right:1em;vertical-align:top">${escapeHtml(k)}</th><td style="text-align:left;white-space:pre-wrap;vertical-align:top">${cell(i, v)}</td></tr>`)
    .join("");
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  const text = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n");
  return {
    "text/html": `<div class="mathagent-record ${MATH_RENDERED}">${title}<table>${body}</table></div>`,
    "text/plain": options.title ? `${options.title}\n${text}` : text,
  };
}

/** Shows an object's fields and values (metrics, settings, one row of data) as a small table. */
export function showRecord(obj: object, options: ShowRecordOptions = {}): void {
  displaySink().show(recordBundle(obj, options));
}
