/** Accuracy, unbiased pass@k, maj@k, per level / subject / tool calls, bootstrap intervals; tables and figures. */
export * from "./passk.js";
export * from "./records.js";
export * from "./tables.js";
export * from "./figures.js";
export * from "./groups.js";
