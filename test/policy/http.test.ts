import { test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { getEventListeners } from "node:events";
import { HttpPolicy, PolicyError } from "../../src/policy/index.js";
import { ScriptedServer } from "../helpers/scripted-server.js";

async function server(opts: ConstructorParameters<typeof ScriptedServer>[0]) {
  return new ScriptedServer(opts).start();
}

test("openai: request body carries prompt, stop, seed, sampling; model asked from /v1/models", async () => {
  const s = await server({ respond: (r) => ({ text: `echo:${r.prompt}`, promptTokens: 3, completionTokens: 4 }), model: "gemma-7b" });
  const bodies: Record<string, unknown>[] = [];
  const orig = s["opts"].respond;
  s["opts"].respond = (r) => {
    bodies.push(r.body);
    return orig(r);
  };
  try {
    for (const url of [s.url, s.url + "/", s.url + "/v1", s.url + "/v1/completions"]) {
      const p = new HttpPolicy({ endpoints: url });
      assert.equal(p.name, `openai:?@${url}`);
      const out = await p.complete("hi", { stop: ["```output"], maxTokens: 7, temperature: 0.5, topP: 0.9, seed: 42 });
      assert.deepEqual(out, [{ text: "echo:hi", finishReason: "stop", promptTokens: 3, completionTokens: 4 }]);
      assert.equal(p.name, `openai:gemma-7b@${url}`);
    }
    assert.deepEqual(bodies[0], { model: "gemma-7b", prompt: "hi", n: 1, echo: false, max_tokens: 7, temperature: 0.5, top_p: 0.9, seed: 42, stop: ["```output"] });
    const n3 = await new HttpPolicy({ endpoints: s.url, model: "m" }).complete("q", { n: 3 });
    assert.equal(n3.length, 3);
    assert.equal(bodies.at(-1)!.model, "m");
  } finally {
    await s.close();
  }
});

test("vllm /generate: the echoed prompt is stripped", async () => {
  const s = await server({ respond: () => ({ text: " world" }) });
  try {
    const p = new HttpPolicy({ endpoints: s.url, api: "vllm-generate" });
    assert.deepEqual(await p.complete("hello", { n: 2 }), [
      { text: " world", finishReason: "stop" },
      { text: " world", finishReason: "stop" },
    ]);
  } finally {
    await s.close();
  }
});

test("finish_reason length is reported", async () => {
  const s = await server({ respond: () => ({ text: "cut", finishReason: "length" }) });
  try {
    const [c] = await new HttpPolicy({ endpoints: s.url, model: "m" }).complete("x");
    assert.equal(c!.finishReason, "length");
  } finally {
    await s.close();
  }
});

test("retries 5xx, resets, truncated JSON and hangs, then succeeds", async () => {
  const plan = ["http500", "reset", "truncated", "hang", "http503", "bad-shape", "reset-mid-body"] as const;
  const s = await server({ respond: () => ({ text: "ok" }), fault: (r) => plan[r.index] });
  try {
    const errors: string[] = [];
    const p = new HttpPolicy({ endpoints: s.url, model: "m", timeoutMs: 1000, backoffMs: 1, retries: 10, onRetry: (i) => errors.push(i.error) });
    const out = await p.complete("x");
    assert.equal(out[0]!.text, "ok");
    assert.equal(errors.length, plan.length);
    assert.match(errors[0]!, /HTTP 500/);
    assert.match(errors[2]!, /not valid JSON/);
    assert.match(errors[3]!, /no complete reply within 1000 ms/);
    assert.match(errors[5]!, /no string `text`/);
  } finally {
    await s.close();
  }
});

test("4xx is not retried; exhausted retries throw PolicyError naming the cause", async () => {
  const s = await server({ respond: () => ({ text: "ok" }), fault: (r) => (r.prompt === "bad" ? "http400" : "http500") });
  try {
    const p = new HttpPolicy({ endpoints: s.url, model: "m", backoffMs: 1, retries: 3 });
    const before = s.requests;
    await assert.rejects(p.complete("bad"), (e: unknown) => e instanceof PolicyError && e.kind === "http" && e.status === 400 && /injected http400/.test(e.message));
    assert.equal(s.requests - before, 1);
    await assert.rejects(p.complete("other"), (e: unknown) => e instanceof PolicyError && /after 4 attempts: HTTP 500/.test(e.message));
    assert.equal(s.requests - before, 5);
  } finally {
    await s.close();
  }
});

test("a non-JSON 200 from a plain server is a PolicyError, not a crash", async () => {
  const raw = http.createServer((_req, res) => res.end("<html>gateway</html>"));
  await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
  try {
    const p = new HttpPolicy({ endpoints: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, model: "m", retries: 1, backoffMs: 1 });
    await assert.rejects(p.complete("x"), (e: unknown) => e instanceof PolicyError && e.kind === "bad-response" && /gateway/.test(e.message));
  } finally {
    raw.close();
  }
});

test("abort rejects at once with AbortError, even during backoff or a hang", async () => {
  const s = await server({ respond: () => ({ text: "ok" }), fault: () => "hang" });
  try {
    const p = new HttpPolicy({ endpoints: s.url, model: "m", timeoutMs: 60_000 });
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p.complete("x", { signal: ac.signal }), (e: Error) => e.name === "AbortError");
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    await s.close();
  }
});

test("a long-lived caller signal keeps no listeners from finished requests", async () => {
  const s = await server({ respond: () => ({ text: "ok" }), fault: (r) => (r.index % 3 === 0 ? "http500" : undefined) });
  try {
    const p = new HttpPolicy({ endpoints: s.url, model: "m", backoffMs: 1 });
    const ac = new AbortController();
    for (let i = 0; i < 20; i++) await p.complete("x", { signal: ac.signal });
    assert.equal(getEventListeners(ac.signal, "abort").length, 0);
  } finally {
    await s.close();
  }
});

test("several endpoints: least outstanding requests, and a dead one is routed around", async () => {
  const fast = await server({ respond: () => ({ text: "fast" }), delayMs: () => 5 });
  const slow = await server({ respond: () => ({ text: "slow" }), delayMs: () => 200 });
  const dead = await server({ respond: () => ({ text: "dead" }) });
  const deadUrl = dead.url;
  await dead.close();
  try {
    const p = new HttpPolicy({ endpoints: [fast.url, slow.url, deadUrl], model: "m", backoffMs: 1, retries: 5 });
    // 30 requests, at most 3 at a time: the slow endpoint holds its request, the fast one serves the rest
    const texts: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        while (next < 30) {
          next++;
          texts.push((await p.complete("x"))[0]!.text);
        }
      }),
    );
    const nFast = texts.filter((t) => t === "fast").length;
    const nSlow = texts.filter((t) => t === "slow").length;
    assert.equal(nFast + nSlow, 30);
    assert.ok(nFast >= 20 && nSlow >= 1, `fast ${nFast}, slow ${nSlow}`);
    assert.deepEqual(p.outstanding(), [0, 0, 0]);
  } finally {
    await fast.close();
    await slow.close();
  }
});

test("bad endpoint URLs are rejected with a message", () => {
  assert.throws(() => new HttpPolicy({ endpoints: "localhost:8000" }), /http\(s\) URL|not a URL/);
  assert.throws(() => new HttpPolicy({ endpoints: " , " }), /at least one endpoint/);
});
