// Integrity (issue 15): a snippet's observation is a function of its own session's code only.
// Each attack below tries to change what later snippets or other sessions see; after it, a fixed
// set of victim snippets (stateless runs, a session, IPython cells) must give exactly the
// observations they gave on a clean pool. One worker, so that every attack and every victim share
// the same interpreter.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { PyodidePool, SubprocessPool, paperObservationText, type Observation } from "../../src/interpreter/index.js";

type Pool = PyodidePool | SubprocessPool;

/** What a victim observed, without timing. */
const strip = (o: Observation) => ({ status: o.status, stdout: o.stdout, stderr: o.stderr, value: o.value, error: o.error, display: o.display, paper: paperObservationText(o) });

const VICTIMS = [
  "print(6 * 7)",
  "import csv, io\nprint(list(csv.reader(io.StringIO('a,b'))))",
  "import sympy\nx = sympy.Symbol('x')\nsympy.solve(x**2 - 4, x)",
  "import json\njson.dumps({'a': [1, 2.5]})",
  "import random\n[random.random(), random.randint(1, 10**6)]",
  "import sys\n(sys.getrecursionlimit(), len(sys.path), len(sys.meta_path), len(sys.path_hooks), sys.gettrace(), sys.getprofile())",
  "import decimal, mpmath, math\n(decimal.getcontext().prec, mpmath.mp.dps, math.pi)",
  "import gc\n(gc.isenabled(), gc.get_threshold(), len(gc.callbacks), gc.get_debug())",
  "import builtins\n(len(vars(builtins)), print.__module__, len.__module__)",
  "import sympy\nsympy.Integer(2) + sympy.Integer(3)",
  "def f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)\nf(20)",
];

/** Victims that look at the file system: only for the sandbox (SubprocessPool uses the host's files). */
const FS_VICTIMS = ["import os\n(sorted(os.listdir('.')), sorted(os.listdir('/tmp')), os.getcwd())"];

async function observe(pool: Pool, hostFs: boolean) {
  const runs: unknown[] = [];
  for (const code of hostFs ? VICTIMS : [...VICTIMS, ...FS_VICTIMS]) runs.push(strip(await pool.run(code)));
  const s = pool.session();
  runs.push(strip(await s.run("secret = 42\nprint('set')")));
  runs.push(strip(await s.run("secret + 1")));
  s.close();
  runs.push(strip(await pool.runCells(["a = list(range(45, 75))", "print('x')\na"])));
  runs.push(strip(await pool.runCells(["import sympy\nx = sympy.Symbol('x')", "sympy.expand((x + 1)**2)"])));
  return runs;
}

