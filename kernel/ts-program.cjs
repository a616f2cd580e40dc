// The TypeScript programs the kernel's converter checks and emits cells with. A watch program's
// builder (what tslab's converter uses) recomputes, for every file of every new program, the files
// it references, resolving each import through a type checker: with the library's declarations in
// the program that is most of a trivial cell's time. So a program here is a plain `createProgram`
// from the previous one (unchanged files keep their parse, binding and module resolutions); a file
// is parsed again only when it changed (in-memory files: their text; the project's own files outside
// node_modules: mtime and size, looked at once per program, so the next cell compiles an edited
// `./src` file); and a dependency found without errors is not checked again while neither it, nor
// any file it reaches, nor any global declaration changed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/**
 * Declaration files in node_modules or outside the project with at least this many characters are parsed without their doc comments
 * until a cell asks for documentation (plotly.js's generated schema, 1.2 MB, is nine tenths doc
 * comments, and parsing those was a third of the cell that first imports `display`).
 */
const LAZY_DOCS_BYTES = 512 * 1024;
/** A declaration file's doc comments, with the line comments, strings and templates that may hold one. */
const DOC_TOKENS = /\/\/[^\n]*|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'|`[^`\\]*(?:\\[\s\S][^`\\]*)*`|\/\*[\s\S]*?\*\//g;
const blankLines = (comment) => comment.split("\n").map((line) => " ".repeat(line.length)).join("\n");

/** `text` parsed with its doc comments blanked (positions unchanged); undefined if that does not parse cleanly. */
function parseWithoutDocs(ts, fileName, text, languageVersion) {
  const blanked = text.replace(DOC_TOKENS, (m) => (m.startsWith("/**") ? blankLines(m) : m));
  const sf = ts.createSourceFile(fileName, blanked, languageVersion);
  return sf.parseDiagnostics.length === 0 ? sf : undefined;
}

/**
 * A compiler host keeping its source files between programs. `virtualText(fileName)` is the text
 * of an in-memory file (undefined for a file on disk); `readFile` reads the others; `watched(file)`
 * is true for files that may change on disk while the kernel runs.
 */
function cachingHost(ts, { sys, options, cwd, virtualText, watched }) {
  const files = new Map();
  let generation = 0;
  const statKey = (fileName) => {
    const st = fs.statSync(fileName, { throwIfNoEntry: false });
    return st && st.isFile() ? `${st.mtimeMs}:${st.size}` : null;
  };
  function diskFile(fileName, languageVersion) {
    const entry = files.get(fileName);
    if (entry && (entry.seen === generation || !entry.watched)) return entry.sf;
    const isWatched = watched(fileName);
    const key = isWatched ? statKey(fileName) : "";
    if (entry && key !== null && entry.key === key) {
      entry.seen = generation;
      return entry.sf;
    }
    const text = key === null ? undefined : sys.readFile(fileName);
    if (text === undefined) {
      files.delete(fileName);
      return undefined;
    }
    const lazy = !isWatched && text.length >= LAZY_DOCS_BYTES && fileName.endsWith(".d.ts") ? parseWithoutDocs(ts, fileName, text, languageVersion) : undefined;
    const sf = lazy || ts.createSourceFile(fileName, text, languageVersion);
    files.set(fileName, { key, sf, seen: generation, watched: isWatched, docs: lazy ? { text, languageVersion } : null });
    return sf;
  }
  /** Parses the files of `program` read without doc comments again with them; true if there were any. */
  function restoreDocs(program) {
    let restored = false;
    for (const entry of files.values()) {
      if (!entry.docs || program.getSourceFile(entry.sf.fileName) !== entry.sf) continue;
      entry.sf = ts.createSourceFile(entry.sf.fileName, entry.docs.text, entry.docs.languageVersion);
      entry.docs = null;
      restored = true;
    }
    return restored;
  }
  function getSourceFile(fileName, languageVersion) {
    const text = virtualText(fileName);
    if (text === undefined) return diskFile(fileName, languageVersion);
    const entry = files.get(fileName);
    if (entry && entry.key === text) return entry.sf;
    const sf = ts.createSourceFile(fileName, text, languageVersion);
    files.set(fileName, { key: text, sf, seen: generation, watched: false });
    return sf;
  }
  return {
    getSourceFile,
    restoreDocs,
    forget: (fileName) => files.delete(fileName),
    watched,
    nextGeneration: () => ++generation,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    getDefaultLibLocation: () => path.dirname(ts.getDefaultLibFilePath(options)),
    writeFile() {
      throw new Error("writeFile must not be called");
    },
    getCurrentDirectory: () => cwd,
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => "\n",
    fileExists: (f) => sys.fileExists(f),
    readFile: (f) => sys.readFile(f),
    directoryExists: (d) => sys.directoryExists(d),
    getDirectories: (d) => sys.getDirectories(d),
    realpath: (f) => sys.realpath(f),
  };
}

/**
 * Module and type-reference resolution with caches kept between programs (TypeScript's own cache
 * lives for one program, and names it resolves to ambient modules, such as `"fs"` in @types/node,
 * were looked up through every node_modules folder again by each program). A failed resolution
 * from one of the project's own files is tried again, so a module created after a cell failed to
 * import it is found.
 */
