// How a failing cell's error reads: the error's name and message, then only the frames of the
// user's code (cells and project files), not tslab's, TypeScript's or Node's internals, and none of
// the error's own fields (`{ userFacing: true }`). A ReferenceError for a name that an earlier cell
// defined gets a hint: tslab misses names used as shorthand properties (`{ data }`).
"use strict";

const INTERNAL = [/kernel[\\/](executor|cell-context|protocol|warmup)\.cjs/, /node_modules[\\/](tslab|typescript|tsx)[\\/]/, /\(node:/, /^\s*at node:/, /\binternal[\\/]/, /^\s*at new Promise \(<anonymous>\)/];
const MAX_FRAMES = 6;

/** The frames of `stack` worth showing (cells, project files, other libraries). */
function userFrames(stack) {
  return String(stack)
    .split("\n")
    .filter((l) => /^\s+at /.test(l))
    .filter((l) => !INTERNAL.some((re) => re.test(l)))
    .slice(0, MAX_FRAMES);
}

function hintFor(err) {
  const m = err && err.name === "ReferenceError" && /^(\w+) is not defined$/.exec(err.message);
  if (!m) return "";
  return `\n  hint: if an earlier cell defines \`${m[1]}\`, write \`{ ${m[1]}: ${m[1]} }\` instead of the shorthand \`{ ${m[1]} }\` (tslab does not see names used as shorthand properties)`;
}

/** The text shown for an error thrown by a cell. */
function formatCellError(err) {
  if (!(err instanceof Error)) return null;
  const head = `${err.name || "Error"}: ${err.message}`;
  const all = userFrames(err.stack || "");
  // The library's own errors say what to do; of their frames only the cell's are the user's.
  const cells = all.filter((l) => l.includes("evalmachine."));
  const frames = err.userFacing && cells.length ? cells : all;
  const cause = err.cause instanceof Error ? `\ncaused by ${formatCellError(err.cause)}` : "";
  return [head + hintFor(err), ...frames].join("\n") + cause;
}

/** `console.error` with errors formatted as above; everything else as before. */
function cellConsoleError(original) {
  return function error(...args) {
    const out = args.map((a) => formatCellError(a) ?? a);
    return original.apply(this, out);
  };
}

module.exports = { formatCellError, cellConsoleError, userFrames };
