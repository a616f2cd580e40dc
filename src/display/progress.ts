import { randomBytes } from "node:crypto";
import { displaySink, escapeHtml, type DisplaySink } from "./sink.js";

export interface ProgressOptions {
  /** Units of work in all; unknown totals show a count and a rate only. */
  total?: number;
  label?: string;
  /** Least time between two redraws. Default 250 ms. */
  intervalMs?: number;
  /** Where a terminal bar goes. Default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Extra text after the bar, e.g. "acc 0.81". */
  status?: () => string;
}

/** A progress bar: an updating display in a notebook cell, a redrawn line on a terminal. */
export class Progress {
  private done = 0;
  private readonly t0 = performance.now();
  private lastDraw = -Infinity;
  private finished = false;
  private readonly sink: DisplaySink;
  private readonly id = randomBytes(8).toString("hex");
  private shown = false;

  constructor(private readonly options: ProgressOptions = {}) {
    this.sink = displaySink();
  }

  get count(): number {
    return this.done;
  }

  /** Adds `n` finished units. */
  tick(n = 1): void {
    this.done += n;
    this.draw(false);
  }

  /** Sets the number of finished units. */
  update(done: number): void {
    this.done = done;
    this.draw(false);
  }

  /** Draws the final state; further calls do nothing. */
  finish(): void {
    if (this.finished) return;
    this.draw(true);
    this.finished = true;
  }

  /** "37/120 (31%) · 4.2/s · ETA 20s", the same text the bar shows. */
  describe(): string {
    const elapsed = (performance.now() - this.t0) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const { total } = this.options;
    const parts = [total ? `${this.done}/${total} (${Math.floor((100 * this.done) / total)}%)` : `${this.done}`];
    parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)}/s`);
    if (total && rate > 0 && this.done < total) parts.push(`ETA ${formatSeconds((total - this.done) / rate)}`);
    else parts.push(formatSeconds(elapsed));
    const status = this.options.status?.();
    if (status) parts.push(status);
    return parts.join(" · ");
  }

  private draw(final: boolean): void {
    if (this.finished) return;
    const now = performance.now();
    if (!final && now - this.lastDraw < (this.options.intervalMs ?? 250)) return;
    this.lastDraw = now;
    const label = this.options.label ? `${this.options.label} ` : "";
    const fraction = this.options.total ? Math.min(1, this.done / this.options.total) : undefined;
    if (this.sink.inNotebook) {
      const bar =
        fraction === undefined
          ? ""
          : `<div style="display:inline-block;width:240px;height:10px;background:#eee;vertical-align:middle;margin-right:8px">` +
            `<div style="width:${(fraction * 100).toFixed(1)}%;height:100%;background:${final ? "#2a9d8f" : "#457b9d"}"></div></div>`;
      const html = `<div style="font-family:monospace;font-size:90%">${escapeHtml(label)}${bar}${escapeHtml(this.describe())}</div>`;
      this.sink.show({ "text/html": html, "text/plain": label + this.describe() }, this.id, this.shown);
      this.shown = true;
      return;
    }
    const stream = this.options.stream ?? process.stderr;
    const width = 28;
    const bar = fraction === undefined ? "" : `[${"#".repeat(Math.round(fraction * width)).padEnd(width, ".")}] `;
    const line = `${label}${bar}${this.describe()}`;
    if (stream.isTTY) stream.write(`\r\x1b[2K${line}${final ? "\n" : ""}`);
    else if (final || now - this.t0 > 0) stream.write(line + "\n");
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Starts a progress display. */
export function showProgress(options: ProgressOptions = {}): Progress {
  return new Progress(options);
}

/** Iterates `items` while showing progress; the bar finishes when the loop ends or breaks. */
export async function* withProgress<T>(items: Iterable<T> | AsyncIterable<T>, options: ProgressOptions = {}): AsyncGenerator<T> {
  const total = options.total ?? (Array.isArray(items) ? items.length : undefined);
  const progress = new Progress({ ...options, total });
  try {
    for await (const item of items) {
      yield item;
      progress.tick();
    }
  } finally {
    progress.finish();
  }
}
