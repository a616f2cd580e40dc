/**
 * The kernel's start-up snapshot (kernel/snapshot.cjs, built by setup, started by kernel/start.sh):
 * the kernel starts from it, its converter gives exactly what a freshly built one gives, a snapshot
 * that no longer fits the project is not used, and the launcher never hands Node a snapshot made
 * by another Node.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { projectPath } from "../../src/paths.js";
import { runSession } from "./kernel-session.js";

const require = createRequire(import.meta.url);
const blob = projectPath(".cache", "kernel", "kernel.blob");
const { fingerprint } = require(projectPath("kernel", "snapshot.cjs")) as { fingerprint(root?: string): string };

/** Converts the same cells with the snapshot's converter (when started from it) or a fresh one; prints the results as JSON. */
const CONVERT = `
const root = ${JSON.stringify(projectPath())};
process.chdir(root);
const snap = require(root + "/kernel/snapshot.cjs").fromSnapshot();
let conv;
if (snap) conv = snap.node;
else {
  const startup = require(root + "/kernel/ts-startup.cjs");
  startup.nodeTypesOnly(startup.loadTypeScript(root).exports, root);
  const { warmConverter, libraryEntries } = require(root + "/kernel/warmup.cjs");
  conv = warmConverter(require(root + "/kernel/converter.cjs").createConverter({ isJS: false, isBrowser: false }), libraryEntries(root), () => {});
  conv.warmTypes();
}
const cells = [
  "1 + 1",
  'import { Grader } from "./lib/grading/index.js";\\nimport { showTable } from "./lib/display/index.js";\\nconst g = new Grader();',
  'import { openPreferenceData } from "./lib/inspect/index.js";\\nconst n: number = openPreferenceData;',
  "const k = g.grade('1', '1').correct;",
  "let total = 6 * 7;\\nexport function twice(x: number) { return 2 * x; }",
  "twice(total)",
];
let decl = "";
const out = [];
for (const src of cells) {
  const r = conv.convert(decl, src);
  out.push({ output: r.output, declOutput: r.declOutput, diagnostics: r.diagnostics });
  if (!r.diagnostics.length) decl = r.declOutput || "";
}
out.push(conv.complete(decl, "tw", 2).candidates.slice(0, 5));
console.log(JSON.stringify({ snapshot: Boolean(snap), out }));
`;

/** The blob and the Node it was made by; a test starting Node from the blob checks this first (another Node would exit). */
function checkStamp(): void {
  assert.ok(fs.existsSync(blob), "scripts/setup.d/40-kernel-snapshot.sh builds .cache/kernel/kernel.blob");
  const stamp = fs.readFileSync(`${blob}.node`, "utf8").trim();
  assert.equal(stamp, `${fs.realpathSync(process.execPath)} ${fs.statSync(process.execPath).size}`, "the snapshot was made by the Node running the tests");
}

/** A script inside the project (the snapshot serves only the project it was built in). */
function projectScript(name: string, text: string): string {
  const file = projectPath(".cache", "kernel", `${name}-${process.pid}.cjs`);
  fs.writeFileSync(file, text);
  return file;
}

