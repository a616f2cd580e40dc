// Idle-time warm-up of the kernel's TypeScript program and module cache. The first cell that imports
// an area of the compiled library parses and binds its declaration files (and arquero's) and loads
// its modules: hundreds of ms. While the kernel is idle, this adds the library's entry declarations
// to the program one area at a time (as `import {} from` lines of the declarations file every cell
// is checked against, which name nothing, so completion and type errors are as before) and loads the
// library's modules, so an import cell finds both ready.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** How long the kernel must have been idle before a warm-up step runs, and the pause between steps. */
const IDLE_MS = 300;
const STEP_GAP_MS = 5;

/**
 * The areas warmed by default: those the notebooks import most. Every file kept in the program
 * costs each later cell a little (each cell is checked in a new program), so not all areas are.
 */
const DEFAULT_AREAS = ["data", "display", "grading", "inspect"];

/**
 * The compiled library's entries to warm: `lib/<area>/index.js` with its `index.d.ts`, for the areas
 * in `spec` (comma-separated; "all"; "none"), default DEFAULT_AREAS.
 */
function libraryEntries(root, spec = process.env.MATHAGENT_KERNEL_WARM) {
  const lib = path.join(root, "lib");
  let areas;
  try {
    areas = fs.readdirSync(lib, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const wanted = !spec ? DEFAULT_AREAS : spec === "all" ? areas : spec === "none" ? [] : spec.split(",").map((a) => a.trim());
  return areas
    .filter((a) => wanted.includes(a))
    .map((a) => path.join(lib, a, "index.js"))
    .filter((js) => fs.existsSync(js.replace(/\.js$/, ".d.ts")))
    .sort();
}

/**
 * Wraps the converter (the kernel's, or tslab's with MATHAGENT_KERNEL_CONVERTER=tslab): every program it builds also holds the warmed entries, and `scheduleIdle`
 * runs the remaining warm-up steps (types of one area, then its modules) once the kernel is idle
 * (after tslab's 200 ms reset of its queue following a failed cell).
 */
function warmConverter(conv, entries, load = (file) => require(file)) {
  const warmed = [];
  let lastDecl = "";
  let timer = null;
  // A step builds the program with one more area (the kernel's converter has `prepare`; with
  // tslab's, quick info on a one-character cell does it).
  const prepare = () => (conv.prepare ? conv.prepare(withWarm(lastDecl)) : conv.inspect(withWarm(lastDecl), "0", 0));
  const steps = entries.flatMap((file) => [
    { types: file, run: () => (warmed.push(file), prepare()) },
    { run: () => load(file) },
  ]);
  const withWarm = (decl) => decl + warmed.map((f) => `\nimport {} from ${JSON.stringify(f)};`).join("");
  const busy = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  /** Runs the next warm-up step; false when none is left. */
  function warmStep() {
    const step = steps.shift();
    if (!step) return false;
    try {
      step.run();
    } catch {
      // A library area that does not load is reported when a cell imports it, not by the warm-up.
    }
    return true;
  }
  function runStep() {
    timer = null;
    if (warmStep()) timer = setTimeout(runStep, STEP_GAP_MS);
  }
  function scheduleIdle() {
    busy();
    if (steps.length) timer = setTimeout(runStep, IDLE_MS);
  }
  // Shift+Tab docs and completion: against the warmed declarations, the warm-up re-armed after.
  const lookup = (name) => (prevDecl, src, position) => {
    busy();
    try {
      return conv[name](withWarm(prevDecl), src, position);
    } finally {
      scheduleIdle();
    }
  };
  /** Adds every area's types now, in one program, leaving the module loads to idle time (the start-up snapshot's step). */
  function warmTypes() {
    const types = steps.filter((step) => step.types);
    if (!types.length) return;
    steps.splice(0, steps.length, ...steps.filter((step) => !step.types));
    warmed.push(...types.map((step) => step.types));
    prepare();
  }
  return {
    ...conv,
    convert(prevDecl, src) {
      busy();
      const out = conv.convert(withWarm(prevDecl), src);
      lastDecl = out.diagnostics.length ? prevDecl : out.declOutput || "";
      return out;
    },
    inspect: lookup("inspect"),
    complete: lookup("complete"),
    scheduleIdle,
    warmStep,
    warmTypes,
    pendingSteps: () => steps.length,
  };
}

module.exports = { warmConverter, libraryEntries, IDLE_MS };
