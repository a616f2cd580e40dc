// Attacks on the sandbox: each must fail safely and leave the host and the pool healthy. Every
// attack is checked against real evidence, not only an error: a canary file whose secret must
// never appear in any output, a loopback listener that must never get a connection, and a
// marker file that a shell/JS escape would create.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { PyodidePool, observationText, type Observation } from "../../src/interpreter/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-attack-"));
const SECRET = `canary-${Math.random().toString(36).slice(2)}-secret`;
const CANARY = path.join(dir, "canary.txt");
const MARKER = path.join(dir, "marker");
const ENV_SECRET = `envsecret-${Math.random().toString(36).slice(2)}`;
let PORT = 0;
let connections = 0;
let server: net.Server;
let pool: PyodidePool;
const outputs: string[] = [];

before(async () => {
  fs.writeFileSync(CANARY, SECRET + "\n");
  process.env.MATHAGENT_TEST_SECRET = ENV_SECRET;
  server = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  PORT = (server.address() as net.AddressInfo).port;
  pool = new PyodidePool({ workers: 1, timeoutMs: 1500, graceMs: 500, log: () => {} });
  await pool.ready();
});

after(async () => {
  await pool?.close();
  server?.close();
  delete process.env.MATHAGENT_TEST_SECRET;
  fs.rmSync(dir, { recursive: true, force: true });
});

const sub = (code: string) =>
  code.replaceAll("{CANARY}", CANARY).replaceAll("{MARKER}", MARKER).replaceAll("{PORT}", String(PORT)).replaceAll("{DIR}", dir);

async function attack(code: string, timeoutMs?: number): Promise<Observation> {
  const obs = await pool.run(sub(code), timeoutMs ? { timeoutMs } : {});
  const all = [obs.stdout, obs.stderr, obs.value ?? "", obs.error ?? ""].join("\n");
  outputs.push(all);
  assert.ok(!all.includes(SECRET), `canary secret leaked:\n${all.slice(0, 500)}`);
  assert.ok(!all.includes(ENV_SECRET), "host environment leaked");
  assert.equal(fs.existsSync(MARKER), false, `marker file was created by:\n${code}`);
  assert.equal(connections, 0, "the loopback listener got a connection");
  return obs;
}

async function healthy(): Promise<void> {
  const o = await pool.run("import sympy\nprint(1 + 1)\nsympy.Rational(1, 3) + sympy.Rational(1, 6)");
  assert.equal(o.status, "ok", JSON.stringify(o));
  assert.equal(o.stdout, "2\n");
  assert.equal(o.value, "1/2");
}

/** Runs a snippet whose outcome is printed as 'BLOCKED ...' when each attempt failed. */
const tryAll = (attempts: string[]) =>
  attempts
    .map((a, i) => `try:\n${a.split("\n").map((l) => "    " + l).join("\n")}\n    print("REACHED ${i}")\nexcept BaseException as e:\n    print("BLOCKED ${i}", type(e).__name__)`)
    .join("\n");

function assertAllBlocked(obs: Observation, n: number) {
  assert.equal(obs.status, "ok", JSON.stringify(obs));
  for (let i = 0; i < n; i++) {
    assert.ok(!obs.stdout.includes(`REACHED ${i}`), `attempt ${i} was not blocked:\n${obs.stdout}`);
    assert.ok(obs.stdout.includes(`BLOCKED ${i}`), `attempt ${i} gave no verdict:\n${obs.stdout}`);
  }
}

// ---------------------------------------------------------------- shell
test("shell: os.system cannot run commands", async () => {
  const o = await attack(`import os\nr = os.system("touch {MARKER}")\nprint("rc", r)`);
  assert.notEqual(o.stdout, "rc 0\n");
});
test("shell: posix.system and os.popen", async () => {
  const attempts = [`import posix\nassert posix.system("touch {MARKER}") == 0`, `import os\nos.popen("touch {MARKER}").read()\nassert os.path.exists("{MARKER}")`];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
});
test("shell: subprocess.run / Popen / check_output", async () => {
  const attempts = [
    `import subprocess\nsubprocess.run(["touch", "{MARKER}"])`,
    `import subprocess\nsubprocess.Popen("touch {MARKER}", shell=True).wait()`,
    `import subprocess\nsubprocess.check_output("id", shell=True)`,
    `import _posixsubprocess`,
  ];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
});
test("shell: pty, os.exec*, os.posix_spawn, os.spawnv", async () => {
  const attempts = [
    `import pty\npty.spawn(["touch", "{MARKER}"])`,
    `import os\nos.execv("/bin/sh", ["sh", "-c", "touch {MARKER}"])`,
    `import os\nos.posix_spawn("/bin/touch", ["touch", "{MARKER}"], {})`,
    `import os\nos.spawnv(os.P_WAIT, "/bin/touch", ["touch", "{MARKER}"])`,
  ];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
});
test("shell: fork bomb", async () => {
  const o = await attack(`import os\nwhile True:\n    os.fork()`);
  assert.equal(o.status, "error");
  assert.match(o.error!, /PermissionError|OSError/);
  await healthy();
});

