// Parts copyright 2019 Yu Watanabe (tslab), under the Apache License 2.0: kernel/LICENSE-tslab. Modified.
// The kernel's replacement for tslab 1.0.22's `createConverter` (node_modules/tslab/dist/converter.js,
// Apache-2.0) for Node cells: the same compiler options, files and results, on the programs of
// ts-program.cjs instead of a watch program. A cell costs one program, not two: the names it declares
// (which tslab exports by appending `export {…}`) come from binding the cell alone, and only then is
// the program built with the export line; a dependency's diagnostics are reused while valid.
// MATHAGENT_KERNEL_CONVERTER=tslab keeps tslab's own converter (to compare the two).
"use strict";
const path = require("node:path");
const tslabConverter = require("../node_modules/tslab/dist/converter.js");
const { normalizeJoin } = require("../node_modules/tslab/dist/tspath.js");
const { isValidModuleName } = require("../node_modules/tslab/dist/util.js");
const { programs } = require("./ts-program.cjs");
const { remainingDecls, getCustomTransformers } = require("./cell-decls.cjs");
const { completeAt } = require("./cell-complete.cjs");
const { diagnosticConverter } = require("./cell-diagnostics.cjs");

/** tslab's compiler options for Node cells (converter.js `createConverter`; its target and lib for Node ≥ 18). */
function compilerOptions(ts, cwd, typeRoots) {
  return {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts"],
    declaration: true,
    newLine: ts.NewLineKind.LineFeed,
    noImplicitUseStrict: true,
    experimentalDecorators: true,
    resolveJsonModule: true,
    jsx: ts.JsxEmit.React,
    typeRoots,
    allowJs: true,
    checkJs: true,
    disableTopLevelAwait: true,
    skipLibCheck: true,
    rootDir: cwd,
    outDir: "outDir",
  };
}

/** A path under the project's node_modules/tslab read from tslab's own folder (tslab's forwardTslabPath). */
function forwardTslabPath(cwd, file) {
  const rel = path.relative(normalizeJoin(cwd, "node_modules", "tslab"), file);
  return rel.startsWith("..") ? file : normalizeJoin(path.dirname(require.resolve("tslab/package.json", { paths: [cwd] })), rel);
}

/** The file system the programs see: the cell, the earlier cells' declarations and `%module` files in memory. */
function cellSys(ts, cwd, memory) {
  const sys = Object.create(ts.sys);
  sys.getCurrentDirectory = () => cwd;
  sys.readFile = (file, encoding) => (memory.has(file) ? memory.get(file) : ts.sys.readFile(forwardTslabPath(cwd, file), encoding));
  sys.fileExists = (file) => ts.sys.fileExists(forwardTslabPath(cwd, file)) || memory.has(file);
  sys.directoryExists = (dir) => ts.sys.directoryExists(forwardTslabPath(cwd, dir)) || normalizeJoin(cwd, "node_modules") === dir;
  sys.getDirectories = (dir) => ts.sys.getDirectories(dir);
  sys.realpath = (file) => (ts.sys.realpath ? ts.sys.realpath(file) : file);
  return sys;
}

/** The type roots, with tslab's own @types where the project has no @types/node (tslab's getTypeRoots). */
function typeRoots(ts, cwd, sys) {
  const roots = ts.getDefaultTypeRoots(cwd, { directoryExists: sys.directoryExists }) || [];
  if (roots.some((root) => ts.sys.fileExists(normalizeJoin(root, "node", "package.json")))) return roots;
  return [...roots, normalizeJoin(path.dirname(require.resolve("tslab/package.json", { paths: [cwd] })), "node_modules", "@types")];
}

/** Whether a file can change on disk while the kernel runs: the project's own, outside node_modules. */
const inProject = (cwd) => (file) => {
  const rel = path.relative(cwd, file);
  return !rel.startsWith("..") && !path.isAbsolute(rel) && !rel.split(/[\\/]/).includes("node_modules");
};

