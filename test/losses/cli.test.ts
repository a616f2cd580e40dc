import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { command as lossCommand } from "../../src/cli/commands/loss.js";
import { command as backendCommand } from "../../src/cli/commands/backend.js";
import { UsageError, type CommandIO } from "../../src/cli/command.js";
import { normal, dpo64, SEED } from "./ref64.js";
import { seededRandom } from "../../src/random.js";

function io(stdinText = ""): { io: CommandIO; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let o = "";
  let e = "";
  stdout.on("data", (d) => (o += d));
  stderr.on("data", (d) => (e += d));
  stdin.end(stdinText);
  return { io: { stdout, stderr, stdin }, out: () => o, err: () => e };
}

function randomPairLine(r: () => number) {
  const T1 = 3 + Math.floor(r() * 8);
  const T2 = 3 + Math.floor(r() * 8);
  const lp = (n: number) => Array.from({ length: n }, () => -Math.abs(normal(r)) - 0.01);
  const mask = (n: number) => Array.from({ length: n }, (_, i) => (i < 2 ? 0 : 1));
  return { policy_chosen: lp(T1), policy_rejected: lp(T2), ref_chosen: lp(T1), ref_rejected: lp(T2), mask_chosen: mask(T1), mask_rejected: mask(T2) };
}

describe("mathagent loss", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mathagent-loss-"));
  const r = seededRandom(SEED);
  const rows = Array.from({ length: 5 }, () => randomPairLine(r));
  const file = path.join(dir, "batch.jsonl");
  fs.writeFileSync(file, rows.map((x, i) => JSON.stringify({ ...x, id: `p${i}` })).join("\n") + "\n");

  for (const loss of ["dpo", "ipo", "hinge"] as const) {
    it(`--loss ${loss}: per-pair losses, rewards and batch metrics match float64`, async () => {
      const t = io();
      const code = await lossCommand.run(["--input", file, "--loss", loss, "--beta", "0.25"], t.io);
      assert.equal(code, 0, t.err());
      const res = JSON.parse(t.out());
      const f = (a: number[]) => Float64Array.from(a.flat());
      const want = rows.map((x) =>
        dpo64(f(x.policy_chosen), f(x.policy_rejected), f(x.ref_chosen), f(x.ref_rejected), Float32Array.from(x.mask_chosen), Float32Array.from(x.mask_rejected), 1, {
          beta: 0.25,
          lossType: loss === "dpo" ? "sigmoid" : loss,
          labelSmoothing: 0,
          nllCoef: 0,
        }),
      );
      assert.equal(res.pairs.length, 5);
      res.pairs.forEach((p: { loss: number; chosen_reward: number; id: string; line: number }, i: number) => {
        assert.ok(Math.abs(p.loss - want[i]!.loss) < 1e-12, `pair ${i}`);
        assert.ok(Math.abs(p.chosen_reward - want[i]!.metrics["rewards/chosen"]) < 1e-12);
        assert.equal(p.id, `p${i}`);
        assert.equal(p.line, i + 1);
      });
      const meanLoss = want.reduce((a, w) => a + w.loss, 0) / 5;
      assert.ok(Math.abs(res.metrics.loss - meanLoss) < 1e-12);
      assert.equal(res.metrics.pairs, 5);
      assert.deepEqual(res.errors, []);
    });
  }

  it("--engine tfjs agrees with the float64 host engine", async () => {
    const a = io();
    const b = io();
    assert.equal(await lossCommand.run(["--input", file, "--metrics-only"], a.io), 0);
    assert.equal(await lossCommand.run(["--input", file, "--metrics-only", "--engine", "tfjs"], b.io), 0, b.err());
    const ma = JSON.parse(a.out()).metrics;
    const mb = JSON.parse(b.out()).metrics;
    for (const k of Object.keys(ma)) assert.ok(Math.abs(ma[k] - mb[k]) <= 1e-4 * Math.max(1, Math.abs(ma[k])), `${k}: ${ma[k]} vs ${mb[k]}`);
  });

  it("--loss kto from pair lines and single-trajectory lines (stdin)", async () => {
    const lines = [
      JSON.stringify(rows[0]),
      JSON.stringify({ policy: [-1, -2], ref: [-1.5, -2], mask: [1, 1], desirable: false }),
    ].join("\n");
    const t = io(lines);
    assert.equal(await lossCommand.run(["--input", "-", "--loss", "kto"], t.io), 0, t.err());
    const res = JSON.parse(t.out());
    assert.equal(res.examples.length, 3);
    assert.deepEqual(res.examples.map((e: { desirable: boolean }) => e.desirable), [true, false, false]);
    assert.equal(res.metrics.desirable, 1);
    assert.ok(res.metrics.kl >= 0);
  });

  it("bad lines never crash: each is named by file and line, the rest is computed, exit 1", async () => {
    const bad = path.join(dir, "bad.jsonl");
    fs.writeFileSync(
      bad,
      [
        JSON.stringify(rows[0]),
        "{not json",
        JSON.stringify({ ...rows[1], mask_chosen: rows[1]!.mask_chosen.map(() => 2) }),
        JSON.stringify({ ...rows[2], ref_rejected: [-1] }),
        "[1,2]",
        JSON.stringify({ ...rows[3], policy_chosen: rows[3]!.policy_chosen.map(() => "x") }),
        "",
        JSON.stringify(rows[4]),
      ].join("\n"),
    );
    const t = io();
    assert.equal(await lossCommand.run(["--input", bad], t.io), 1);
    const res = JSON.parse(t.out());
    assert.equal(res.pairs.length, 2);
    assert.deepEqual(res.pairs.map((p: { line: number }) => p.line), [1, 8]);
    assert.deepEqual(res.errors.map((e: { line: number }) => e.line), [2, 3, 4, 5, 6]);
    for (const l of [2, 3, 4, 5, 6]) assert.match(t.err(), new RegExp(`bad\\.jsonl:${l}: `));
    assert.match(t.err(), /mask\[0\] = 2/);
    assert.match(t.err(), /differ in length/);
    const inf = path.join(dir, "inf.jsonl");
    fs.writeFileSync(inf, JSON.stringify(rows[0]).replace(/"policy_chosen":\[[^,\]]+/, '"policy_chosen":[-1e999'));
    const u = io();
    assert.equal(await lossCommand.run(["--input", inf], u.io), 1);
    assert.match(u.err(), /"policy_chosen"\[0\] is -1e999 \(outside the float64 range\), not a finite number/);
  });

  it("user mistakes are usage errors", async () => {
    await assert.rejects(lossCommand.run([], io().io), UsageError);
    await assert.rejects(lossCommand.run(["--input", file, "--loss", "xyz"], io().io), UsageError);
    await assert.rejects(lossCommand.run(["--input", file, "--beta", "abc"], io().io), UsageError);
    await assert.rejects(lossCommand.run(["--input", path.join(dir, "missing.jsonl")], io().io), /missing\.jsonl: no such file/);
  });
});