// ---------------------------------------------------------------- JS bridges
test("js: import js / pyodide_js / pyodide are blocked", async () => {
  const attempts = [`import js\njs.process`, `import pyodide_js\npyodide_js.mountNodeFS`, `from pyodide.code import run_js`, `import pyodide.ffi`, `import micropip`];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
});
const JS_ESCAPE = `
def escape(core):
    tj = getattr(core, "to_js", None)
    objs = []
    if tj is not None:
        objs.append(tj([1]))
    for name in dir(core):
        objs.append(getattr(core, name))
    for o in objs:
        try:
            f = o.constructor.constructor
            p = f("return process")()
            p.getBuiltinModule("child_process").execSync("touch {MARKER}")
            print("REACHED process")
        except BaseException:
            pass
        try:
            g = o.constructor.constructor("return globalThis")()
            print("REACHED globalThis", g)
        except BaseException:
            pass
`;
test("js: _pyodide_core recreated with _imp.create_builtin gives no Function constructor", async () => {
  const o = await attack(`${JS_ESCAPE}
import _imp, importlib.machinery as m
try:
    core = _imp.create_builtin(m.ModuleSpec("_pyodide_core", None))
    escape(core)
    print("core obtained")
except BaseException as e:
    print("BLOCKED", type(e).__name__)`);
  assert.ok(!o.stdout.includes("REACHED"), o.stdout);
});
test("js: importlib with the meta_path reset", async () => {
  const o = await attack(`${JS_ESCAPE}
import sys, importlib
sys.meta_path[:] = [f for f in sys.meta_path]
for name in ["js", "pyodide_js", "_pyodide_core", "pyodide"]:
    try:
        mod = importlib.import_module(name)
        escape(mod)
    except BaseException as e:
        print("BLOCKED", name, type(e).__name__)`);
  assert.ok(!o.stdout.includes("REACHED"), o.stdout);
});
test("js: __main__ globals, sys.modules and gc hold no bridge", async () => {
  const o = await attack(`${JS_ESCAPE}
import sys, __main__
found = [k for k in vars(__main__) if "pyodide" in k or k == "js"]
found += [k for k in sys.modules if k.split(".")[0] in ("js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core")]
print("FOUND", found)
try:
    import gc
    gc.get_objects()
    print("REACHED gc")
except BaseException as e:
    print("BLOCKED gc", type(e).__name__)`);
  assert.match(o.stdout, /FOUND \[\]/);
  assert.match(o.stdout, /BLOCKED gc/);
});
test("js: JsProxy objects reachable through subclasses are inert", async () => {
  const o = await attack(`${JS_ESCAPE}
cands = [c for c in object.__subclasses__() if "Js" in c.__name__ or "pyodide" in getattr(c, "__module__", "")]
print("classes", len(cands))
for c in cands:
    try:
        escape(c)
    except BaseException:
        pass`);
  assert.ok(!o.stdout.includes("REACHED"), o.stdout);
});
test("js: run_js / eval through a recreated core cannot generate code", async () => {
  const o = await attack(`
import _imp, importlib.machinery as m
core = _imp.create_builtin(m.ModuleSpec("_pyodide_core", None))
for name in ("run_js", "eval_js", "create_proxy", "to_js", "JsProxy"):
    fn = getattr(core, name, None)
    if fn is None:
        continue
    for arg in ('process.getBuiltinModule("child_process").execSync("touch {MARKER}")', "globalThis.process"):
        try:
            r = fn(arg)
            print("CALLED", name, type(r).__name__)
            try:
                r.constructor.constructor("return process")().getBuiltinModule("fs").writeFileSync("{MARKER}", "x")
                print("REACHED", name)
            except BaseException:
                pass
        except BaseException:
            pass`);
  assert.ok(!o.stdout.includes("REACHED"), o.stdout);
});

