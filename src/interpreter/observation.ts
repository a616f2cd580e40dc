/**
 * What one execution of a snippet produced, and the text the paper feeds back to the model.
 */

/** The result of running one code block. */
export interface Observation {
  /** Captured `sys.stdout` (plus fd-level output), at most `maxOutputBytes` characters kept. */
  stdout: string;
  /** Captured `sys.stderr` (warnings land here), capped like stdout. */
  stderr: string;
  /** `repr()` of the last expression statement's value, or null when there is none or it is None. */
  value: string | null;
  /**
   * Trimmed traceback on error, like a Python REPL shows but with only the innermost frame of the
   * snippet: `Traceback (most recent call last):\n  File "<snippet>", line 3, in <module>\n    1/0\nZeroDivisionError: division by zero`.
   * SyntaxErrors give the REPL's caret form. Timeouts and crashes give a one-line message. Null on success.
   */
  error: string | null;
  /** Stopped at the time limit (interrupted, or the worker was killed). */
  timedOut: boolean;
  /** stdout or stderr was longer than the cap and was cut. */
  truncated: boolean;
  /** Wall time of the execution in the worker, in milliseconds (queueing not included). */
  durationMs: number;
  /**
   * How it ended: "ok", "error" (Python exception), "timeout", "crash" (the interpreter died and
   * was replaced) or "cancelled" (AbortSignal). Optional so other producers may omit it.
   */
  status?: ObservationStatus;
}

export type ObservationStatus = "ok" | "error" | "timeout" | "crash" | "cancelled";

export interface RunOptions {
  /** Per-call time limit (ms); the pool default otherwise (paper: 20 s). */
  timeoutMs?: number;
  /** Cancels the run: rejects with the signal's reason and interrupts the worker. */
  signal?: AbortSignal;
}

/** Runs untrusted Python snippets. The rollout engine depends on this shape. */
export interface Interpreter {
  /** Runs `code` in a fresh globals dict (no state from earlier calls). */
  run(code: string, options?: RunOptions): Promise<Observation>;
  /** Stops all workers. Further runs reject. */
  close(): Promise<void>;
}

/** A trajectory's notebook-like state: block k sees the variables of blocks 1..k-1. */
export interface InterpreterSession {
  readonly id: string;
  /** The code blocks run so far that completed (not timed out / crashed); replayed if a worker is lost. */
  readonly history: readonly string[];
  run(code: string, options?: RunOptions): Promise<Observation>;
  /** Frees the session's state in its worker. */
  close(): void;
}

/** Observation texts of the paper's executor, as constants the rollout can restate per chat template. */
export const OBSERVATION_TEXT = {
  /** Nothing printed, no value, no error. */
  noResult: "Result is not defined",
  /** The block hit the time limit. */
  timeout: "Timeout Error",
  /** The interpreter died under the block (memory corruption, fatal error). */
  crash: "Execution Error: the interpreter crashed",
  /** The run was cancelled. */
  cancelled: "Execution Error: cancelled",
} as const;

export interface ObservationTextOptions {
  /** Keep stdout printed before an exception in front of the error line (the paper drops it). Default false. */
  stdoutOnError?: boolean;
  /** Override the constants (per chat template). */
  texts?: Partial<Record<keyof typeof OBSERVATION_TEXT, string>>;
}

/** The exception line of a traceback: its last non-empty line (`ZeroDivisionError: division by zero`). */
export function errorLine(error: string): string {
  const lines = error.split("\n").filter((l) => l.trim() !== "");
  return lines.length ? lines[lines.length - 1]!.trim() : error.trim();
}

/**
 * The text fed back to the model, following the paper's executor:
 * - time-out → "Timeout Error";
 * - exception → the traceback's last line (`ExceptionType: message`); stdout printed before the
 *   exception is dropped unless `stdoutOnError`;
 * - otherwise stdout + stderr (joined, stripped), then on a new line the repr of the last
 *   expression's value when it is not None;
 * - nothing at all → "Result is not defined".
 */
export function observationText(obs: Observation, options: ObservationTextOptions = {}): string {
  const t = { ...OBSERVATION_TEXT, ...options.texts };
  const status = obs.status ?? (obs.timedOut ? "timeout" : obs.error ? "error" : "ok");
  if (obs.timedOut || status === "timeout") return t.timeout;
  if (status === "cancelled") return t.cancelled;
  if (status === "crash") return t.crash;
  const printed = (obs.stdout + obs.stderr).trim();
  if (obs.error) {
    const line = errorLine(obs.error);
    return options.stdoutOnError && printed ? `${printed}\n${line}` : line;
  }
  const parts: string[] = [];
  if (printed) parts.push(printed);
  if (obs.value !== null && obs.value !== undefined) parts.push(obs.value);
  return parts.length ? parts.join("\n") : t.noResult;
}
