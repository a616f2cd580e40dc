/**
 * The paper's executor as the engine calls it: every closed block of the query so far, re-run in
 * order in a fresh interpreter, the last block's output returned (`inference/utils/python_executor.py`).
 */
import type { Interpreter, Observation, RunOptions } from "../interpreter/index.js";
import { paperObservationText, runCellsFallback } from "./cells-fallback.js";

export { paperObservationText };

/** The observation the paper's loop gives a query with no closed ```python block. */
export const NO_PROGRAM_TEXT = "Undefined error:";

/** An interpreter that may offer the sandbox's `runCells`. */
export type CellRunner = Pick<Interpreter, "run"> & {
  runCells?: (cells: string[], options?: RunOptions) => Promise<Observation>;
};

/** Run `cells` the paper's way, through the interpreter's own `runCells` when it has one. */
export function runCells(interp: CellRunner, cells: string[], options?: RunOptions): Promise<Observation> {
  if (cells.length === 0) throw new Error("runCells needs at least one cell");
  return typeof interp.runCells === "function" ? interp.runCells(cells, options) : runCellsFallback(interp, cells, options);
}