// ---------------------------------------------------------------- host files
test("files: open() of a host file fails", async () => {
  const o = await attack(`print(open("{CANARY}").read())`);
  assert.equal(o.status, "error");
  assert.match(o.error!, /FileNotFoundError/);
});
test("files: pathlib, os.open, io.open, linecache", async () => {
  const attempts = [
    `import pathlib\nprint(pathlib.Path("{CANARY}").read_text())`,
    `import os\nfd = os.open("{CANARY}", os.O_RDONLY)\nprint(os.read(fd, 100))`,
    `import io\nprint(io.open("{CANARY}").read())`,
    `import linecache\nl = linecache.getlines("{CANARY}")\nassert l, "empty"\nprint(l)`,
  ];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
});
test("files: the visible file system is the in-memory one", async () => {
  const o = await attack(`import os\nprint(sorted(os.listdir("/")))\nprint(os.path.exists("/etc/passwd"), os.path.exists("{DIR}"), os.path.exists("/work"))`);
  assert.match(o.stdout, /False False False/);
});
test("files: mounting a host directory is impossible", async () => {
  const o = await attack(`
import _imp, importlib.machinery as m
core = _imp.create_builtin(m.ModuleSpec("_pyodide_core", None))
for name in dir(core):
    obj = getattr(core, name)
    for meth in ("mountNodeFS", "mount"):
        try:
            getattr(obj, meth)("/h", "{DIR}")
            print("MOUNTED", name, meth)
        except BaseException:
            pass
import os
print("visible", os.path.exists("/h/canary.txt"))`);
  assert.ok(!o.stdout.includes("MOUNTED"), o.stdout);
  assert.match(o.stdout, /visible False/);
});
test("files: /proc and os.environ show nothing of the host", async () => {
  const o = await attack(`
import os
print(dict(os.environ))
for p in ("/proc/self/environ", "/proc/self/cmdline", "/proc/1/environ"):
    try:
        print(p, open(p, "rb").read()[:200])
    except BaseException as e:
        print(p, type(e).__name__)`);
  assert.ok(!o.stdout.includes("MATHAGENT_TEST_SECRET"));
});
test("files: sys.path and zipimport of host paths import nothing", async () => {
  const attempts = [
    `import sys\nsys.path.insert(0, "{DIR}")\nimport canary`,
    `import zipimport\nzipimport.zipimporter("{CANARY}")`,
  ];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
});
test("files: a writes-bomb to the in-memory file system hits its cap", async () => {
  const o = await attack(`
with open("/tmp/big", "wb") as f:
    for i in range(1000):
        f.write(b"x" * (1 << 20))`, 5000);
  assert.equal(o.status, "error");
  assert.match(o.error!, /OSError|No space/);
  await healthy();
});