function cachedResolution(ts, host, options) {
  const cwd = host.getCurrentDirectory();
  const modules = ts.createModuleResolutionCache(cwd, host.getCanonicalFileName, options);
  const types = ts.createTypeReferenceDirectiveResolutionCache(cwd, host.getCanonicalFileName, options, modules.getPackageJsonInfoCache());
  host.resolveModuleNames = (names, containingFile, _reused, redirected, opts, containingSourceFile) =>
    names.map((name, i) => {
      const mode = containingSourceFile ? ts.getModeForResolutionAtIndex(containingSourceFile, i) : undefined;
      let r = ts.resolveModuleName(name, containingFile, opts, host, modules, redirected, mode);
      if (!r.resolvedModule && host.watched(containingFile)) r = ts.resolveModuleName(name, containingFile, opts, host, undefined, redirected, mode);
      return r.resolvedModule;
    });
  host.resolveTypeReferenceDirectives = (names, containingFile, redirected, opts, containingFileMode) =>
    names.map((ref) => {
      const name = typeof ref === "string" ? ref : ref.fileName.toLowerCase();
      const mode = typeof ref === "string" ? containingFileMode : ts.getModeForFileReference(ref, containingFileMode);
      return ts.resolveTypeReferenceDirective(name, containingFile, opts, host, redirected, types, mode).resolvedTypeReferenceDirective;
    });
  host.getModuleResolutionCache = () => modules;
  return host;
}

/** The files `sf` reaches through its imports, references and type references (`sf` first). */
function reachable(program, sf) {
  const seen = new Map([[sf.fileName, sf]]);
  const stack = [sf];
  const add = (fileName) => {
    if (!fileName || seen.has(fileName)) return;
    const dep = program.getSourceFile(fileName);
    if (!dep) return;
    seen.set(fileName, dep);
    stack.push(dep);
  };
  while (stack.length) {
    const file = stack.pop();
    if (file.resolvedModules) file.resolvedModules.forEach((r) => add(r && r.resolvedModule && r.resolvedModule.resolvedFileName));
    if (file.resolvedTypeReferenceDirectiveNames) {
      file.resolvedTypeReferenceDirectiveNames.forEach((r) => add(r && r.resolvedTypeReferenceDirective && r.resolvedTypeReferenceDirective.resolvedFileName));
    }
    for (const ref of file.referencedFiles) add(path.resolve(path.dirname(file.fileName), ref.fileName).replace(/\\/g, "/"));
  }
  return seen;
}

/**
 * The project's own files with a relative import that did not resolve: their imports are resolved
 * again by the next program (the missing module may have been written since).
 */
function failedRelativeImports(ts, program, watched) {
  const failed = new Set();
  for (const file of program.getSourceFiles()) {
    if (!file.resolvedModules || !watched(file.fileName)) continue;
    file.resolvedModules.forEach((r, name) => {
      if (!(r && r.resolvedModule) && ts.isExternalModuleNameRelative(name)) failed.add(file.path);
    });
  }
  return failed;
}

/** Files whose declarations are seen by every file: scripts, and modules augmenting others. */
function globalFiles(ts, program) {
  return program.getSourceFiles().filter((f) => !ts.isExternalOrCommonJsModule(f) || f.moduleAugmentations.length > 0);
}

/**
 * The kernel's programs: `build(rootNames)` makes the next one from the previous; `diagnostics(sf,
 * deps)` is what tslab's `getPreEmitDiagnosticsOfFiles` gives for the cell `sf` and the files it
 * depends on, with each dependency's own diagnostics kept between programs while valid.
 */
function programs(ts, hostOptions) {
  const { options } = hostOptions;
  const host = cachedResolution(ts, cachingHost(ts, hostOptions), options);
  let program;
  let globals = [];
  const kept = new Map();
  const sameFiles = (a, b) => a.length === b.length && a.every((f, i) => f === b[i]);
  let unresolved = new Set();
  host.hasInvalidatedResolutions = (file) => unresolved.has(file);
  function build(rootNames) {
    host.nextGeneration();
    program = ts.createProgram({ rootNames: [...rootNames], options, host, oldProgram: program });
    unresolved = failedRelativeImports(ts, program, host.watched);
    const now = globalFiles(ts, program);
    if (!sameFiles(now, globals)) kept.clear();
    globals = now;
    return program;
  }
  const fileDiagnostics = (sf) => [
    ...program.getSyntacticDiagnostics(sf),
    ...program.getSemanticDiagnostics(sf),
    ...(ts.getEmitDeclarations(options) ? program.getDeclarationDiagnostics(sf) : []),
  ];
  function dependencyDiagnostics(sf) {
    const prior = kept.get(sf);
    if (prior && [...prior.reaches].every(([name, file]) => program.getSourceFile(name) === file)) return prior.diagnostics;
    const diagnostics = fileDiagnostics(sf);
    // Only a clean file is kept: one with errors (say, an import not found yet) is checked again.
    if (diagnostics.length === 0) kept.set(sf, { reaches: reachable(program, sf), diagnostics });
    return diagnostics;
  }
  function diagnostics(sf, deps) {
    const all = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...fileDiagnostics(sf)];
    for (const dep of deps) if (dep !== sf) all.push(...dependencyDiagnostics(dep));
    for (const file of kept.keys()) if (program.getSourceFile(file.fileName) !== file) kept.delete(file);
    return ts.sortAndDeduplicateDiagnostics(all);
  }
  return { build, diagnostics, reachable: (sf) => reachable(program, sf), restoreDocs: () => host.restoreDocs(program), forget: (fileName) => host.forget(fileName) };
}

module.exports = { programs, reachable, cachingHost, cachedResolution, parseWithoutDocs, LAZY_DOCS_BYTES };
