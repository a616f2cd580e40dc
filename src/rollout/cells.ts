/**
 * The paper's executor as the engine calls it: every closed block of the query so far, re-run in
 * order in a fresh interpreter, the last block's output returned (`inference/utils/python_executor.py`).
 */
import type { Interpreter, Observation, RunOptions } from "../interpreter/index.js";
import { MathagentError } from "../errors.js";

export { paperObservationText } from "../interpreter/index.js";

/** The observation the paper's loop gives a query with no closed ```python block. */
export const NO_PROGRAM_TEXT = "Undefined error:";

/** What the engine runs code on: an `Interpreter` (which has `runCells`) or a per-trajectory session (which has not). */
export type CellRunner = Pick<Interpreter, "run"> & Partial<Pick<Interpreter, "runCells">>;

/** Run `cells` the paper's way, through the interpreter's `runCells`. */
export function runCells(interp: CellRunner, cells: string[], options?: RunOptions): Promise<Observation> {
  if (cells.length === 0) throw new Error("runCells needs at least one cell");
  if (typeof interp.runCells !== "function") {
    throw new MathagentError('execution "cells" (the paper\'s) needs an interpreter with runCells; use execution "session" or "replay" for one without');
  }
  return interp.runCells(cells, options);
}
