import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { projectPath } from "../../src/paths.js";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Pids of running processes whose command line contains `needle`. */
function pidsWith(needle: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes(needle)) out.push(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** A notebook as the Notebook 6.4 page sends it after "insert cell": a new cell without an id, with trusted HTML output. */
const saved = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: "mathagent", display_name: "mathagent (TypeScript)", language: "typescript" } },
  cells: [
    { cell_type: "code", id: "c01", metadata: { trusted: true }, execution_count: 1, source: "1", outputs: [{ output_type: "display_data", metadata: {}, data: { "text/html": "<b>one</b>" } }] },
    { cell_type: "code", metadata: { trusted: true }, execution_count: 2, source: "2", outputs: [{ output_type: "display_data", metadata: {}, data: { "text/html": "<b>two</b>" } }] },
  ],
};

test("the project's pre_save_hook gives new cells ids, so the signed notebook is the saved one (trusted on reload)", () => {
  const script = `
import json, sys, nbformat
from nbformat.sign import NotebookNotary
from traitlets.config import Config
ns = {"get_config": lambda: Config()}
exec(open(sys.argv[1]).read(), ns)
hook = ns["c"].FileContentsManager.pre_save_hook
notary = NotebookNotary(data_dir=sys.argv[2], secret=b"s", store_factory=lambda: __import__("nbformat.sign", fromlist=["MemorySignatureStore"]).MemorySignatureStore())
def roundtrip(use_hook):
    model = {"type": "notebook", "content": json.loads(sys.argv[3])}
    if use_hook: hook(model=model, path="x.ipynb", contents_manager=None)
    nb = nbformat.from_dict(model["content"])
    assert notary.check_cells(nb)
    notary.sign(nb)
    back = nbformat.reads(nbformat.writes(nb), as_version=4)
    return notary.check_signature(back), [c.get("id") for c in back.cells]
print(json.dumps({"without": roundtrip(False), "with": roundtrip(True)}))
`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sign-"));
  const r = spawnSync("/usr/bin/python3", ["-c", script, projectPath("kernel", "config", "jupyter_notebook_config.py"), dir, JSON.stringify(saved)], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<"with" | "without", [boolean, string[]]>;
  assert.equal(out.without[0], false, "nbformat adds the id after signing: the bug this hook fixes");
  assert.equal(out.with[0], true);
  assert.equal(out.with[1][0], "c01");
  assert.match(out.with[1][1]!, /^[0-9a-f]{8}$/);
});

test("mathagent notebook: a saved notebook with a new cell reloads trusted; one Ctrl-C stops Jupyter and its kernels", async () => {
  const port = await freePort();
  const name = `live-test-${process.pid}.ipynb`;
  const file = projectPath("notebooks", name);
  // The terminal sends Ctrl-C to the whole foreground process group: run the CLI in a group of its own.
  const child = spawn(process.execPath, [projectPath("bin/mathagent.mjs"), "notebook", "--port", String(port), "--token", "t0k"], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  child.stdout.on("data", (b: Buffer) => (log += b));
  child.stderr.on("data", (b: Buffer) => (log += b));
  const closed = new Promise<number | null>((r) => child.once("close", r));
  const api = `http://127.0.0.1:${port}/api`;
  try {
    let up = false;
    for (let i = 0; i < 150 && !up; i++) up = await fetch(`${api}/status?token=t0k`).then((r) => r.ok, () => false) || (await new Promise((r) => setTimeout(r, 200)), false);
    assert.ok(up, `server did not answer:\n${log}`);
    const put = await fetch(`${api}/contents/notebooks/${name}?token=t0k`, { method: "PUT", body: JSON.stringify({ type: "notebook", format: "json", content: saved }) });
    assert.equal(put.status, 201, await put.text());
    const got = (await (await fetch(`${api}/contents/notebooks/${name}?token=t0k`)).json()) as { content: { cells: { id?: string; metadata: { trusted?: boolean } }[] } };
    assert.deepEqual(got.content.cells.map((c) => c.metadata.trusted), [true, true], `reloaded cells must be trusted:\n${log}`);
    assert.ok(got.content.cells.every((c) => typeof c.id === "string" && c.id !== ""));
    const started = await fetch(`${api}/kernels?token=t0k`, { method: "POST", body: JSON.stringify({ name: "mathagent" }) });
    assert.equal(started.status, 201);
    const kernel = (await started.json()) as { id: string };
    let kernelPids: number[] = [];
    for (let i = 0; i < 50 && kernelPids.length === 0; i++) {
      kernelPids = pidsWith(`kernel-${kernel.id}.json`);
      if (kernelPids.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(kernelPids.length > 0, "the kernel process was not found");
    process.kill(-child.pid!, "SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([closed, new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), 30_000)))]);
    clearTimeout(timer);
    assert.notEqual(code, "timeout", `one Ctrl-C did not stop it:\n${log}`);
    assert.doesNotMatch(log, /Event loop stopped before Future completed/);
    assert.deepEqual(pidsWith(`kernel-${kernel.id}.json`), [], `kernel still running after Ctrl-C:\n${log}`);
  } finally {
    fs.rmSync(file, { force: true });
    if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
  }
});
