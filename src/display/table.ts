import { displaySink, escapeHtml, type MimeBundle } from "./sink.js";

/** The part of an Arquero table the display needs (kept structural so callers need not import arquero). */
export interface TableLike {
  numRows(): number;
  numCols(): number;
  columnNames(): string[];
  toHTML(options?: { limit?: number; maxdigits?: number; format?: Record<string, (v: unknown) => string> }): string;
  toMarkdown(options?: { limit?: number; maxdigits?: number; format?: Record<string, (v: unknown) => string> }): string;
}

export interface ShowTableOptions {
  /** Rows shown; the caption says how many there are in all. Default 20. */
  limit?: number;
  /** Significant digits of floating-point cells. Default 4. */
  maxdigits?: number;
  title?: string;
}

/** Whole numbers as themselves (a count is never "200.0000"), other numbers to `maxdigits` decimals. */
function numberFormat(table: TableLike, maxdigits: number): Record<string, (v: unknown) => string> {
  const f = (v: unknown): string => {
    if (typeof v === "number") return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(Number(v.toFixed(maxdigits)));
    if (v instanceof Date) return v.toISOString();
    return v !== null && typeof v === "object" ? JSON.stringify(v) : String(v);
  };
  return Object.fromEntries(table.columnNames().map((c) => [c, f]));
}

/** Table as a bundle: HTML with a caption (row count, truncation) and a plain-text form. */
export function tableBundle(table: TableLike, options: ShowTableOptions = {}): MimeBundle {
  const limit = options.limit ?? 20;
  const maxdigits = options.maxdigits ?? 4;
  const rows = table.numRows();
  const shown = Math.min(rows, limit);
  const size = `${rows.toLocaleString("en-US")} row${rows === 1 ? "" : "s"} × ${table.numCols()} column${table.numCols() === 1 ? "" : "s"}`;
  const note = shown < rows ? `${size}, first ${shown} shown` : size;
  const title = options.title ? `<strong>${escapeHtml(options.title)}</strong> · ` : "";
  const html =
    `<div class="mathagent-table"><div style="font-size:90%;color:#555;margin:4px 0">${title}${escapeHtml(note)}</div>` +
    `${table.toHTML({ limit, maxdigits, format: numberFormat(table, maxdigits) })}</div>`;
  const text = `${options.title ? options.title + " — " : ""}${note}\n${table.toMarkdown({ limit, maxdigits, format: numberFormat(table, maxdigits) })}`;
  return { "text/html": html, "text/plain": text };
}

/** Shows an Arquero table in the notebook (or as Markdown in a terminal). */
export function showTable(table: TableLike, options: ShowTableOptions = {}): void {
  displaySink().show(tableBundle(table, options));
}
