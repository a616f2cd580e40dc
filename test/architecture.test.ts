/**
 * The shape docs/architecture.md describes, checked on the source: the rooms of src/ import each
 * other downhill only (no cycle between rooms), no module imports itself through others (the notebook
 * kernel's loader overflows its stack on such a cycle), and no function is longer than 80 lines.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { projectPath } from "../src/paths.js";

const MAX_FUNCTION_LINES = 80;

function sourceFiles(dir = projectPath("src")): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.ts$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** src/<room>/… → room; files directly in src/ are their own room. */
function roomOf(file: string): string {
  const rel = path.relative(projectPath("src"), file).split(path.sep);
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.ts$/, "");
}

/** room → room → one importing file, for every relative import that crosses rooms. */
function roomGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles()) {
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/gm)) {
      const target = path.resolve(path.dirname(file), m[1]!);
      if (!target.startsWith(projectPath("src") + path.sep)) continue;
      const [a, b] = [roomOf(file), roomOf(target)];
      if (a === b) continue;
      if (!graph.has(a)) graph.set(a, new Map());
      if (!graph.get(a)!.has(b)) graph.get(a)!.set(b, path.relative(projectPath(), file));
    }
  }
  return graph;
}

/** A cycle of rooms (each importing the next), or null. */
function findCycle(graph: Map<string, Map<string, string>>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (room: string): string[] | null => {
    state.set(room, "open");
    stack.push(room);
    for (const next of graph.get(room)?.keys() ?? []) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const c = visit(next);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(room, "done");
    return null;
  };
  for (const room of [...graph.keys()].sort()) if (!state.has(room)) {
    const c = visit(room);
    if (c) return c;
  }
  return null;
}

test("the rooms of src/ import each other without a cycle", () => {
  const graph = roomGraph();
  assert.ok((graph.get("rollout")?.size ?? 0) > 0 && graph.get("cli")?.has("rollout"), "the import scan finds the known edges");
  const cycle = findCycle(graph);
  const why = cycle?.slice(1).map((b, i) => `${cycle[i]} → ${b} (${graph.get(cycle[i]!)!.get(b)})`);
  assert.equal(cycle, null, `import cycle between rooms: ${why?.join(", ")}`);
});

/** file → imported file → the importing file, for every relative import of a value (not `import type`). */
function fileGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles()) {
    const rel = path.relative(projectPath(), file);
    const deps = new Map<string, string>();
    for (const m of fs.readFileSync(file, "utf8").matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/gm)) {
      deps.set(path.relative(projectPath(), path.resolve(path.dirname(file), m[1]!)).replace(/\.js$/, ".ts"), rel);
    }
    graph.set(rel, deps);
  }
  return graph;
}

test("no module of src/ imports itself through other modules", () => {
  const graph = fileGraph();
  assert.ok(graph.get(path.join("src", "tiny", "model.ts"))?.has(path.join("src", "tiny", "runtime.ts")), "the import scan finds the known edges");
  const cycle = findCycle(graph);
  assert.equal(cycle, null, `import cycle: ${cycle?.join(" → ")}`);
});

test("no library file imports from src/cli", () => {
  const graph = roomGraph();
  const offenders = [...graph].filter(([room, to]) => room !== "cli" && to.has("cli")).map(([, to]) => to.get("cli"));
  assert.deepEqual(offenders, []);
});

test("the cycle check finds a cycle when there is one", () => {
  const g = new Map([
    ["a", new Map([["b", "src/a/x.ts"]])],
    ["b", new Map([["c", "src/b/y.ts"]])],
    ["c", new Map([["a", "src/c/z.ts"]])],
  ]);
  assert.deepEqual(findCycle(g), ["a", "b", "c", "a"]);
  g.get("c")!.delete("a");
  assert.equal(findCycle(g), null);
});

function longFunctions(file: string): string[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && "body" in n && n.body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const lines = sf.getLineAndCharacterOfPosition(n.end).line - first + 1;
      const name = n.name?.getText(sf) ?? (ts.isVariableDeclaration(n.parent) || ts.isPropertyAssignment(n.parent) ? n.parent.name.getText(sf) : "(anonymous)");
      if (lines > MAX_FUNCTION_LINES) found.push(`${path.relative(projectPath(), file)}:${first + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

test(`no function in src/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
  const files = sourceFiles();
  assert.ok(files.length > 100);
  assert.deepEqual(files.flatMap(longFunctions), []);
});
