#!/usr/bin/env node
// Starts the project's tslab with the project root as working directory: tslab compiles local
// modules with rootDir = cwd, so every notebook, wherever it lives, imports "./src/...".
const path = require("node:path");
const root = path.resolve(__dirname, "..");
process.chdir(root);
process.env.MATHAGENT_ROOT = root;
// Tells src/display that rich output goes to the notebook, not the terminal.
process.env.MATHAGENT_KERNEL = "tslab";
require(path.join(root, "node_modules", "tslab", "dist", "main.js")).main();