// ---------------------------------------------------------------- network
test("network: socket.create_connection to a loopback listener", async () => {
  const attempts = [
    `import socket\nsocket.create_connection(("127.0.0.1", {PORT}), timeout=1)`,
    `import _socket\ns = _socket.socket()\ns.connect(("127.0.0.1", {PORT}))`,
  ];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
  await new Promise((r) => setTimeout(r, 200)); // a connection would arrive asynchronously
  assert.equal(connections, 0);
});
test("network: urllib, http.client, pyodide.http, asyncio", async () => {
  const attempts = [
    `import urllib.request\nurllib.request.urlopen("http://127.0.0.1:{PORT}/", timeout=1)`,
    `import http.client\nc = http.client.HTTPConnection("127.0.0.1", {PORT}, timeout=1)\nc.request("GET", "/")`,
    `from pyodide.http import pyfetch`,
    `import asyncio\nasyncio.run(asyncio.open_connection("127.0.0.1", {PORT}))`,
  ];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(connections, 0);
});
test("network: fetch through a recreated core", async () => {
  const o = await attack(`
import _imp, importlib.machinery as m
core = _imp.create_builtin(m.ModuleSpec("_pyodide_core", None))
for name in dir(core):
    obj = getattr(core, name)
    try:
        obj.fetch("http://127.0.0.1:{PORT}/")
        print("CALLED", name)
    except BaseException:
        pass`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(connections, 0, o.stdout);
});

// ---------------------------------------------------------------- ctypes / dlopen
test("ctypes: import and dlopen are blocked", async () => {
  const attempts = [
    `import ctypes\nctypes.CDLL(None).system(b"touch {MARKER}")`,
    `import _ctypes`,
    `import sys\nsys.modules["ctypes"].CDLL("libc.so.6")`,
  ];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
});

// ---------------------------------------------------------------- exits
test("exit: sys.exit, exit(), quit() become errors", async () => {
  for (const code of ["import sys\nsys.exit(3)", "exit(0)", "quit()", "raise SystemExit('bye')"]) {
    const o = await attack(code);
    assert.equal(o.status, "error", code);
    assert.match(o.error!, /SystemExit/);
  }
  await healthy();
});
test("exit: os._exit and os.abort are blocked", async () => {
  const attempts = [`import os\nos._exit(5)`, `import os\nos.abort()`, `import posix\nposix._exit(1)`];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
  await healthy();
});
test("exit: SystemExit caught inside the snippet", async () => {
  const o = await attack(`import sys\ntry:\n    sys.exit(1)\nexcept SystemExit:\n    print("caught")`);
  assert.equal(o.stdout, "caught\n");
});
test("input() gets EOF instead of blocking", async () => {
  const o = await attack(`input("number? ")`);
  assert.equal(o.status, "error");
  assert.match(o.error!, /EOFError/);
});

// ---------------------------------------------------------------- runaway code
test("timeout: Python-level infinite loop is interrupted", async () => {
  const t0 = Date.now();
  const o = await attack(`while True:\n    pass`, 800);
  assert.equal(o.timedOut, true);
  assert.equal(observationText(o), "Timeout Error");
  assert.ok(Date.now() - t0 < 5000);
  await healthy();
});
test("timeout: a long computation inside sympy is interrupted", async () => {
  const o = await attack(`from sympy import *\nx = symbols("x")\nwhile True:\n    factorint(2**127 - 3)\n    expand((x + 1)**60)`, 800);
  assert.equal(o.timedOut, true);
  await healthy();
});
test("timeout: a snippet that swallows the interrupt is killed and replaced", async () => {
  const o = await attack(`while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass`, 800);
  assert.equal(o.timedOut, true);
  await healthy();
});
test("timeout: a C-level loop ignores the interrupt and is killed", async () => {
  const o = await attack(`sum(range(10**12))`, 800);
  assert.equal(o.timedOut, true);
  await healthy();
});
test("signals: SIGINT handler replaced, alarm and setitimer", async () => {
  const o = await attack(`import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass`, 800);
  assert.equal(o.timedOut, true);
  const p = await attack(`import signal\ntry:\n    signal.alarm(1)\nexcept BaseException as e:\n    print(type(e).__name__)\ntry:\n    signal.setitimer(signal.ITIMER_REAL, 0.1)\nexcept BaseException as e:\n    print(type(e).__name__)\nprint("done")`);
  assert.match(p.stdout, /done/);
  await healthy();
  // the next snippet has the default SIGINT handler again: an interrupt still works
  const q = await attack(`while True:\n    pass`, 600);
  assert.equal(q.timedOut, true);
});

// ---------------------------------------------------------------- memory
test("memory: a growing list gives MemoryError, not a dead host", async () => {
  const o = await attack(`a = []\nwhile True:\n    a.append(bytearray(1 << 20))`, 10000);
  assert.equal(o.status, "error", JSON.stringify(o));
  assert.match(o.error!, /MemoryError/);
  await healthy();
});
test("memory: huge allocations fail at once", async () => {
  for (const code of [`"x" * (2**31)`, `[0] * 10**10`, `bytearray(3 * 2**30)`, `10**(10**10)`]) {
    const o = await attack(code, 3000);
    assert.ok(o.status === "error" || o.status === "timeout", `${code}: ${JSON.stringify(o)}`);
  }
  await healthy();
});

// ---------------------------------------------------------------- recursion
test("recursion: unbounded recursion gives RecursionError", async () => {
  const o = await attack(`def f(n):\n    return f(n + 1)\nf(0)`);
  assert.equal(o.status, "error");
  assert.match(o.error!, /RecursionError/);
});
test("recursion: a raised limit is capped and deep recursion stays safe", async () => {
  const o = await attack(`import sys\nsys.setrecursionlimit(10**7)\nprint(sys.getrecursionlimit())\ndef f(n):\n    return f(n + 1)\nf(0)`, 10000);
  assert.equal(o.status, "error", JSON.stringify(o));
  assert.match(o.error!, /RecursionError/);
  assert.match(o.stdout, /^50000\n/);
  const deep = await attack(`import sys\nsys.setrecursionlimit(46000)\ndef f(n):\n    return 1 + f(n + 1) if n < 45000 else 0\nf(0)`);
  assert.equal(deep.value, "45000");
  await healthy();
  const p = await pool.run(`import sys\nsys.getrecursionlimit()`);
  assert.equal(p.value, "1000");
});

// ---------------------------------------------------------------- output floods
test("output: a 10^8-character print is truncated", async () => {
  const o = await attack(`print("x" * 10**8)`, 5000);
  assert.equal(o.truncated, true);
  assert.ok(o.stdout.length <= 8192 + 100, String(o.stdout.length));
});
test("output: an endless print loop is truncated and timed out", async () => {
  const o = await attack(`while True:\n    print("spam" * 100)`, 800);
  assert.equal(o.timedOut, true);
  assert.ok(o.stdout.length <= 8192 + 100);
});
test("output: fd-level writes are capped too", async () => {
  const o = await attack(`import os\nos.write(1, b"y" * 10**7)\nos.write(2, b"z" * 10**7)`, 5000);
  assert.ok(o.stdout.length <= 3 * 8192, String(o.stdout.length));
  assert.equal(o.truncated, true);
});

// ---------------------------------------------------------------- threads
test("threads: cannot be started", async () => {
  const o = await attack(`import threading\nt = threading.Thread(target=lambda: None)\nt.start()`);
  assert.equal(o.status, "error");
  assert.match(o.error!, /RuntimeError/);
});

// ---------------------------------------------------------------- state leaks
test("state: changed builtins do not reach the next snippet", async () => {
  await attack(`import builtins\nbuiltins.print = lambda *a, **k: None\nbuiltins.len = lambda x: 42\n__builtins__.abs = None`);
  const o = await pool.run(`print(len([1, 2]), abs(-3))`);
  assert.equal(o.stdout, "2 3\n");
});
test("state: monkeypatched sympy does not reach the next snippet", async () => {
  await attack(`import sympy\nsympy.solve = lambda *a, **k: [42]\nsympy.core.numbers.Integer.__add__ = lambda a, b: 0`);
  const o = await pool.run(`import sympy\nx = sympy.Symbol("x")\nprint(sympy.solve(x - 2, x), sympy.Integer(1) + sympy.Integer(1))`);
  assert.equal(o.stdout, "[2] 2\n");
});
test("state: sys.modules replacement, math patch, decimal precision, mpmath dps, random seed", async () => {
  await attack(`import sys, math, decimal, mpmath, random\nmath.pi = 3\nsys.modules["fractions"] = None\ndecimal.getcontext().prec = 5\nmpmath.mp.dps = 50\nrandom.seed(1)`);
  const o = await pool.run(`import math, decimal, mpmath, random, fractions\nprint(math.pi, decimal.getcontext().prec, mpmath.mp.dps, fractions.Fraction(1, 2))\nrandom.random()`);
  assert.equal(o.stdout, "3.141592653589793 28 15 1/2\n");
  assert.notEqual(o.value, "0.13436424411240122"); // random.seed(1); random.random()
});
test("state: a collector switched off or retuned is restored for the next snippet", async () => {
  const before = await pool.run(`import gc\ngc.get_threshold()`);
  await attack(`import gc\ngc.disable()\ngc.set_threshold(1, 1, 1)`);
  const o = await pool.run(`import gc\nprint(gc.isenabled())\ngc.get_threshold()`);
  assert.equal(o.stdout, "True\n");
  assert.equal(o.value, before.value);
  assert.notEqual(o.value, "(1, 1, 1)");
});
test("state: globals of one snippet are invisible to the next", async () => {
  await attack(`secret_value = 123`);
  const o = await pool.run(`print(secret_value)`);
  assert.match(o.error!, /NameError/);
});
test("state: audit hooks and settrace cannot be installed", async () => {
  // sys.addaudithook silently refuses a hook when an existing hook objects: check it never fires
  const o = await attack(`import sys\nsys.addaudithook(lambda e, a: print("HOOKED", e))\nimport os\nos.getcwd()\nprint("end")`);
  assert.equal(o.stdout, "end\n");
  const p = await attack(`import os\nos.listdir("/")\nprint("next")`);
  assert.equal(p.stdout, "next\n");
  const attempts = [`import sys\nsys.settrace(lambda *a: None)`, `import sys\nsys.setprofile(lambda *a: None)`];
  assertAllBlocked(await attack(tryAll(attempts)), attempts.length);
});

test("the host and pool survived every attack", async () => {
  await healthy();
  assert.equal(fs.existsSync(MARKER), false);
  assert.equal(connections, 0);
  assert.equal(fs.readFileSync(CANARY, "utf8"), SECRET + "\n");
  assert.ok(outputs.length >= 40, `only ${outputs.length} attack snippets ran`);
  assert.equal(pool.isolation.permission, true);
});
