export { RowError } from "../io/errors.js";
export { readJsonl } from "../io/json.js";
