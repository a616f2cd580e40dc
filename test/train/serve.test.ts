import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HttpPolicy } from "../../src/policy/index.js";
import { rollout } from "../../src/rollout/index.js";
import { syntheticProblems } from "../../src/data/synthetic.js";
import { TinyModel } from "../../src/tiny/model.js";
import { serveTiny } from "../../src/tiny/serve.js";
import { tinyTemplate } from "../../src/train/encode.js";
import { TinyPolicy } from "../../src/tiny/policy.js";
import { projectPath } from "../../src/paths.js";
import type { Interpreter, Observation } from "../../src/interpreter/index.js";
import { runCli } from "../helpers/cli.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-serve-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

function model(): TinyModel {
  const m = TinyModel.create({ dModel: 32, nLayers: 1, nHeads: 2, dFF: 64, maxLen: 160 }, 4);
  for (const [k, w] of m.weights) if (!k.endsWith("_g") && !k.endsWith("_b")) for (let i = 0; i < w.length; i++) w[i]! *= 25;
  m.setWeights(m.weights);
  return m;
}

class EchoInterpreter implements Interpreter {
  /** The paper's executor returns the last cell's output; this fake runs only that cell. */
  runCells(cells: string[]): Promise<Observation> {
    return this.run(cells[cells.length - 1] ?? "");
  }
  async run(code: string): Promise<Observation> {
    return { stdout: `${code.length}\n`, stderr: "", value: null, error: null, timedOut: false, truncated: false, durationMs: 0 };
  }
  async close(): Promise<void> {}
}

const opts = { template: tinyTemplate(), interpreter: new EchoInterpreter(), samples: 2, temperature: 1, maxTokens: 40, horizon: 3, seed: 5 };

test("over HTTP (serveTiny + HttpPolicy) the rollout engine gets the same trajectories as in process", async () => {
  const m = model();
  const problems = syntheticProblems({ split: "test", n: 4 });
  const direct = await rollout({ ...opts, problems, policy: new TinyPolicy(m) });
  const server = await serveTiny(m);
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const viaHttp = await rollout({ ...opts, problems, policy: new HttpPolicy({ endpoints: [server.url], retries: 0 }) });
    assert.deepEqual(viaHttp.trajectories.map((t) => t.transcript), direct.trajectories.map((t) => t.transcript));
    // Bad requests are answered, not crashed on.
    const bad = await fetch(server.url + "/v1/completions", { method: "POST", body: "{nope" });
    assert.equal(bad.status, 400);
    const bad2 = await fetch(server.url + "/v1/completions", { method: "POST", body: JSON.stringify({ prompt: 3 }) });
    assert.equal(bad2.status, 400);
    assert.match(((await bad2.json()) as { error: { message: string } }).error.message, /prompt/);
    const models = (await (await fetch(server.url + "/v1/models")).json()) as { data: { id: string }[] };
    assert.equal(models.data[0]!.id, "tiny");
  } finally {
    await server.close();
  }
});

test("mathagent serve --model DIR serves on 127.0.0.1; bad input exits with usage errors", async () => {
  const dir = path.join(tmp, "m");
  model().save(dir);
  const child = spawn(process.execPath, [projectPath("bin", "mathagent.mjs"), "serve", "--model", dir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (b: Buffer) => {
        out += b;
        const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on("exit", (c) => reject(new Error(`serve exited ${c}`)));
      // unref: a pending timer would hold the test file open for its whole minute
      setTimeout(() => reject(new Error("serve did not start")), 60000).unref();
    });
    const r = (await (
      await fetch(url + "/v1/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "tiny", prompt: "Question: 1\n\nAnswer: ", max_tokens: 5, temperature: 0, n: 2 }) })
    ).json()) as { choices: { text: string; finish_reason: string }[] };
    assert.equal(r.choices.length, 2);
    assert.equal(r.choices[0]!.text, r.choices[1]!.text);
  } finally {
    child.kill("SIGTERM");
  }
  const missing = await runCli(["serve", "--model", path.join(tmp, "none")]);
  assert.equal(missing.code, 1, "a missing model folder is a file error (src/io), not a usage error");
  assert.match(missing.stderr, /none: no such file/);
  const badPort = await runCli(["serve", "--port", "x"]);
  assert.equal(badPort.code, 2);
  const badTrain = await runCli(["train", "iterate", "--loss", "ppo"]);
  assert.equal(badTrain.code, 2);
  assert.match(badTrain.stderr, /--loss: expected one of mdpo, mkto, raft, found "ppo"/);
  const noAction = await runCli(["train"]);
  assert.equal(noAction.code, 2);
});
