// The realistic corpus (≥ 300 snippets) must give the same observation in Pyodide as in CPython 3:
// stdout, stderr, the last expression's repr and the exception line. The reference is an
// independent minimal harness on the machine's python3 (not our runner), with the same sympy.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PyodidePool, SubprocessPool, errorLine, type Observation } from "../../src/interpreter/index.js";
import { cacheDir } from "../../src/interpreter/locate.js";
import { corpus } from "./corpus.js";

const snippets = corpus(320);
const SITE = path.join(cacheDir, "site");

interface Ref {
  stdout: string;
  stderr: string;
  value: string | null;
  error: string | null;
}

/** Plain CPython: exec each snippet in a fresh dict, the last expression's repr, the exception line. */
const REFERENCE = String.raw`
import sys, json, ast, io, contextlib, traceback
sys.path.insert(0, sys.argv[1])
out = []
for code in json.load(sys.stdin):
    so, se = io.StringIO(), io.StringIO()
    value = error = None
    ns = {"__name__": "__main__"}
    try:
        with contextlib.redirect_stdout(so), contextlib.redirect_stderr(se):
            tree = ast.parse(code, "<snippet>")
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, "<snippet>", "exec"), ns)
            if last is not None:
                v = eval(compile(ast.Expression(last.value), "<snippet>", "eval"), ns)
                if v is not None:
                    value = repr(v)
    except BaseException as e:
        error = traceback.format_exception_only(type(e), e)[-1].strip()
    out.append({"stdout": so.getvalue(), "stderr": se.getvalue(), "value": value, "error": error})
print(json.dumps(out))
`;

let reference: Ref[] = [];
let pyodide: Observation[] = [];
let cpython: Observation[] = [];
let pyStats: { recycles: number; crashes: number; kills: number } | null = null;

const norm = (e: string | null) => (e === null ? null : errorLine(e).replace(/\((\/[^)]*)\)$/, "(<path>)"));

before(async () => {
  assert.ok(fs.existsSync(path.join(SITE, "sympy")), "setup did not create .cache/python/site (run npm run setup)");
  const r = spawnSync("python3", ["-c", REFERENCE, SITE], { input: JSON.stringify(snippets.map((s) => s.code)), maxBuffer: 64 << 20, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  reference = JSON.parse(r.stdout) as Ref[];
  const py = new PyodidePool({ workers: 1, timeoutMs: 30000, log: () => {} });
  const cp = new SubprocessPool({ workers: 1, timeoutMs: 30000 });
  try {
    const runAll = async (pool: PyodidePool | SubprocessPool) => {
      const out: Observation[] = [];
      for (const s of snippets) out.push(await pool.run(s.code));
      return out;
    };
    [pyodide, cpython] = await Promise.all([runAll(py), runAll(cp)]);
    pyStats = await py.stats();
  } finally {
    await Promise.all([py.close(), cp.close()]);
  }
});

test("the corpus is realistic and large enough", () => {
  assert.ok(snippets.length >= 300);
  const kinds = new Set(snippets.map((s) => s.kind));
  for (const k of ["arith", "fractions", "itertools", "sympy_solve", "sympy_other", "values", "errors", "syntax"]) assert.ok(kinds.has(k), k);
  assert.ok(reference.filter((r) => r.error).length >= 30, "errors and syntax errors are covered");
  assert.ok(reference.filter((r) => r.value !== null).length >= 50, "last-expression values are covered");
});

function compare(name: string, got: Observation[]) {
  const diffs: string[] = [];
  snippets.forEach((s, i) => {
    const o = got[i]!;
    const r = reference[i]!;
    const a = { stdout: o.stdout, stderr: o.stderr, value: o.value, error: norm(o.error) };
    const b = { stdout: r.stdout, stderr: r.stderr, value: r.value, error: norm(r.error) };
    try {
      assert.deepEqual(a, b);
    } catch {
      diffs.push(`${s.id}: ${JSON.stringify(s.code)}\n  ${name}: ${JSON.stringify(a)}\n  cpython: ${JSON.stringify(b)}`);
    }
  });
  assert.equal(diffs.length, 0, `${diffs.length} snippets differ:\n${diffs.slice(0, 10).join("\n")}`);
}

test("Pyodide output equals CPython's on every snippet", () => compare("pyodide", pyodide));
test("SubprocessPool output equals CPython's on every snippet", () => compare("subprocess", cpython));
test("no snippet of the corpus timed out or crashed", () => {
  for (const o of [...pyodide, ...cpython]) assert.ok(o.status === "ok" || o.status === "error", JSON.stringify(o));
});

test("realistic snippets never make the pool retire or kill an interpreter", () => {
  // sympy changes its own class data (Dummy._count) and module globals: the monkeypatch checks
  // must not mistake that for a snippet's tampering
  assert.deepEqual({ recycles: pyStats!.recycles, crashes: pyStats!.crashes, kills: pyStats!.kills }, { recycles: 0, crashes: 0, kills: 0 });
});