describe("mathagent backend", () => {
  it("reports the chosen backend and why each other one was not chosen", async () => {
    const t = io();
    assert.equal(await backendCommand.run(["--json", "--only", "wasm,cpu", "--all"], t.io), 0);
    const rep = JSON.parse(t.out());
    assert.equal(rep.chosen, "wasm");
    const by = Object.fromEntries(rep.attempts.map((a: { name: string }) => [a.name, a]));
    assert.match(by["cpu"].reason, /works, but wasm comes first/);
    assert.match(by["webgpu"].reason, /not among the candidates/);
    assert.equal(rep.attempts.length, 5);
  });

  it("explains absent optional backends and runs the self-check", async () => {
    const t = io();
    assert.equal(await backendCommand.run(["--check", "--check-shape", "2,8,500"], t.io), 0, t.out());
    assert.match(t.out(), /chosen: /);
    assert.match(t.out(), /tensorflow-gpu/);
    assert.match(t.out(), /self-check on \w+ \[2,8,500\]: ok/);
  });

  it("rejects unknown backends", async () => {
    await assert.rejects(backendCommand.run(["--only", "tpu"], io().io), UsageError);
    await assert.rejects(backendCommand.run(["--check", "--check-shape", "3,8,500"], io().io), UsageError);
  });
});
