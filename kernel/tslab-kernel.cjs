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

const tslab = (file) => require(path.join(root, "node_modules", "tslab", "dist", file));
const startup = require("./ts-startup.cjs");
const typescript = startup.loadTypeScript(root);
const ts = typescript.exports;
// The snapshot's TypeScript has its type roots limited already (kernel/snapshot.cjs).
if (!typescript.snapshot) startup.nodeTypesOnly(ts, root);
require("./ts-watch.cjs").limitWatchers(ts, root);

// tslab's modules look these functions up on their exports at call time, so replacing them here
// changes the kernel tslab starts.
const { warmConverter, libraryEntries } = require("./warmup.cjs");
const converter = tslab("converter.js");
const tslabCreateConverter = converter.createConverter;
const ownConverter = process.env.MATHAGENT_KERNEL_CONVERTER !== "tslab";
let node = null;
converter.createConverter = (options) => {
  if (options && options.isBrowser) return tslabCreateConverter(options);
  const snap = require("./snapshot.cjs").fromSnapshot();
  if (snap && ownConverter && !(options && options.isJS) && !snap.taken) {
    // The snapshot's converter: its program already holds the library's declarations.
    snap.taken = true;
    return (node = snap.node);
  }
  const conv = ownConverter ? require("./converter.cjs").createConverter(options) : tslabCreateConverter(options);
  node = warmConverter(conv, libraryEntries(root));
  return node;
};
const executor = tslab("executor.js");
let cells = 0;
const afterCell = () => {
  if (++cells === 1) setTimeout(typescript.saveCache, 1000).unref();
  if (node) node.scheduleIdle();
};
executor.createExecutor = require("./executor.cjs").wrapCreateExecutor(executor.createExecutor, afterCell);
require("./protocol.cjs").patchProtocol(tslab("jupyter.js"));

tslab("main.js").main();