/** The converter's fixed names, its in-memory files and its programs (`c.program` is the latest). */
function converterContext(options) {
  const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [path.join(__dirname, "..", "node_modules", "tslab")] }));
  const cwd = ts.sys.getCurrentDirectory();
  const srcPrefix = "export {};" + ts.sys.newLine;
  const outDir = "outDir";
  const c = {
    ts,
    cwd,
    isJS: Boolean(options && options.isJS),
    srcFilename: normalizeJoin(cwd, options && options.isJS ? "__tslab__.js" : "__tslab__.ts"),
    declFilename: normalizeJoin(cwd, "__prev__.d.ts"),
    outDir,
    dstFilename: normalizeJoin(outDir, "__tslab__.js"),
    dstDeclFilename: normalizeJoin(outDir, "__tslab__.d.ts"),
    srcPrefix,
    /** In-memory files, prefix included: the cell, the declarations, `%module` files. */
    memory: new Map(),
    moduleFiles: new Set(),
    sideInputsConverted: new Map(),
    program: null,
  };
  c.rootFiles = [c.declFilename, c.srcFilename];
  const sys = cellSys(ts, cwd, c.memory);
  c.opts = compilerOptions(ts, cwd, typeRoots(ts, cwd, sys));
  c.progs = programs(ts, { sys, options: c.opts, cwd, virtualText: (f) => c.memory.get(f), watched: inProject(cwd) });
  const offsets = { offset: srcPrefix.length, line: (srcPrefix.match(/\n/g) || []).length, char: srcPrefix.length - (srcPrefix.lastIndexOf("\n") + 1) };
  c.convertDiagnostics = diagnosticConverter(ts, { cwd, srcFilename: c.srcFilename, prefixed: (f) => c.moduleFiles.has(f), offsets, getProgram: () => c.program });
  return c;
}

/** The program with `decls` and `src` as the earlier cells' declarations and the cell. */
function update(c, decls, src) {
  c.memory.set(c.declFilename, c.srcPrefix + decls);
  c.memory.set(c.srcFilename, c.srcPrefix + src);
  c.program = c.progs.build(c.rootFiles);
  const declsFile = c.program.getSourceFile(c.declFilename);
  const srcFile = c.program.getSourceFile(c.srcFilename);
  srcFile.parent = declsFile;
  // Creating the checker binds every file: completion needs their symbols and parent pointers.
  c.program.getTypeChecker();
  return { declsFile, srcFile };
}

/** The names the cell declares at its top level (binding the cell on its own). */
function localNames(c, src) {
  const sf = c.ts.createSourceFile(c.srcFilename, c.srcPrefix + src, c.opts.target);
  c.ts.bindSourceFile(sf, c.opts);
  return new Set(sf.locals ? sf.locals.keys() : []);
}

/** The cell and the project sources and JavaScript files it reaches. */
function sourceDependencies(c, srcFile) {
  return [...c.progs.reachable(srcFile).keys()].filter((f) => f.endsWith(".js") || (f.endsWith(".ts") && !f.endsWith(".d.ts")));
}

/** Emits the cell and the sources it reaches that changed since they were last emitted. */
function emitCell(c, deps, srcFile, declsFile, keys) {
  const result = { output: undefined, declOutput: undefined, lastExpressionVar: undefined, sideOutputs: undefined };
  const checker = c.program.getTypeChecker();
  const transformers = getCustomTransformers(c.ts, checker, declsFile, keys, (name) => (result.lastExpressionVar = name));
  const write = (fileName, data) => {
    if (fileName === c.dstFilename) result.output = data;
    else if (fileName === c.dstDeclFilename) result.declOutput = data;
    else if (fileName.endsWith(".js")) {
      const rel = path.relative(c.outDir, fileName);
      if (rel.startsWith("..")) throw new Error("unexpected emit path: " + fileName);
      (result.sideOutputs ??= []).push({ path: normalizeJoin(c.cwd, rel), data: tslabConverter.esModuleToCommonJSModule(data, c.opts.target) });
    }
  };
  for (const dep of deps) {
    const file = c.program.getSourceFile(dep);
    if (c.sideInputsConverted.get(dep) === file) continue;
    if (dep !== c.srcFilename) c.sideInputsConverted.set(dep, file);
    c.program.emit(file, write, undefined, undefined, transformers);
  }
  if (result.sideOutputs) result.sideOutputs.sort((a, b) => a.path.localeCompare(b.path));
  result.declOutput += remainingDecls(c.ts, checker, srcFile, declsFile);
  // remainingDecls edits the declarations' tree in place: the next program must parse the text again.
  c.progs.forget(c.declFilename);
  return result;
}

