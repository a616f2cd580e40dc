/**
 * GPU loss utilities in TensorFlow.js: backend selection, masks from spans, chunked token
 * log-probs with an analytic gradient, M-DPO / M-KTO losses and their metrics, and the same losses
 * from precomputed log-probs. See docs/losses.md.
 */
export * from "./backend.js";
export * from "./tokenizer.js";
export * from "./masks.js";
export * from "./logprobs.js";
export * from "./loss-types.js";
export * from "./losses.js";
export * from "./loss-rows.js";
export * from "./tfjs-batch.js";
export * from "./metrics.js";
export * from "./precomputed.js";
export * from "./reference.js";
export * from "./selfcheck.js";