/** The attacks of issue 15 and variants per class: [name, code, optional session code before]. */
const ATTACKS: [string, string][] = [
  ["frames: the runner's locals and closures are patched", `import sys
f = sys._getframe(1)
while f is not None:
    for k, v in list(f.f_locals.items()):
        if callable(v) and hasattr(v, '__code__') and k not in ('f',):
            try:
                v.__code__ = (lambda *a, **k: '{"status": "ok", "stdout": "PWNED", "stderr": "", "value": null, "error": null}').__code__
            except Exception:
                pass
    f.f_globals['PWNED'] = True
    f = f.f_back`],
  ["closures: the real recursion setter in the cap's closure", `import sys
real = [c.cell_contents for c in sys.setrecursionlimit.__closure__ if callable(c.cell_contents)]
real[0](123456)
sys.getrecursionlimit = lambda: 7`],
  ["__subclasses__: the output-capture class is patched", `for c in object.__subclasses__():
    if c.__name__ == "Cap":
        c.getvalue = lambda self: "PWNED\\n"`],
  ["classes: json's encoder and sympy's Integer are patched", `import json, sympy
json._default_encoder = json.JSONEncoder(indent=4)
json.JSONEncoder.encode = lambda self, o: '"PWNED"'
sympy.Integer.__add__ = lambda a, b: sympy.Integer(1337)
sympy.solve = lambda *a, **k: ["PWNED"]`],
  ["modules: builtins, math, decimal, mpmath, random, sys.modules", `import builtins, math, decimal, mpmath, random, sys
builtins.print = lambda *a, **k: None
builtins.len = lambda x: 0
math.pi = 3
decimal.getcontext().prec = 5
mpmath.mp.dps = 50
random.seed(1)
sys.modules["csv"] = type(sys)("csv")
del builtins.sorted`],
  ["import hooks: a meta_path finder and sys.path entries serve a fake csv", `import sys, importlib.abc, importlib.util
class F(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        return importlib.util.spec_from_loader(name, self) if name == "csv" else None
    def create_module(self, spec):
        return None
    def exec_module(self, m):
        m.reader = lambda *a, **k: iter([["PWNED"]])
sys.meta_path.insert(0, F())
sys.path.insert(0, "/tmp")
sys.path_hooks.insert(0, lambda p: (_ for _ in ()).throw(ImportError()))
sys.modules.pop("csv", None)`],
  ["files: a module planted in the working directory (first on sys.path)", `open("/home/pyodide/csv.py", "w").write("def reader(*a, **k): return iter([[1337]])")
open("/tmp/csv.py", "w").write("def reader(*a, **k): return iter([[1337]])")
import os
os.makedirs("/tmp/pkg/sub", exist_ok=True)`],
  ["files: the bundled stdlib is overwritten or removed", `import os, glob
for p in glob.glob("/lib/python3*/**/*.py", recursive=True)[:5] + glob.glob("/lib/*.zip"):
    try:
        open(p, "wb").write(b"raise SystemExit")
    except OSError:
        pass
    try:
        os.remove(p)
    except OSError:
        pass`],
  ["timers: call_soon / call_later on pyodide's event loop", `import asyncio, builtins
loop = asyncio.get_event_loop()
loop.call_soon(lambda: setattr(builtins, "print", lambda *a, **k: None))
loop.call_later(0.01, lambda: setattr(__import__("math"), "pi", 3))
print("scheduled")`],
  ["finalisers and GC callbacks: __del__ in a cycle, gc.callbacks, DEBUG_SAVEALL, weakref.finalize, atexit", `import gc, weakref, atexit, builtins, math
class P:
    def __del__(self):
        builtins.print = lambda *a, **k: None
a = P(); a.self = a; del a
gc.disable()
gc.set_threshold(1)
gc.callbacks.append(lambda *a: setattr(math, "pi", 3))
gc.set_debug(gc.DEBUG_SAVEALL)
class Q: pass
q = Q(); weakref.finalize(q, setattr, math, "e", 2)
atexit.register(setattr, math, "tau", 6)`],
  ["monitoring and tracing: sys.monitoring callbacks, threading.settrace", `import sys, threading, math
def cb(*a):
    math.pi = 3
try:
    sys.monitoring.use_tool_id(3, "evil")
    sys.monitoring.register_callback(3, sys.monitoring.events.PY_START, cb)
    sys.monitoring.set_events(3, sys.monitoring.events.PY_START)
except Exception as e:
    print(type(e).__name__)
threading.settrace(cb)`],
  ["a session's variables and settings, then its worker is reused", `import decimal, random, sys
decimal.getcontext().prec = 3
random.seed(99)
sys.set_int_max_str_digits(640)
secret = 1337`],
];

/**
 * `hostFs`: the pool's snippets use the host's files (SubprocessPool, not a sandbox): the file-system
 * attacks are not run there (they would write to the host).
 */
function suite(name: string, make: () => Pool, hostFs: boolean) {
  describe(name, () => {
    let pool: Pool;
    let clean: unknown[];
    before(async () => {
      pool = make();
      await pool.ready();
      clean = await observe(pool, hostFs);
    });
    after(async () => {
      await pool?.close();
    });

    test("the clean observations are the expected ones", () => {
      const c = clean as ReturnType<typeof strip>[];
      assert.equal(c[0]!.stdout, "42\n");
      assert.equal(c[1]!.stdout, "[['a', 'b']]\n");
      assert.equal(c[2]!.value, "[-2, 2]");
      const n = hostFs ? VICTIMS.length : VICTIMS.length + FS_VICTIMS.length;
      assert.equal(c[n + 1]!.value, "43");
      assert.equal(c[n + 2]!.paper.startsWith("x\n\n[45,\n 46,"), true);
      assert.equal(c[n + 3]!.paper, "x**2 + 2*x + 1");
    });

    for (const [label, code] of ATTACKS) {
      if (hostFs && label.startsWith("files:")) continue;
      test(`${label}: later snippets and other sessions see nothing`, async () => {
        // in a session (its later blocks replay it: that session may see its own changes), alone,
        // and as the last of several cells
        const s = pool.session();
        await s.run("victim_var = 1");
        await s.run(code);
        await s.run("victim_var");
        s.close();
        await pool.run(code);
        await pool.runCells(["x = 1", code]);
        assert.deepEqual(await observe(pool, hostFs), clean);
      });
    }
  });
}

