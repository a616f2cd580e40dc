export * from "./types.js";
export * from "./text.js";
export * from "./store.js";
export * from "./engine.js";
export * from "./protocol.js";
export * from "./mixture.js";
export { NO_PROGRAM_TEXT, OBSERVATION_TEXT_SOURCE, paperObservationText, runCells, type CellRunner } from "./cells.js";
export type { NamedPolicy } from "./live.js";
