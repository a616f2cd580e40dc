// The outer layer on its own: a script run under the very command line PyodidePool uses for its
// host process must be unable to read host files, write, spawn processes, reach the network, see
// the parent's environment or generate code from strings.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { lockdownCommand, probeUnshare } from "../../src/interpreter/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-lockdown-"));
const probeDir = path.join(dir, "probe");
const CANARY = path.join(dir, "canary.txt");
const MARKER = path.join(dir, "marker");
let server: net.Server;
let port = 0;
let connections = 0;

const PROBE = `
import fs from "node:fs";
import net from "node:net";
const [canary, marker, port] = process.argv.slice(2);
const out = {};
const attempt = async (name, fn) => { try { out[name] = "ALLOWED " + String(await fn()).slice(0, 80); } catch (e) { out[name] = "denied " + (e.code || e.name); } };
await attempt("read", () => fs.readFileSync(canary, "utf8"));
await attempt("write", () => fs.writeFileSync(marker, "x"));
await attempt("child_process", async () => (await import("node:child_process")).execSync("touch " + marker));
await attempt("function", () => new Function("return 1")());
await attempt("eval", () => eval("1 + 1"));
await attempt("connect", () => new Promise((resolve, reject) => {
  const s = net.connect(Number(port), "127.0.0.1", () => { s.destroy(); resolve("connected"); });
  s.on("error", reject);
  setTimeout(() => reject(Object.assign(new Error("t"), { code: "TIMEOUT" })), 2000);
}));
out.env = Object.keys(process.env).join(",");
console.log(JSON.stringify(out));
`;

before(async () => {
  fs.mkdirSync(probeDir);
  fs.writeFileSync(path.join(probeDir, "probe.mjs"), PROBE);
  fs.writeFileSync(CANARY, "secret");
  server = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as net.AddressInfo).port;
});
after(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function runLocked(isolation: "auto" | "none"): Promise<Record<string, string>> {
  process.env.MATHAGENT_PARENT_ONLY = "1";
  const { cmd, args, env } = lockdownCommand(path.join(probeDir, "probe.mjs"), [probeDir], isolation, () => {});
  delete process.env.MATHAGENT_PARENT_ONLY;
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, [...args, CANARY, MARKER, String(port)], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", () => {
      try {
        resolve(JSON.parse(out.trim().split("\n").pop()!));
      } catch {
        reject(new Error(`probe failed: ${out} ${err}`));
      }
    });
  });
}

test("the locked-down host process can do none of the dangerous things", async () => {
  const r = await runLocked("auto");
  assert.match(r.read!, /^denied ERR_ACCESS_DENIED/);
  assert.match(r.write!, /^denied ERR_ACCESS_DENIED/);
  assert.match(r.child_process!, /^denied ERR_ACCESS_DENIED/);
  assert.match(r.function!, /^denied EvalError/);
  assert.match(r.eval!, /^denied EvalError/);
  assert.equal(r.env, "");
  assert.equal(fs.existsSync(MARKER), false);
  if (probeUnshare()) {
    assert.match(r.connect!, /^denied /);
    assert.equal(connections, 0);
  }
});

test("control: the same probe without the lockdown is allowed everything (the probe can tell)", async () => {
  const r = await runLocked("none");
  assert.match(r.read!, /^ALLOWED secret/);
  assert.match(r.connect!, /^ALLOWED connected/);
  assert.ok(r.env!.includes("PATH"));
  fs.rmSync(MARKER, { force: true });
});
