/**
 * Trajectory facts, each decided once: the reader of trajectory files (validation, the redo rule),
 * the reward (the paper's answer rule), the conversation rebuilt from the steps, the dataset name.
 */
export * from "./reader.js";
export * from "./validate.js";
export * from "./reward.js";
export * from "./conversation.js";
export * from "./dataset.js";
export * from "./types.js";
