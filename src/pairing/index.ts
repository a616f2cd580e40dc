/** Rewards, filters, M-DPO pairs, KTO examples and dataset export: between rollouts and training. */
export * from "./types.js";
export * from "./messages.js";
export * from "./read.js";
export * from "./annotate.js";
export * from "./filters.js";
export * from "./pairs.js";
export * from "./files.js";
