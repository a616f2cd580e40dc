export { paperResults, type PaperResults, type PaperTable } from "./paper.js";
export { recordResult, readResults, type ReproducedResult } from "./results.js";
export { indexPage, type NotebookResult } from "./index-page.js";
