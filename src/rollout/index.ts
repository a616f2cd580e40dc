export * from "./types.js";
export * from "./text.js";
export * from "./store.js";
export * from "./engine.js";
