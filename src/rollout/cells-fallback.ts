/**
 * Stand-ins for the sandbox's `Interpreter.runCells` and `paperObservationText` (interface 6 of the
 * wave's contracts); `cells.ts` uses them only while the interpreter module lacks its own. Delete
 * this file (and its two uses in `cells.ts`) once the sandbox's versions have landed.
 */
import { type Interpreter, type Observation, type RunOptions, observationText } from "../interpreter/index.js";
import { replayCode } from "./text.js";

const QUIET_WARNINGS = "import warnings\nwarnings.filterwarnings('ignore')";

/** Fresh state, the earlier cells run silently (their errors ignored), the last cell's observation. */
export function runCellsFallback(interp: Pick<Interpreter, "run">, cells: string[], options?: RunOptions): Promise<Observation> {
  const last = cells[cells.length - 1] ?? "";
  return interp.run(replayCode([QUIET_WARNINGS, ...cells.slice(0, -1)], last), options);
}

/** Close to the paper's executor text for plain cases: the traceback's last line, or printed output then the value's repr. */
export function paperObservationText(obs: Observation): string {
  return observationText(obs);
}
