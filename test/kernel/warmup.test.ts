import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { projectPath } from "../../src/paths.js";

interface Diag { messageText: string }
interface Converted { diagnostics: Diag[]; declOutput?: string }
interface Converter {
  prepare?(decl: string): void;
  convert(decl: string, src: string): Converted;
  complete(decl: string, src: string, pos: number): { candidates: string[] };
  inspect(decl: string, src: string, pos: number): unknown;
  close(): void;
}
interface Warm extends Converter { warmStep(): boolean; pendingSteps(): number; scheduleIdle(): void }

const require = createRequire(import.meta.url);
const root = projectPath();
const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [projectPath("node_modules", "tslab")] })) as object;
require(projectPath("kernel", "ts-startup.cjs")).nodeTypesOnly(ts, root);
require(projectPath("kernel", "ts-watch.cjs")).limitWatchers(ts, root);
const { warmConverter, libraryEntries } = require(projectPath("kernel", "warmup.cjs")) as {
  warmConverter(c: Converter, entries: string[], load: (f: string) => void): Warm;
  libraryEntries(root: string, spec?: string): string[];
};

test("the idle warm-up puts the library's declarations in every program and loads its modules; names, errors and completion unchanged", () => {
  assert.deepEqual(libraryEntries(root, "inspect,nosuch"), [projectPath("lib", "inspect", "index.js")]);
  assert.equal(libraryEntries(root, "none").length, 0);
  const cwd = process.cwd();
  process.chdir(root);
  const { createConverter } = require(projectPath("kernel", "converter.cjs")) as { createConverter(o: object): Converter };
  const raw = createConverter({ isJS: false, isBrowser: false });
  process.chdir(cwd);
  const declsSeen: string[] = [];
  const spy: Converter = {
    ...raw,
    convert: (d, s) => (declsSeen.push(d), raw.convert(d, s)),
    complete: (d, s, p) => raw.complete(d, s, p),
    inspect: (d, s, p) => (declsSeen.push(d), raw.inspect(d, s, p)),
    prepare: (d) => (declsSeen.push(d), raw.prepare!(d)),
  };
  const loaded: string[] = [];
  const conv = warmConverter(spy, libraryEntries(root, "inspect"), (f) => void loaded.push(f));
  try {
    const first = conv.convert("", "1 + 1");
    assert.deepEqual(first.diagnostics, []);
    assert.equal(conv.pendingSteps(), 2);
    while (conv.warmStep());
    assert.deepEqual(loaded, [projectPath("lib", "inspect", "index.js")]);
    assert.ok(declsSeen.at(-1)!.includes(`import {} from ${JSON.stringify(projectPath("lib", "inspect", "index.js"))};`));
    const decl = first.declOutput ?? "";
    assert.ok(!conv.complete(decl, "openPref", 8).candidates.includes("openPreferenceData"), "the warm-up named nothing");
    const typed = conv.convert(decl, 'import { openPreferenceData } from "./lib/inspect/index.js";\nconst n: number = openPreferenceData;');
    assert.match(typed.diagnostics.map((d) => d.messageText).join("\n"), /not assignable to type 'number'/);
    const ok = conv.convert(decl, 'import { openPreferenceData } from "./lib/inspect/index.js";\nconst f = openPreferenceData;');
    assert.deepEqual(ok.diagnostics, []);
    assert.ok(conv.complete(ok.declOutput ?? "", "openPref", 8).candidates.includes("openPreferenceData"));
  } finally {
    raw.close();
  }
});
