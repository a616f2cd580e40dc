/**
 * Rollout throughput: async (per-trajectory loop) vs barrier (the paper's turn-synchronous order)
 * against the scripted loopback server with heavy-tailed generation times and a capacity of C
 * concurrent generations, plus the engine's CPU time per trajectory.
 *
 *   node --import tsx bench/rollout.ts [--problems 64] [--samples 2] [--capacity 16] [--base-ms 40] [--cap-ms 1600]
 *                                       [--alpha 1.5] [--horizon 4] [--exec-ms 1] [--exec-cap-ms 160]
 *                                       [--repeats 1] [--inflight 2C]
 *
 * Times are scaled down about 125× from a real run (a 5 s median generation → 40 ms; the paper's
 * 20 s code time-out → 160 ms), so the figures are ratios, not absolute speeds.
 *
 * Both modes face the same server (it generates at most C requests at once and queues the rest)
 * and the same client limit: at most `--inflight` requests / trajectories in flight (default 2·C,
 * so the server's queue never runs dry while some trajectories are running code). Barrier mode
 * finishes turn t for every trajectory before turn t + 1, as the paper's batch loop does.
 *
 * The server runs in a child process so the CPU figures are the engine's (and its HTTP client's).
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { getTemplate, render, split } from "../src/chat/index.js";
import { HttpPolicy } from "../src/policy/index.js";
import { rollout } from "../src/rollout/index.js";
import { hash32 } from "../src/rollout/text.js";
import { projectPath } from "../src/paths.js";
import { FakeInterpreter, makeProblems, scriptedReply } from "../test/helpers/scripted-policy.js";
import { ScriptedServer } from "../test/helpers/scripted-server.js";

const { values } = parseArgs({
  options: {
    serve: { type: "boolean" },
    problems: { type: "string", default: "64" },
    samples: { type: "string", default: "2" },
    capacity: { type: "string", default: "16" },
    "base-ms": { type: "string", default: "40" },
    alpha: { type: "string", default: "1.5" },
    "cap-ms": { type: "string", default: "1600" },
    horizon: { type: "string", default: "4" },
    "exec-ms": { type: "string", default: "1" },
    "exec-cap-ms": { type: "string", default: "160" },
    repeats: { type: "string", default: "1" },
    inflight: { type: "string" },
  },
});
const family = "gemma";
const capacity = Number(values.capacity);

/** Pareto(alpha) time, deterministic per key so both modes see the same workload. */
function pareto(key: string, base: number, cap: number): number {
  const u = (hash32(key) + 1) / 4294967297;
  return Math.min(cap, base * Math.pow(u, -1 / Number(values.alpha)));
}
const genMs = (key: string) => pareto(key, Number(values["base-ms"]), Number(values["cap-ms"]));

/** The scripted interpreter with heavy-tailed run times (the cap plays the paper's 20 s code time-out, scaled). */
class BenchInterpreter extends FakeInterpreter {
  override async run(code: string) {
    const ms = pareto(`exec|${code}|${this.runs}`, Number(values["exec-ms"]), Number(values["exec-cap-ms"]));
    await new Promise((r) => setTimeout(r, ms));
    return super.run(code);
  }
}

if (values.serve) {
  const template = getTemplate(family);
  const server = await new ScriptedServer({
    respond: (r) => scriptedReply(template, r),
    delayMs: (r) => genMs(`${r.prompt}|${String(r.body.seed)}`),
    capacity,
  }).start();
  process.stdout.write(`${server.port}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
} else {
  const child = spawn(process.execPath, ["--import", "tsx", projectPath("bench", "rollout.ts"), "--serve", "--capacity", String(capacity), "--base-ms", values["base-ms"]!, "--alpha", values.alpha!, "--cap-ms", values["cap-ms"]!], {
    stdio: ["pipe", "pipe", "inherit"],
    cwd: projectPath(),
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d) => {
      buf += d;
      if (buf.includes("\n")) resolve(Number(buf.trim()));
    });
    child.on("exit", (c) => reject(new Error(`server exited with ${c}`)));
  });
  const problems = makeProblems(Number(values.problems));
  const samples = Number(values.samples);
  const horizon = Number(values.horizon);
  const template = getTemplate(family);
  const inflight = values.inflight ? Number(values.inflight) : 2 * capacity;
  const runOnce = async (mode: "async" | "barrier") => {
    const policy = new HttpPolicy({ endpoints: `http://127.0.0.1:${port}`, model: "scripted" });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const res = await rollout({ problems, policy, template, interpreter: () => new BenchInterpreter(), samples, horizon, temperature: 1, concurrency: inflight, mode, seed: 1 });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const n = res.trajectories.length;
    const turns = res.trajectories.reduce((a, t) => a + t.steps.length, 0);
    // lower bounds: all generation time spread over C slots; the longest single trajectory
    let total = 0;
    let longest = 0;
    for (const t of res.trajectories) {
      const conv = split(template, t.transcript);
      let own = 0;
      conv.turns.forEach((turn, i) => {
        if (turn.role !== "model") return;
        const prompt = render(template, { question: conv.question, turns: conv.turns.slice(0, i) }).text;
        own += genMs(`${prompt}|${t.seed}`);
      });
      total += own;
      longest = Math.max(longest, own);
    }
    const bound = Math.max(total / capacity, longest);
    return { n, turns, wall, bound, perSec: (n * 1000) / wall, cpuMsPerTraj: (cpu.user + cpu.system) / 1000 / n, transcripts: res.trajectories.map((t) => t.transcript) };
  };
  // warm-up (JIT, connection pool)
  await rollout({ problems: problems.slice(0, 4), policy: new HttpPolicy({ endpoints: `http://127.0.0.1:${port}`, model: "scripted" }), template, interpreter: () => new FakeInterpreter(), horizon, concurrency: capacity });
  const results: Record<string, Awaited<ReturnType<typeof runOnce>>[]> = { async: [], barrier: [] };
  for (let r = 0; r < Number(values.repeats); r++) {
    for (const mode of ["barrier", "async"] as const) results[mode]!.push(await runOnce(mode));
  }
  const best = (m: string) => results[m]!.reduce((a, b) => (b.perSec > a.perSec ? b : a));
  const a = best("async");
  const b = best("barrier");
  const same = a.transcripts.every((t, i) => t === b.transcripts[i]);
  console.log(
    `rollout bench: ${problems.length} problems × ${samples} samples = ${a.n} trajectories (${a.turns} model turns), ` +
      `server capacity C=${capacity} (client in flight ${inflight} in both modes), Pareto(α=${values.alpha}) generation times base ${values["base-ms"]} ms cap ${values["cap-ms"]} ms, ` +
      `code Pareto base ${values["exec-ms"]} ms cap ${values["exec-cap-ms"]} ms, horizon ${horizon}`,
  );
  for (const [name, x] of [["barrier", b], ["async", a]] as const) {
    console.log(`  ${name.padEnd(8)} ${x.perSec.toFixed(1).padStart(7)} traj/s   wall ${(x.wall / 1000).toFixed(2)} s   engine CPU ${x.cpuMsPerTraj.toFixed(2)} ms/trajectory`);
  }
  console.log(`  lower bound on wall time (max of Σ generation / C and the longest trajectory): ${(a.bound / 1000).toFixed(2)} s`);
  console.log(`  ratio async/barrier: ${(a.perSec / b.perSec).toFixed(2)}×   (goal ≥ 1.5×)   identical transcripts in both modes: ${same}`);
  child.stdin!.end();
}
