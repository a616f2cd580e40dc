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

/** tslab's `createConverter({ isJS, isBrowser: false })`. */
function createConverter(options) {
  const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [path.join(__dirname, "..", "node_modules", "tslab")] }));
  const cwd = ts.sys.getCurrentDirectory();
  const srcFilename = normalizeJoin(cwd, options && options.isJS ? "__tslab__.js" : "__tslab__.ts");
  const declFilename = normalizeJoin(cwd, "__prev__.d.ts");
  const outDir = "outDir";
  const dstFilename = normalizeJoin(outDir, "__tslab__.js");
  const dstDeclFilename = normalizeJoin(outDir, "__tslab__.d.ts");
  const srcPrefix = "export {};" + ts.sys.newLine;
  const offsets = { offset: srcPrefix.length, line: (srcPrefix.match(/\n/g) || []).length, char: srcPrefix.length - (srcPrefix.lastIndexOf("\n") + 1) };
  /** In-memory files, prefix included: the cell, the declarations, `%module` files. */
  const memory = new Map();
  const moduleFiles = new Set();
  const rootFiles = [declFilename, srcFilename];
  const sideInputsConverted = new Map();
  const sys = cellSys(ts, cwd, memory);
  const opts = compilerOptions(ts, cwd, typeRoots(ts, cwd, sys));
  const progs = programs(ts, { sys, options: opts, cwd, virtualText: (f) => memory.get(f), watched: inProject(cwd) });
  let program = null;
  const convertDiagnostics = diagnosticConverter(ts, { cwd, srcFilename, prefixed: (f) => moduleFiles.has(f), offsets, getProgram: () => program });

  /** The program with `decls` and `src` as the earlier cells' declarations and the cell. */
  function update(decls, src) {
    memory.set(declFilename, srcPrefix + decls);
    memory.set(srcFilename, srcPrefix + src);
    program = progs.build(rootFiles);
    const declsFile = program.getSourceFile(declFilename);
    const srcFile = program.getSourceFile(srcFilename);
    srcFile.parent = declsFile;
    // Creating the checker binds every file: completion needs their symbols and parent pointers.
    program.getTypeChecker();
    return { declsFile, srcFile };
  }

  /** The names the cell declares at its top level (binding the cell on its own). */
  function localNames(src) {
    const sf = ts.createSourceFile(srcFilename, srcPrefix + src, opts.target);
    ts.bindSourceFile(sf, opts);
    return new Set(sf.locals ? sf.locals.keys() : []);
  }

  /** The cell and the project sources and JavaScript files it reaches. */
  function sourceDependencies(srcFile) {
    return [...progs.reachable(srcFile).keys()].filter((f) => f.endsWith(".js") || (f.endsWith(".ts") && !f.endsWith(".d.ts")));
  }

  function emitCell(deps, srcFile, declsFile, keys) {
    const result = { output: undefined, declOutput: undefined, lastExpressionVar: undefined, sideOutputs: undefined };
    const checker = program.getTypeChecker();
    const transformers = getCustomTransformers(ts, checker, declsFile, keys, (name) => (result.lastExpressionVar = name));
    const write = (fileName, data) => {
      if (fileName === dstFilename) result.output = data;
      else if (fileName === dstDeclFilename) result.declOutput = data;
      else if (fileName.endsWith(".js")) {
        const rel = path.relative(outDir, fileName);
        if (rel.startsWith("..")) throw new Error("unexpected emit path: " + fileName);
        (result.sideOutputs ??= []).push({ path: normalizeJoin(cwd, rel), data: tslabConverter.esModuleToCommonJSModule(data, opts.target) });
      }
    };
    for (const dep of deps) {
      const file = program.getSourceFile(dep);
      if (sideInputsConverted.get(dep) === file) continue;
      if (dep !== srcFilename) sideInputsConverted.set(dep, file);
      program.emit(file, write, undefined, undefined, transformers);
    }
    if (result.sideOutputs) result.sideOutputs.sort((a, b) => a.path.localeCompare(b.path));
    result.declOutput += remainingDecls(ts, checker, srcFile, declsFile);
    // remainingDecls edits the declarations' tree in place: the next program must parse the text again.
    progs.forget(declFilename);
    return result;
  }

  function convert(prevDecl, src) {
    const keys = localNames(src);
    const { declsFile, srcFile } = update(prevDecl, keys.size > 0 ? src + "\nexport {" + [...keys].join(", ") + "}" : src);
    const deps = sourceDependencies(srcFile);
    const diag = convertDiagnostics(progs.diagnostics(srcFile, deps.map((d) => program.getSourceFile(d))));
    if (diag.diagnostics.length > 0) return { diagnostics: diag.diagnostics };
    const out = emitCell(deps, srcFile, declsFile, keys);
    return {
      output: tslabConverter.esModuleToCommonJSModule(out.output, opts.target),
      declOutput: out.declOutput,
      diagnostics: diag.diagnostics,
      hasToplevelAwait: diag.hasToplevelAwait,
      sideOutputs: out.sideOutputs,
      lastExpressionVar: out.lastExpressionVar,
    };
  }

  function inspect(prevDecl, src, position) {
    let { srcFile } = update(prevDecl, src);
    if (progs.restoreDocs()) ({ srcFile } = update(prevDecl, src));
    const cancel = { isCancellationRequested: () => false, throwIfCancellationRequested: () => {} };
    const info = ts.getQuickInfoAtPosition(srcFile, program.getTypeChecker(), cancel, position + srcPrefix.length);
    if (info && info.textSpan) info.textSpan.start -= srcPrefix.length;
    return info;
  }

  function complete(prevDecl, src, position) {
    const { srcFile } = update(prevDecl, src);
    return completeAt(ts, program, srcFile, position + srcPrefix.length, srcPrefix);
  }

  function addModule(name, content, meta) {
    if (!isValidModuleName(name)) throw new Error("invalid module name: " + JSON.stringify(name));
    const file = normalizeJoin(cwd, name + (options && options.isJS ? ".js" : ".ts") + (meta && meta.jsx ? "x" : ""));
    memory.set(file, srcPrefix + content);
    moduleFiles.add(file);
    sideInputsConverted.delete(file);
    if (!rootFiles.includes(file)) rootFiles.push(file);
    program = progs.build(rootFiles);
    return convertDiagnostics(ts.getPreEmitDiagnostics(program, program.getSourceFile(file))).diagnostics;
  }

  // Builds and checks the first program now, as tslab's converter did, so the first cell costs only its own work.
  const first = update("", "");
  progs.diagnostics(first.srcFile, []);
  /** Builds and binds the program with `decls` (the idle warm-up's step; documentation is left for later). */
  const prepare = (decls) => void update(decls, "");
  return { close() {}, convert, inspect, complete, addModule, prepare };
}

module.exports = { createConverter };
