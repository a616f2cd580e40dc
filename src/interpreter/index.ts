export {
  type Observation,
  type ObservationStatus,
  type RunOptions,
  type Interpreter,
  type InterpreterSession,
  type ObservationTextOptions,
  OBSERVATION_TEXT,
  observationText,
  paperObservationText,
  errorLine,
} from "./observation.js";
export { PyodidePool, type PyodidePoolOptions, probeUnshare, lockdownCommand } from "./pyodide-pool.js";
export { BasePool } from "./base.js";
export { SubprocessPool, type SubprocessPoolOptions } from "./subprocess-pool.js";
