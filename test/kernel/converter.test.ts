import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { projectPath } from "../../src/paths.js";

interface Converted {
  output?: string;
  declOutput?: string;
  diagnostics: { start: unknown; end: unknown; messageText: string; code: number; fileName?: string }[];
  hasToplevelAwait?: boolean;
  lastExpressionVar?: string;
  sideOutputs?: { path: string; data: string }[];
}
interface Converter {
  convert(decl: string, src: string): Converted;
  complete(decl: string, src: string, pos: number): { start: number; end: number; candidates: string[] };
  inspect(decl: string, src: string, pos: number): { kind?: string; textSpan?: unknown; displayParts?: unknown; documentation?: unknown } | undefined;
  addModule(name: string, content: string, meta?: object): Converted["diagnostics"];
  close(): void;
}

const require = createRequire(import.meta.url);
const root = projectPath();
const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [projectPath("node_modules", "tslab")] })) as object;
require(projectPath("kernel", "ts-startup.cjs")).nodeTypesOnly(ts, root);
require(projectPath("kernel", "ts-watch.cjs")).limitWatchers(ts, root);
const tslab = require(projectPath("node_modules", "tslab", "dist", "converter.js")) as { createConverter(o: object): Converter };
const own = require(projectPath("kernel", "converter.cjs")) as { createConverter(o: object): Converter };

function inProject<T>(make: () => T): T {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    return make();
  } finally {
    process.chdir(cwd);
  }
}

/** Runs the cells on a converter as tslab's executor does (each cell sees the declarations the last good one left). */
function run(conv: Converter, cells: string[]) {
  let decl = "";
  return cells.map((src) => {
    const out = conv.convert(decl, src);
    if (out.diagnostics.length === 0) decl = out.declOutput ?? "";
    return { ...out, decl };
  });
}

const CELLS = [
  "1 + 1",
  'const a: number = 1;\nlet b = "x";\nfunction f(n: number) { return n * 2; }\ninterface P { x: number }\nclass C { y = 1; }\ntype T = P | C;\nf(a)',
  "const c: string = a;\nconst d = 1;",
  "b = b + f(a);\nb",
  'import { openPreferenceData } from "./lib/inspect/index.js";\nconst g = openPreferenceData;\ntypeof g',
  'const a = "redefined";\na.length',
  "await Promise.resolve(3)",
  'import { seededRandom } from "./src/random.js";\nimport { MathagentError } from "./src/errors.js";\nconst r = seededRandom(1);\nr() < 1 && new MathagentError("x") instanceof Error',
  "const broken = ;",
  'import { nothing } from "./src/no-such-module.js";',
  "seededRandom(2)() + g.length + a.length",
];

test("a cell that converts but fails when run leaves the earlier declarations whole for the next cells", () => {
  const theirs = inProject(() => tslab.createConverter({ isJS: false, isBrowser: false }));
  const ours = inProject(() => own.createConverter({ isJS: false, isBrowser: false }));
  try {
    for (const conv of [theirs, ours]) {
      const first = conv.convert("", "let x = 1;\nlet y = 2;");
      assert.deepEqual(first.diagnostics, []);
      // Cell 2 redefines x and converts, but throws when run: tslab's executor keeps cell 1's declarations.
      assert.deepEqual(conv.convert(first.declOutput!, 'let x = "s";\nthrow new Error("boom");').diagnostics, []);
      const third = conv.convert(first.declOutput!, "y");
      assert.deepEqual(third.diagnostics, []);
      assert.match(third.declOutput!, /\bx: number/, "cell 3's declarations still have x");
      assert.deepEqual(conv.convert(third.declOutput!, "x + 1").diagnostics, [], "x is still declared in cell 4");
    }
  } finally {
    theirs.close();
    ours.close();
  }
});