function convert(c, prevDecl, src) {
  const keys = localNames(c, src);
  const { declsFile, srcFile } = update(c, prevDecl, keys.size > 0 ? src + "\nexport {" + [...keys].join(", ") + "}" : src);
  const deps = sourceDependencies(c, srcFile);
  const diag = c.convertDiagnostics(c.progs.diagnostics(srcFile, deps.map((d) => c.program.getSourceFile(d))));
  if (diag.diagnostics.length > 0) return { diagnostics: diag.diagnostics };
  const out = emitCell(c, deps, srcFile, declsFile, keys);
  return {
    output: tslabConverter.esModuleToCommonJSModule(out.output, c.opts.target),
    declOutput: out.declOutput,
    diagnostics: diag.diagnostics,
    hasToplevelAwait: diag.hasToplevelAwait,
    sideOutputs: out.sideOutputs,
    lastExpressionVar: out.lastExpressionVar,
  };
}

function inspect(c, prevDecl, src, position) {
  let { srcFile } = update(c, prevDecl, src);
  if (c.progs.restoreDocs()) ({ srcFile } = update(c, prevDecl, src));
  const cancel = { isCancellationRequested: () => false, throwIfCancellationRequested: () => {} };
  const info = c.ts.getQuickInfoAtPosition(srcFile, c.program.getTypeChecker(), cancel, position + c.srcPrefix.length);
  if (info && info.textSpan) info.textSpan.start -= c.srcPrefix.length;
  return info;
}

function addModule(c, name, content, meta) {
  if (!isValidModuleName(name)) throw new Error("invalid module name: " + JSON.stringify(name));
  const file = normalizeJoin(c.cwd, name + (c.isJS ? ".js" : ".ts") + (meta && meta.jsx ? "x" : ""));
  c.memory.set(file, c.srcPrefix + content);
  c.moduleFiles.add(file);
  c.sideInputsConverted.delete(file);
  if (!c.rootFiles.includes(file)) c.rootFiles.push(file);
  c.program = c.progs.build(c.rootFiles);
  return c.convertDiagnostics(c.ts.getPreEmitDiagnostics(c.program, c.program.getSourceFile(file))).diagnostics;
}

/** tslab's `createConverter({ isJS, isBrowser: false })`. */
function createConverter(options) {
  const c = converterContext(options);
  // Builds and checks the first program now, as tslab's converter did, so the first cell costs only its own work.
  const first = update(c, "", "");
  c.progs.diagnostics(first.srcFile, []);
  return {
    close() {},
    convert: (prevDecl, src) => convert(c, prevDecl, src),
    inspect: (prevDecl, src, position) => inspect(c, prevDecl, src, position),
    complete(prevDecl, src, position) {
      const { srcFile } = update(c, prevDecl, src);
      return completeAt(c.ts, c.program, srcFile, position + c.srcPrefix.length, c.srcPrefix);
    },
    addModule: (name, content, meta) => addModule(c, name, content, meta),
    /** Builds and binds the program with `decls` (the idle warm-up's step; documentation is left for later). */
    prepare: (decls) => void update(c, decls, ""),
  };
}

module.exports = { createConverter };
