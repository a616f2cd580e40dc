import type { RolloutProgress } from "./engine.js";

function fmtDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "--:--";
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(sec).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** One line: done/total, rate, ETA, errors and accuracy so far. */
export function formatProgress(p: RolloutProgress, width = 24): string {
  const frac = p.total > 0 ? p.done / p.total : 1;
  const filled = Math.round(frac * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  const parts = [
    `${bar} ${p.done}/${p.total}`,
    `${p.rate.toFixed(p.rate < 10 ? 2 : 1)} traj/s`,
    `ETA ${fmtDuration(p.done >= p.total ? 0 : p.etaMs)}`,
  ];
  if (p.resumed > 0) parts.push(`${p.resumed} resumed`);
  if (p.errors > 0) parts.push(`${p.errors} errors`);
  if (p.graded > 0) parts.push(`acc ${((100 * p.correct) / p.graded).toFixed(1)}% (${p.correct}/${p.graded})`);
  return parts.join("  ");
}

/**
 * A progress reporter for a stream: a redrawn bar on a terminal, otherwise a line at most every
 * `intervalMs` (and the final state). Call `end()` when done.
 */
export function progressBar(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  opts: { label?: string; intervalMs?: number } = {},
): { update(p: RolloutProgress): void; end(): void } {
  const tty = stream.isTTY === true;
  const interval = opts.intervalMs ?? (tty ? 100 : 10_000);
  const label = opts.label ? opts.label + " " : "";
  let last = 0;
  let lastP: RolloutProgress | undefined;
  let drawn = false;
  const draw = (p: RolloutProgress) => {
    const line = label + formatProgress(p);
    stream.write(tty ? `\r\x1b[2K${line}` : line + "\n");
    drawn = true;
  };
  return {
    update(p) {
      lastP = p;
      const now = Date.now();
      if (now - last >= interval || p.done >= p.total) {
        last = now;
        draw(p);
        lastP = undefined;
      }
    },
    end() {
      if (lastP) draw(lastP);
      if (tty && drawn) stream.write("\n");
    },
  };
}
