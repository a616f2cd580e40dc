#!/usr/bin/env node
// Starts the project's tslab with the project root as working directory: tslab compiles local
// modules with rootDir = cwd, so every notebook, wherever it lives, imports "./src/...".
const path = require("node:path");
const root = path.resolve(__dirname, "..");
process.chdir(root);
process.env.MATHAGENT_ROOT = root;
// Tells src/display that rich output goes to the notebook, not the terminal.
process.env.MATHAGENT_KERNEL = "tslab";
// tslab prints a failing cell's error with console.error, captured when the kernel starts.
console.error = require("./cell-errors.cjs").cellConsoleError(console.error);
require(path.join(root, "node_modules", "tslab", "dist", "main.js")).main();
