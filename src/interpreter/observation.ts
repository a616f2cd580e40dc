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
  /**
   * Requests run as IPython cells (`runCells`): the last expression's value as IPython's
   * displayhook writes it (IPython 8.5's pretty printer: a long list one item per line). Absent
   * otherwise, and when there is no value.
   */
  display?: string | null;
  /**
   * Requests run as IPython cells, on an exception: the last paragraph of what IPython 8.5 prints
   * (`InteractiveShell(colors="NoColor")`): `ZeroDivisionError: division by zero`, or for a
   * SyntaxError the caret display `  File <ipython-input-1-HASH>:1\n    x = = 2\n        ^\nSyntaxError: invalid syntax`.
   */
  ipythonError?: string | null;
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
  /** Runs `code` in a fresh interpreter (no state from earlier calls). */
  run(code: string, options?: RunOptions): Promise<Observation>;
  /**
   * The paper's executor: the cells run in order as IPython cells in a fresh interpreter, the
   * earlier cells' output discarded; the Observation of the last cell.
   */
  runCells(cells: string[], options?: RunOptions): Promise<Observation>;
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

/** The prompt IPython writes before a displayed value (the execution count stays 1: `run_cell` stores no history). */
const OUT_PROMPT = "Out[1]: ";

/**
 * The text the paper's executor returns for the last cell, byte for byte (reference:
 * test/interpreter/paper_executor.py, IPython 8.5 `InteractiveShell(colors="NoColor")`):
 * the cell's captured output — stdout, then `Out[1]: ` and the value as IPython displays it (a
 * multi-line value starts on a new line), then stderr, or the traceback on an exception — is
 * stripped; on an exception only its last paragraph (after the last blank line) is kept, so
 * output printed before the exception is dropped; then every "Out[1]: " is removed (so a
 * multi-line value keeps the newline IPython put after the prompt: "\n[45,\n 46, …"); an empty
 * result is "Result is not defined". A time-out is "Timeout Error". Needs an Observation from
 * `runCells` (IPython fields); for one from `run`, the value's repr stands in for the display.
 */
export function paperObservationText(obs: Observation, texts: Partial<Record<keyof typeof OBSERVATION_TEXT, string>> = {}): string {
  const t = { ...OBSERVATION_TEXT, ...texts };
  const status = obs.status ?? (obs.timedOut ? "timeout" : obs.error ? "error" : "ok");
  if (obs.timedOut || status === "timeout") return t.timeout;
  if (status === "cancelled") return t.cancelled;
  if (status === "crash") return t.crash;
  let captured: string;
  if (status === "error") {
    const paragraph = obs.ipythonError ?? (obs.error ? errorLine(obs.error) : "");
    // IPython separates the exception paragraph from the frames above it by a blank line (a
    // SyntaxError has no frames: its whole display is one paragraph, printed with a blank line after)
    captured = /^\s+File /.test(paragraph) ? `${obs.stdout}${paragraph}\n` : `${obs.stdout}<traceback>\n\n${paragraph}\n`;
    captured = lastParagraph(pyStrip(captured));
  } else {
    const shown = obs.display !== undefined ? obs.display : obs.value;
    const out = shown === null || shown === undefined ? "" : `${OUT_PROMPT}${shown.includes("\n") ? "\n" : ""}${shown}\n`;
    captured = pyStrip(obs.stdout + out + obs.stderr);
  }
  const text = captured.split(OUT_PROMPT).join("");
  return text === "" ? t.noResult : text;
}

function lastParagraph(text: string): string {
  const i = text.lastIndexOf("\n\n");
  return i < 0 ? text : text.slice(i + 2);
}

/** Python's str.strip(): its whitespace set differs from JavaScript's trim() (U+FEFF, U+001C–U+001F, U+0085). */
function pyStrip(s: string): string {
  return s.replace(/^[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, "");
}
