export * from "./types.js";
export * from "./http.js";
