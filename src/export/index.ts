/**
 * Export of pairs and KTO examples for trainers: the format table (formats.ts), the message-level
 * files (messages.ts), the token-level label rule (labels.ts), the `datasets` folder writer
 * (arrow.ts), LLaMA-Factory rows (tokenized.ts) and training configs (train-config.ts). See docs/export.md.
 */
export * from "./messages.js";
export * from "./labels.js";
export * from "./tokenizer.js";
export * from "./arrow.js";
export * from "./tokenized.js";
export * from "./tokens-parquet.js";
export * from "./check.js";
export * from "./split.js";
export * from "./formats.js";
export * from "./request.js";
export * from "./train-config.js";
export * from "./message-formats.js";
export * from "./token-formats.js";
