/**
 * The built-in tiny policy and the iterative M-DPO / M-KTO loop (see docs/train.md).
 */
export * from "./model.js";
export * from "./generate.js";
export * from "./batchgen.js";
export * from "./policy.js";
export * from "./encode.js";
export * from "./optim.js";
export * from "./trainer.js";
export * from "./sft-teacher.js";
export * from "./iterate.js";
export * from "./serve.js";
