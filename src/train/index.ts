/**
 * Training steps (SFT, M-DPO, M-KTO on masked log-probs), the encoding of trajectories, the
 * optimiser, and the iterative loop (see docs/train.md). The tiny model itself is in `src/tiny`,
 * re-exported here.
 */
export * from "../tiny/index.js";
export * from "./encode.js";
export * from "./optim.js";
export * from "./trainer.js";
export * from "./sft-teacher.js";
export * from "./iterate.js";
export * from "./iteration-data.js";
export * from "./update.js";
export * from "./methods.js";
export * from "./findings.js";
