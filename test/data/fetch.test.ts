import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { fetchDatasets, readManifest, verifyDatasets } from "../../src/data/index.js";
import { sharedDataDir } from "../helpers/env.js";

const shared = sharedDataDir();

/** A loopback mirror serving the shared files, with chosen paths corrupted. */
async function mirror(corrupt: Set<string>): Promise<{ url: string; hits: string[]; close: () => Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(req.url!.slice(1));
    hits.push(rel);
    const file = path.join(shared, rel);
    if (!fs.existsSync(file)) return res.writeHead(404).end();
    const bytes = fs.readFileSync(file);
    if (corrupt.has(rel)) bytes[100] = bytes[100]! ^ 1;
    res.writeHead(200).end(bytes);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise((r) => server.close(() => r())) };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-fetch-"));

test("fetch downloads every file, verifies it, and skips files already present", async () => {
  const dir = tmp();
  const m = await mirror(new Set());
  try {
    const statuses = await fetchDatasets({ dir, mirror: m.url });
    assert.deepEqual(statuses.map((s) => s.state), readManifest().map(() => "ok"));
    assert.equal(m.hits.length, readManifest().length);
    await fetchDatasets({ dir, mirror: m.url });
    assert.equal(m.hits.length, readManifest().length, "a second fetch downloads nothing");
  } finally {
    await m.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a corrupted download is caught by its checksum and nothing is written", async () => {
  const dir = tmp();
  const m = await mirror(new Set(["gsm8k/train.jsonl"]));
  try {
    await assert.rejects(fetchDatasets({ dir, mirror: m.url }), /gsm8k\/train\.jsonl .* fails its checksum/);
    assert.ok(fs.existsSync(path.join(dir, "gsm8k/test.jsonl")));
    assert.deepEqual(fs.readdirSync(path.join(dir, "gsm8k")), ["test.jsonl"]);
  } finally {
    await m.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a corrupted file on disk is reported by verify and replaced by fetch", async () => {
  const dir = tmp();
  const m = await mirror(new Set());
  try {
    await fetchDatasets({ dir, mirror: m.url });
    const file = path.join(dir, "math/test.jsonl");
    fs.appendFileSync(file, "\n");
    const status = verifyDatasets(dir).find((s) => s.path === "math/test.jsonl")!;
    assert.equal(status.state, "corrupted");
    await fetchDatasets({ dir, mirror: m.url });
    assert.equal(verifyDatasets(dir).find((s) => s.path === "math/test.jsonl")!.state, "ok");
  } finally {
    await m.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("offline, fetch fails fast with a message saying what to do", async () => {
  const dir = tmp();
  const m = await mirror(new Set());
  await m.close(); // nothing listens on this port any more
  const t0 = performance.now();
  await assert.rejects(fetchDatasets({ dir, mirror: m.url }), /could not download gsm8k\/test\.jsonl .*ECONNREFUSED.*MATHAGENT_DATA_DIR/s);
  assert.ok(performance.now() - t0 < 5000);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a fetch killed mid-download leaves no partial file; the next fetch removes dead temporaries and completes", async () => {
  const { spawn } = await import("node:child_process");
  const dir = tmp();
  let served = 0;
  const server = http.createServer((req, res) => {
    const bytes = fs.readFileSync(path.join(shared, decodeURIComponent(req.url!.slice(1))));
    served++;
    res.writeHead(200, { "content-length": bytes.length });
    res.write(bytes.subarray(0, 1000)); // then stall: the kill lands mid-download
    if (served > 1) res.end(bytes.subarray(1000));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "../../src/cli/main.ts"), "data", "fetch", "--dir", dir, "--mirror", url], { stdio: "ignore" });
    while (served === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    fs.mkdirSync(path.join(dir, "gsm8k"), { recursive: true });
    fs.writeFileSync(path.join(dir, "gsm8k", `test.jsonl.tmp-${child.pid}-1`), "debris of the killed process");
    assert.ok(!fs.existsSync(path.join(dir, "gsm8k", "test.jsonl")), "nothing partial in place");
    const statuses = await fetchDatasets({ dir, mirror: url });
    assert.deepEqual(statuses.map((s) => s.state), readManifest().map(() => "ok"));
    const left = fs.readdirSync(dir, { recursive: true }).map(String).filter((n) => /\.(tmp|part)-/.test(n));
    assert.deepEqual(left, []);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