function convertWith(snapshot: boolean) {
  const script = projectScript("test-convert", CONVERT);
  try {
    const r = spawnSync(process.execPath, snapshot ? ["--snapshot-blob", blob, script] : [script], { encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, `snapshot ${snapshot}: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").pop()!) as { snapshot: boolean; out: unknown[] };
  } finally {
    fs.rmSync(script, { force: true });
  }
}

test("setup built the start-up snapshot; its converter converts, reports errors and completes exactly as a fresh one", () => {
  checkStamp();
  const fresh = convertWith(false);
  const snap = convertWith(true);
  assert.equal(fresh.snapshot, false);
  assert.equal(snap.snapshot, true, "the snapshot fits the project it was built in");
  assert.deepEqual(snap.out, fresh.out);
  const errors = JSON.stringify(fresh.out[2]) + JSON.stringify(fresh.out[3]);
  assert.match(errors, /not assignable to type 'number'/);
  assert.match(errors, /Property 'correct' does not exist on type 'Promise<Verdict>'/);
});

test("the kernel starts from the snapshot through Jupyter, and without it when MATHAGENT_KERNEL_SNAPSHOT=0; the cells give the same results", () => {
  const steps = [
    { code: 'globalThis[Symbol.for("mathagent.kernelSnapshot")] !== undefined' },
    { code: 'import { loadProblems } from "./lib/data/index.js";\nconst p: number = loadProblems;' },
    { code: 'import { gsm8kAnswer } from "./lib/data/index.js";\ngsm8kAnswer("so 3 + 4 = 7.\\n#### 7")' },
  ];
  const result = (cells: ReturnType<typeof runSession>) => cells.map((c) => [c.reply.status, c.reply.evalue ?? "", c.stdout, c.stderr]);
  const withSnapshot = runSession(steps);
  const without = runSession(steps, { MATHAGENT_KERNEL_SNAPSHOT: "0" });
  assert.deepEqual(result(withSnapshot)[0], ["ok", "", "true\n", ""]);
  assert.deepEqual(result(without)[0], ["ok", "", "false\n", ""]);
  assert.deepEqual(result(withSnapshot).slice(1), result(without).slice(1));
  assert.equal(withSnapshot[1]!.reply.status, "error");
  assert.match(JSON.stringify(withSnapshot[1]!.reply), /not assignable to type 'number'/);
});

test("a snapshot that no longer fits is not used: another project, edited kernel sources, other packages or other warmed areas", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "snapshot-fp-"));
  try {
    for (const f of ["kernel/converter.cjs", "kernel/warmup.cjs", "node_modules/.package-lock.json", "node_modules/tslab/dist/converter.js"]) {
      fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      fs.copyFileSync(projectPath(f), path.join(tmp, f));
    }
    const before = fingerprint(tmp);
    assert.equal(fingerprint(tmp), before);
    fs.appendFileSync(path.join(tmp, "kernel/warmup.cjs"), "\n// edited\n");
    const edited = fingerprint(tmp);
    assert.notEqual(edited, before);
    fs.appendFileSync(path.join(tmp, "node_modules/.package-lock.json"), " ");
    assert.notEqual(fingerprint(tmp), edited);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // A start that does not fit names why, and the script runs without the snapshot.
  checkStamp();
  const inside = projectScript("test-fits", `console.log(require(${JSON.stringify(projectPath("kernel", "snapshot.cjs"))}).fromSnapshot() !== undefined, require.main === module);`);
  const outside = path.join(os.tmpdir(), `snapshot-outside-${process.pid}.cjs`);
  fs.copyFileSync(inside, outside);
  try {
    const start = (script: string, env: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync(process.execPath, ["--snapshot-blob", blob, script], { encoding: "utf8", env: { ...process.env, ...env } });
      assert.equal(r.status, 0, r.stderr);
      return [r.stdout.trim(), r.stderr.replace(/\n$/, "").replace(/^\[mathagent kernel\] start-up snapshot not used \((.*)\); `npm run setup` rebuilds it$/, "$1")];
    };
    assert.deepEqual(start(inside), ["true true", ""]);
    assert.deepEqual(start(inside, { MATHAGENT_KERNEL_SNAPSHOT: "0" }), ["false true", "MATHAGENT_KERNEL_SNAPSHOT=0"]);
    assert.deepEqual(start(inside, { MATHAGENT_KERNEL_WARM: "none" }), ["false true", "MATHAGENT_KERNEL_WARM or lib/ names other areas than when it was built"]);
    assert.deepEqual(start(outside), ["false true", `built for the project in ${projectPath()}`]);
  } finally {
    fs.rmSync(inside, { force: true });
    fs.rmSync(outside, { force: true });
  }
});

test("the launcher starts Node from the snapshot only when the stamp names that Node binary", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "snapshot-launch-"));
  try {
    fs.mkdirSync(path.join(tmp, "kernel"));
    fs.mkdirSync(path.join(tmp, ".cache", "kernel"), { recursive: true });
    fs.copyFileSync(projectPath("kernel", "start.sh"), path.join(tmp, "kernel", "start.sh"));
    fs.symlinkSync(blob, path.join(tmp, ".cache", "kernel", "kernel.blob"));
    // Stands in for the kernel: says whether it runs from the snapshot, whether errors carry a stack, and its arguments.
    fs.writeFileSync(path.join(tmp, "kernel", "tslab-kernel.cjs"), 'console.log(typeof globalThis[Symbol.for("mathagent.kernelSnapshot")], typeof new Error().stack, JSON.stringify(process.argv.slice(2)));');
    const stamp = path.join(tmp, ".cache", "kernel", "kernel.blob.node");
    // What the stand-in prints, and whether Node started from the blob (only then is there a
    // snapshot to refuse: this copy of the launcher is not in the project the blob was built for).
    const launch = (env: NodeJS.ProcessEnv = {}) => {
      const r = spawnSync("/bin/sh", [path.join(tmp, "kernel", "start.sh"), process.execPath, "kernel", "--config-path", "c.json"], { encoding: "utf8", env: { ...process.env, ...env } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'undefined string ["kernel","--config-path","c.json"]');
      return /start-up snapshot not used \(built for the project in /.test(r.stderr);
    };
    const real = fs.realpathSync(process.execPath);
    const size = fs.statSync(process.execPath).size;
    fs.writeFileSync(stamp, `${real} ${size}\n`);
    assert.equal(launch(), true, "the stamp setup writes: started from the blob");
    assert.equal(launch({ MATHAGENT_KERNEL_SNAPSHOT: "0" }), false);
    for (const other of [`${real} ${size + 1}`, `/usr/local/bin/other-node ${size}`]) {
      fs.writeFileSync(stamp, other + "\n");
      assert.equal(launch(), false, `stamp "${other}"`);
    }
    fs.rmSync(stamp);
    assert.equal(launch(), false, "no stamp");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
