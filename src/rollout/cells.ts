/**
 * The paper's executor as the engine calls it: every closed block of the query so far, re-run in
 * order in a fresh interpreter, the last block's output returned (`inference/utils/python_executor.py`).
 * The interpreter module's `runCells` / `paperObservationText` are used when it provides them,
 * the stand-ins of `cells-fallback.ts` otherwise.
 */
import * as interpreterModule from "../interpreter/index.js";
import type { Interpreter, Observation, RunOptions } from "../interpreter/index.js";
import { paperObservationText as fallbackText, runCellsFallback } from "./cells-fallback.js";

/** The observation the paper's loop gives a query with no closed ```python block. */
export const NO_PROGRAM_TEXT = "Undefined error:";

const provided = (interpreterModule as Record<string, unknown>).paperObservationText;

/** Where `paperObservationText` comes from: "interpreter" once the sandbox's has landed, "fallback" before. */
export const OBSERVATION_TEXT_SOURCE: "interpreter" | "fallback" = typeof provided === "function" ? "interpreter" : "fallback";

/** The text the paper's executor returns for an observation. */
export const paperObservationText: (obs: Observation) => string =
  typeof provided === "function" ? (provided as (obs: Observation) => string) : fallbackText;

/** An interpreter that may offer the sandbox's `runCells`. */
export type CellRunner = Pick<Interpreter, "run"> & {
  runCells?: (cells: string[], options?: RunOptions) => Promise<Observation>;
};

/** Run `cells` the paper's way, through the interpreter's own `runCells` when it has one. */
export function runCells(interp: CellRunner, cells: string[], options?: RunOptions): Promise<Observation> {
  if (cells.length === 0) throw new Error("runCells needs at least one cell");
  return typeof interp.runCells === "function" ? interp.runCells(cells, options) : runCellsFallback(interp, cells, options);
}
