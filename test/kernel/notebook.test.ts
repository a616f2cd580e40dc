import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as net from "node:net";
import WebSocket from "ws";
import { projectPath } from "../../src/paths.js";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Sends one execute_request over the Notebook server's websocket and returns the cell's stdout. */
function executeOverWebSocket(url: string, code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const msgId = randomUUID();
    let stdout = "";
    const timer = setTimeout(() => (ws.close(), reject(new Error(`no reply; stdout so far: ${stdout}`))), 30_000);
    ws.on("open", () =>
      ws.send(JSON.stringify({
        header: { msg_id: msgId, msg_type: "execute_request", username: "test", session: randomUUID(), version: "5.3" },
        parent_header: {}, metadata: {}, channel: "shell",
        content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false },
      })),
    );
    ws.on("message", (raw: Buffer) => {
      const msg = JSON.parse(raw.toString()) as { msg_type: string; parent_header: { msg_id?: string }; content: { name?: string; text?: string; execution_state?: string } };
      if (msg.parent_header.msg_id !== msgId) return;
      if (msg.msg_type === "stream" && msg.content.name === "stdout") stdout += msg.content.text;
      if (msg.msg_type === "status" && msg.content.execution_state === "idle") {
        clearTimeout(timer);
        ws.close();
        resolve(stdout);
      }
    });
    ws.on("error", reject);
  });
}

test("mathagent notebook serves on 127.0.0.1 with the mathagent kernel and starts it", async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [projectPath("bin/mathagent.mjs"), "notebook", "--port", String(port), "--token", "t0k"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (b: Buffer) => (log += b));
  child.stderr.on("data", (b: Buffer) => (log += b));
  const base = `http://127.0.0.1:${port}/api`;
  try {
    let specs: { kernelspecs: Record<string, { spec: { display_name: string } }> } | undefined;
    for (let i = 0; i < 100 && !specs; i++) {
      try {
        const res = await fetch(`${base}/kernelspecs?token=t0k`);
        if (res.ok) specs = (await res.json()) as typeof specs;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.ok(specs, `server did not answer:\n${log}`);
    assert.equal(specs.kernelspecs["mathagent"]?.spec.display_name, "mathagent (TypeScript)");
    const started = await fetch(`${base}/kernels?token=t0k`, { method: "POST", body: JSON.stringify({ name: "mathagent" }) });
    assert.equal(started.status, 201);
    const kernel = (await started.json()) as { id: string };
    assert.equal(await executeOverWebSocket(`ws://127.0.0.1:${port}/api/kernels/${kernel.id}/channels?token=t0k`, "console.log(6 * 7)"), "42\n");
    assert.equal((await fetch(`${base}/kernels/${kernel.id}?token=t0k`, { method: "DELETE" })).status, 204);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("close", r));
  }
});
