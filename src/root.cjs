// CommonJS on purpose: gives the project root to both ESM (tsx) and CommonJS (tslab) callers
// without import.meta, which tslab cannot compile.
module.exports = require("node:path").resolve(__dirname, "..");
