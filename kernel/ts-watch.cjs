// What tslab's TypeScript watches. tslab builds a watch program whose rebuild timer accepts one
// pending timer only: a directory event (any write under a watched folder, e.g. editing src/)
// scheduled a second timer and threw "Unexpected pending rebuildTimer", and every later cell failed.
// Directories are not watched at all (a cell re-resolves its own imports each time it changes), and
// files only inside the project outside node_modules, so an edited src/ file is recompiled by the
// next cell that imports it. Watching the ~300 declaration files of TypeScript's libs and
// node_modules cost start-up time and file handles for files that do not change under a kernel.
"use strict";
const path = require("node:path");

const NOT_WATCHED = { close() {} };

/** Limits `ts.sys`'s watchers (tslab's own sys inherits them) to the project's own files. */
function limitWatchers(ts, root) {
  const watchFile = ts.sys.watchFile.bind(ts.sys);
  const inProject = (file) => {
    const rel = path.relative(root, file);
    return !rel.startsWith("..") && !path.isAbsolute(rel) && !rel.split(/[\\/]/).includes("node_modules");
  };
  ts.sys.watchDirectory = () => NOT_WATCHED;
  ts.sys.watchFile = (file, callback, interval, options) => (inProject(file) ? watchFile(file, callback, interval, options) : NOT_WATCHED);
}

module.exports = { limitWatchers };
