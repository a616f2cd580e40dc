import { test } from "node:test";
import assert from "node:assert/strict";
import { describeProtocol, PROTOCOL_NAMES, PROTOCOLS, resolveProtocol } from "../../src/rollout/protocol.js";
import { requestSeed } from "../../src/rollout/engine.js";

test("presets: the paper's scripts' values, each with a source", () => {
  const e = resolveProtocol("paper-eval");
  assert.deepEqual(
    [e.horizon, e.maxTokens, e.temperature, e.topP, e.topK, e.samples, e.seedMode, e.execution, e.codeTimeoutS],
    [4, 1024, 0, 1, -1, 1, "sample", "cells", 20],
  );
  const c = resolveProtocol("paper-collect");
  assert.deepEqual(
    [c.horizon, c.maxTokens, c.temperature, c.topP, c.topK, c.samples, c.seedMode, c.execution, c.codeTimeoutS],
    [6, 1024, 1, 1, -1, 30, "sample", "cells", 20],
  );
  for (const name of PROTOCOL_NAMES) {
    for (const [k, v] of Object.entries(PROTOCOLS[name])) {
      if (typeof v === "object") assert.ok(v.source.length > 10, `${name}.${k} names its source`);
    }
    assert.match(describeProtocol(name), /horizon = \d+ {2}\(inference\/scripts\/(eval|infer)\.sh/);
  }
});

test("explicit values override a preset and are listed", () => {
  const r = resolveProtocol("paper-collect", { horizon: 3, temperature: undefined, samples: 8 });
  assert.equal(r.horizon, 3);
  assert.equal(r.samples, 8);
  assert.equal(r.temperature, 1);
  assert.deepEqual(r.overridden.sort(), ["horizon", "samples"]);
  assert.equal(resolveProtocol("paper-eval", { topK: null }).topK, null, "null: send no top_k");
  assert.throws(() => resolveProtocol("paper-x" as "paper-eval"), /unknown protocol "paper-x"/);
});

test("request seeds: the run seed everywhere, seed + sample, or a hash per pair", () => {
  assert.equal(requestSeed("run", 7, "p1", 3), 7);
  assert.equal(requestSeed("sample", 7, "p1", 3), 10);
  const h = requestSeed("trajectory", 7, "p1", 3);
  assert.notEqual(h, requestSeed("trajectory", 7, "p2", 3));
  assert.equal(h, requestSeed("trajectory", 7, "p1", 3));
});
