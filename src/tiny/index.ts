/**
 * The built-in tiny policy: the model (a character-level transformer), its generation (plain JS and
 * batched TensorFlow.js), its chat template, the `Policy` the rollout engine drives, and its
 * OpenAI-compatible server. Training steps live in `src/train`.
 */
export * from "./model.js";
export * from "./generate.js";
export * from "./batchgen.js";
export * from "./template.js";
export * from "./policy.js";
export * from "./serve.js";
