// Issue 20 item 3: the observation text is byte-exact to the paper's IPython executor. Each case
// runs through the reference (test/interpreter/paper_executor.py on Debian's IPython 8.5) and
// through both pools' runCells + paperObservationText; the bytes must be equal.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PyodidePool, SubprocessPool, paperObservationText, type Observation } from "../../src/interpreter/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = "/usr/bin/python3"; // Debian's, with python3-ipython (scripts/setup.sh)
/** The time limit of the time-out case; the others get the paper's 20 s. */
const TIMEOUT_S = 2;
const limitOf = (name: string) => (name === "time-out" ? TIMEOUT_S : 20);

/** [name, cells]: the trajectory's closed blocks so far; the last one's output is the observation. */
const CASES: [string, string[]][] = [
  ["print", ["print(2 + 3)"]],
  ["last-expression value", ["x = 7\nx * 6"]],
  ["print and a value", ["print('total:')\n3 * 14"]],
  ["sympy value", ["from sympy import *\nx = symbols('x')\nsolve(x**2 - 5*x + 6, x)"]],
  ["error then fix", ["print('before')\n1 / 0", "y = 10\nprint(y / 4)"]],
  ["an error in the last block drops the output before it", ["a = 2", "print('partial', a)\nundefined_name + a"]],
  ["an exception with an empty message", ["raise ValueError()"]],
  ["no output", ["z = 3 ** 4"]],
  ["two blocks, the first one's output dropped", ["n = 12\nprint('first', n)", "print('second', n + 1)"]],
  ["a warning is ignored", ["import warnings\nwarnings.warn('careful')\nprint('done')"]],
  ["a long list value (pretty printer)", ["list(range(45, 75))"]],
  ["a long list after printing", ["print('values:')\n[i * i for i in range(40)]"]],
  ["a dict and a set", ["{'b': 1, 'a': [1, 2, 3]}, {3, 1, 2}"]],
  ["a long string value", ["'word ' * 30"]],
  ["None and a trailing semicolon", ["print('x');\nNone"]],
  ["SyntaxError", ["x = = 2"]],
  ["SyntaxError in a later block", ["a = 1", "def f(:\n    pass"]],
  ["time-out", ["while True:\n    pass"]],
];

function reference(cases: [string, string[]][]): string[] {
  const input = cases.map(([name, cells]) => JSON.stringify({ cells, timeout: limitOf(name) })).join("\n") + "\n";
  const r = spawnSync(PYTHON, [path.join(here, "paper_executor.py")], { input, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { text: string }).text);
}

const hasIPython = spawnSync(PYTHON, ["-c", "import IPython"], { encoding: "utf8" }).status === 0;

describe("paperObservationText against the paper's IPython executor", { skip: hasIPython ? false : `${PYTHON} has no IPython (scripts/setup.sh installs python3-ipython)` }, () => {
  let expected: string[];
  before(() => {
    expected = reference(CASES);
  });

  test("the reference gives the texts the paper describes", () => {
    const at = (name: string) => expected[CASES.findIndex(([n]) => n === name)]!;
    assert.equal(at("print"), "5");
    assert.equal(at("error then fix"), "2.5");
    assert.equal(at("an error in the last block drops the output before it"), "NameError: name 'undefined_name' is not defined");
    assert.equal(at("no output"), "Result is not defined");
    assert.ok(at("a long list value (pretty printer)").startsWith("\n[45,\n 46,\n 47,"));
    assert.equal(at("time-out"), "Timeout Error");
    assert.match(at("SyntaxError"), /^File <ipython-input-1-[0-9a-f]{12}>:1\n {4}x = = 2\n {8}\^\nSyntaxError: invalid syntax$/);
  });

  for (const Backend of [PyodidePool, SubprocessPool] as const) {
    describe(Backend.name, () => {
      let pool: PyodidePool | SubprocessPool;
      before(async () => {
        pool = Backend === PyodidePool ? new PyodidePool({ workers: 2, graceMs: 300, log: () => {} }) : new SubprocessPool({ workers: 2, graceMs: 300, python: PYTHON });
        await pool.ready();
      });
      after(async () => {
        await pool?.close();
      });
      CASES.forEach(([name, cells], i) => {
        test(name, async () => {
          const obs: Observation = await pool.runCells(cells, { timeoutMs: limitOf(name) * 1000 });
          assert.equal(JSON.stringify(paperObservationText(obs)), JSON.stringify(expected[i]));
        });
      });
    });
  }
});

test("paperObservationText on hand-made observations", () => {
  const base: Observation = { stdout: "", stderr: "", value: null, error: null, timedOut: false, truncated: false, durationMs: 1, status: "ok" };
  assert.equal(paperObservationText({ ...base, stdout: "  hi\n\n" }), "hi");
  assert.equal(paperObservationText({ ...base, stdout: "Out[1]: 5\n" }), "5"); // printed text loses it too, as in the paper
  assert.equal(paperObservationText({ ...base, value: "[1,\n 2]", display: "[1,\n 2]" }), "\n[1,\n 2]");
  assert.equal(paperObservationText({ ...base, status: "timeout", timedOut: true }), "Timeout Error");
  assert.equal(
    paperObservationText({ ...base, status: "error", stdout: "a\n\nb\n", error: "Traceback…\nKeyError: 'k'", ipythonError: "KeyError: 'k'" }),
    "KeyError: 'k'",
  );
  assert.ok(fs.existsSync(path.join(here, "paper_executor.py")));
});