test("the kernel's converter gives what tslab's gives: output, declarations, type errors with positions, completion and inspection", () => {
  const theirs = inProject(() => tslab.createConverter({ isJS: false, isBrowser: false }));
  const ours = inProject(() => own.createConverter({ isJS: false, isBrowser: false }));
  try {
    const expected = run(theirs, CELLS);
    const actual = run(ours, CELLS);
    for (let i = 0; i < CELLS.length; i++) assert.deepEqual(actual[i], expected[i], `cell ${i}: ${CELLS[i]}`);
    assert.match(actual[2]!.diagnostics.map((d) => d.messageText).join("\n"), /Type 'number' is not assignable to type 'string'/);
    assert.deepEqual(actual[2]!.diagnostics[0]!.start, { offset: 6, line: 0, character: 6 });
    assert.ok(actual[7]!.sideOutputs!.some((s) => s.path.endsWith("src/random.js") && s.data.includes("seededRandom")));
    assert.equal(actual[6]!.hasToplevelAwait, true);
    const decl = actual.at(-1)!.decl;
    for (const [src, pos] of [["open", 4], ["g.", 2], ["a.len", 5], ["seededR", 7], ["Math.ma", 7], ["f(", 1]] as const) {
      const { start, end, candidates } = ours.complete(decl, src, pos);
      assert.deepEqual({ start, end, candidates }, (({ start, end, candidates }) => ({ start, end, candidates }))(theirs.complete(decl, src, pos)), `complete ${src}`);
    }
    assert.ok(ours.complete(decl, "seededR", 7).candidates.includes("seededRandom"));
    for (const [src, pos] of [["f(a)", 0], ["seededRandom(1)", 3], ["g", 0], ["openPreferenceData", 2], ["r", 0]] as const) {
      const pick = (i: ReturnType<Converter["inspect"]>) => i && { kind: i.kind, textSpan: i.textSpan, displayParts: i.displayParts, documentation: i.documentation };
      assert.deepEqual(pick(ours.inspect(decl, src, pos)), pick(theirs.inspect(decl, src, pos)), `inspect ${src}`);
    }
    assert.ok(JSON.stringify(ours.inspect(decl, "seededRandom", 0)).includes("seed"));
    // plotly.js's schema is read without its doc comments until a cell asks for documentation.
    const plot = 'import type { Layout } from "plotly.js-dist-min";\nconst layout: Partial<Layout> = { activeselection: { fillcolor: "red" } };\nlayout';
    const [plotOurs] = run(ours, [plot]);
    assert.deepEqual(plotOurs, run(theirs, [plot])[0]);
    const docs = (c: Converter) => c.inspect(plotOurs!.decl, "layout.activeselection.fillcolor", 26)?.documentation;
    assert.match(JSON.stringify(docs(ours)), /Sets the color filling the active selection/);
    assert.deepEqual(docs(ours), docs(theirs));
    const wrong = 'import type { Layout } from "plotly.js-dist-min";\nconst bad: Partial<Layout> = { activeselection: { fillcolor: 1 } };';
    assert.deepEqual(run(ours, [wrong]), run(theirs, [wrong]));
    const mod = "export const fromModule: number = 1;";
    assert.deepEqual(ours.addModule("kmod", mod), theirs.addModule("kmod", mod));
    assert.deepEqual(ours.addModule("kbad", "export const x: string = 1;"), theirs.addModule("kbad", "export const x: string = 1;"));
    const useModule = 'import { fromModule } from "./kmod";\nfromModule + 1';
    assert.deepEqual(run(ours, [useModule]), run(theirs, [useModule]));
  } finally {
    theirs.close();
    ours.close();
  }
});

test("a project source edited between cells is checked and emitted anew; a module created after a failed import is found", () => {
  const dir = fs.mkdtempSync(projectPath("test", "kernel", ".conv-"));
  const rel = (f: string) => "./" + path.relative(root, path.join(dir, f)).replace(/\.ts$/, ".js");
  const conv = inProject(() => own.createConverter({ isJS: false, isBrowser: false }));
  try {
    fs.writeFileSync(path.join(dir, "mod.ts"), "export const version: number = 1;\n");
    const cell = `import { version } from "${rel("mod.ts")}";\nversion`;
    const first = conv.convert("", cell);
    assert.deepEqual(first.diagnostics, []);
    assert.match(first.sideOutputs!.map((s) => s.data).join(""), /version = 1/);
    // Each version has another length, so the edit is seen whatever the file system's time resolution.
    fs.writeFileSync(path.join(dir, "mod.ts"), 'export const version: string = 20;\n');
    const broken = conv.convert("", cell);
    assert.deepEqual(broken.diagnostics.map((d) => [d.fileName, d.messageText]), [[path.relative(root, path.join(dir, "mod.ts")), "Type 'number' is not assignable to type 'string'."]]);
    fs.writeFileSync(path.join(dir, "mod.ts"), "export const version: number = 222;\n");
    assert.match(conv.convert("", cell).sideOutputs!.map((s) => s.data).join(""), /version = 222/);
    assert.equal(conv.convert("", cell).sideOutputs, undefined, "an unchanged source is not emitted again");
    const later = `import { late } from "${rel("late.ts")}";\nlate`;
    assert.match(conv.convert("", later).diagnostics.map((d) => d.messageText).join(""), /Cannot find module/);
    fs.writeFileSync(path.join(dir, "late.ts"), "export const late = 3;\n");
    assert.deepEqual(conv.convert("", later).diagnostics, []);
  } finally {
    conv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