suite("PyodidePool", () => new PyodidePool({ workers: 1, timeoutMs: 10000, log: () => {} }), false);
suite("SubprocessPool", () => new SubprocessPool({ workers: 1, timeoutMs: 10000 }), true);

describe("PyodidePool: limits and crashes", () => {
  let pool: PyodidePool;
  before(async () => {
    pool = new PyodidePool({ workers: 1, timeoutMs: 3000, graceMs: 500, log: () => {} });
    await pool.ready();
  });
  after(async () => {
    await pool?.close();
  });

  test("JS-side memory: the recreated _pyodide_core cannot copy data into JS memory", async () => {
    const o = await pool.run(
      "import _imp, importlib.machinery as m\nc = _imp.create_builtin(m.ModuleSpec('_pyodide_core', None, origin='built-in'))\nb = bytes(64 * 2**20)\nk = [c.to_js(b) for _ in range(10)]\nprint(sum(int(u.byteLength) for u in k) >> 20, 'MB held in JS')",
    );
    assert.notEqual(o.status, "ok", JSON.stringify(o).slice(0, 300));
    assert.doesNotMatch(o.stdout, /MB held in JS/);
    assert.equal((await pool.run("print(6 * 7)")).stdout, "42\n");
  });

  test("recursion: the real setter from the cap's closure does not crash the pool", async () => {
    const o = await pool.run(
      "import sys\n[c.cell_contents for c in sys.setrecursionlimit.__closure__ if callable(c.cell_contents)][0](10**6)\ndef f(n):\n    return f(n + 1)\nf(0)",
    );
    // A loaded machine can reach the time limit before the stack runs out; either way the pool survives.
    assert.ok(o.status === "error" || o.status === "crash" || o.status === "timeout", JSON.stringify(o).slice(0, 300));
    assert.equal((await pool.run("import sys\nsys.getrecursionlimit()")).value, (await pool.run("import sys\nsys.getrecursionlimit()")).value);
    assert.equal((await pool.run("print(6 * 7)")).stdout, "42\n");
  });

  test("a crash is a crash, also after the time limit, and the next snippet is unaffected", async () => {
    const now = await pool.run("import faulthandler\nfaulthandler._sigsegv()");
    assert.equal(now.status, "crash");
    const late = await pool.run("import faulthandler\ntry:\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    faulthandler._sigsegv()", { timeoutMs: 300 });
    assert.equal(late.status, "crash", JSON.stringify(late).slice(0, 300));
    assert.equal(late.timedOut, false);
    const next = await pool.run("print(6 * 7)");
    assert.equal(next.status, "ok");
    assert.equal(next.stdout, "42\n");
  });
});

test("PyodidePool: simultaneous crashes on three workers do not kill the pool", async () => {
  const pool = new PyodidePool({ workers: 3, timeoutMs: 5000, log: () => {} });
  try {
    await pool.ready();
    const crashes = await Promise.all([0, 1, 2].map(() => pool.run("import faulthandler\nfaulthandler._sigsegv()")));
    assert.deepEqual(crashes.map((c) => c.status), ["crash", "crash", "crash"]);
    const after = await Promise.all([0, 1, 2, 3].map((i) => pool.run(`print(${i} * 2)`)));
    assert.deepEqual(after.map((o) => o.stdout), ["0\n", "2\n", "4\n", "6\n"]);
    assert.equal((await pool.stats()).crashes, 3);
  } finally {
    await pool.close();
  }
});
