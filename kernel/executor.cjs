// tslab's executor with: each cell in its own context (cell-context.cjs), Kernel > Interrupt
// stopping what the cells started, the failing cell's error kept for the execute reply (Jupyter
// shows its ename / evalue / traceback; tslab sent none, so nbconvert printed "<Error>: "), and the
// idle-time warm-up armed after every cell.
"use strict";
const { formatCellError } = require("./cell-errors.cjs");
const context = require("./cell-context.cjs");

/** The reply fields for an error value, or for a type error tslab printed as "%s%d:%d - %s". */
function errorFields(args) {
  const err = args.find((a) => a instanceof Error);
  if (err && err.message === "Interrupted asynchronously") return { ename: "Interrupted", evalue: "the cell was stopped by Kernel > Interrupt", traceback: [] };
  if (err) {
    const text = formatCellError(err) ?? String(err);
    return { ename: err.name || "Error", evalue: err.message, traceback: text.split("\n") };
  }
  if (typeof args[0] === "string" && args[0].startsWith("%s%d:%d - %s")) {
    const [, file, line, col, message] = args;
    return { ename: "TSError", evalue: `${file}${line}:${col} - ${message}`, traceback: [] };
  }
  return null;
}

/** Keeps the errors a cell prints; `take` returns and forgets them as one reply's fields. */
function errorRecorder(error) {
  let seen = [];
  return {
    error(...args) {
      const fields = errorFields(args);
      if (fields) seen.push(fields);
      return error(...args);
    },
    take() {
      const all = seen;
      seen = [];
      if (all.length === 0) return null;
      if (all[0].ename !== "TSError") return all[0];
      return { ename: "TSError", evalue: all.map((d) => d.evalue).join("; "), traceback: all.map((d) => d.evalue) };
    },
  };
}

/** Wraps tslab's createExecutor; `onIdle` runs after each cell (the warm-up scheduler). */
function wrapCreateExecutor(createExecutor, onIdle = () => {}) {
  context.trackTimers();
  return function (rootDir, convs, console) {
    const errors = errorRecorder(console.error);
    const inner = createExecutor(rootDir, convs, { log: console.log, error: errors.error });
    let running = null;
    return {
      ...inner,
      async execute(src) {
        errors.take();
        running = context.newCell();
        try {
          return await context.cells.run(running, () => inner.execute(src));
        } finally {
          running = null;
          onIdle();
        }
      },
      interrupt() {
        for (const cell of [...context.live, ...(running ? [running] : [])]) context.stopCell(cell);
        inner.interrupt();
      },
      takeError: () => errors.take(),
    };
  };
}

module.exports = { wrapCreateExecutor, errorFields };
