/**
 * Speed of the tiny policy against a PyTorch twin (bench/train-speed-twin.py: the same architecture
 * and weights, single-threaded), on three jobs of the shipped model's shape:
 *   (a) one SFT training step (forward + backward + Adam) of 16 × 160 tokens,
 *   (b) the prefill of a 75-token prompt,
 *   (c) greedy decoding (150 tokens after that prompt), tokens/s.
 * Prints each figure, PyTorch's, and the ratio; without an importable torch, ours only.
 *
 *   node --import tsx bench/train-speed.ts [--model data/tiny/sft] [--steps 12] [--python python3]
 *
 * The twin runs with torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1 and Debian's OpenBLAS on
 * LD_LIBRARY_PATH (where present), as the comparison in issue 19 was made.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { parseArgs } from "node:util";
import { getBackend } from "@tensorflow/tfjs";
import { ensureBackend } from "../src/losses/index.js";
import { projectPath } from "../src/paths.js";
import { seededRandom } from "../src/random.js";
import { argmax } from "../src/tiny/generate.js";
import { KVCache, TinyModel } from "../src/tiny/model.js";
import type { EncodedSequence } from "../src/train/encode.js";
import { sft } from "../src/train/trainer.js";

const { values } = parseArgs({ options: { model: { type: "string" }, steps: { type: "string" }, python: { type: "string" } } });
const modelDir = values.model ?? projectPath("data", "tiny", "sft");
const SHAPE = { batch: 16, len: 160, steps: Number(values.steps ?? 12), decode: 150, seed: 0 };
/** 74 characters: with the BOS, a 75-token prompt. */
const PROMPT = "Question: Kim has 43 shells and buys 35 more. How many shells now?\n\nAnswer";

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

/** `batch × steps` random sequences of `len` tokens, every label counted. */
function randomData(m: TinyModel): EncodedSequence[] {
  const r = seededRandom(SHAPE.seed);
  return Array.from({ length: SHAPE.batch * SHAPE.steps }, () => {
    const ids = Array.from({ length: SHAPE.len + 1 }, () => 4 + Math.floor(r() * (m.config.vocabSize - 4)));
    const ones = ids.slice(1).map(() => 1);
    return { inputIds: ids.slice(0, -1), labels: ids.slice(1), mask: ones, maskAll: ones };
  });
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Median wall and CPU time between consecutive steps, the first two (warm-up) left out. */
async function stepMs(m: TinyModel): Promise<{ stepMs: number; stepCpuMs: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  await sft(m.clone(), randomData(m), {
    batchSize: SHAPE.batch,
    lr: 1e-4,
    onStep: () => {
      wall.push(performance.now());
      cpu.push(cpuMs());
    },
  });
  const gaps = (a: number[]) => a.slice(2).map((t, i) => t - a[i + 1]!);
  return { stepMs: median(gaps(wall)), stepCpuMs: median(gaps(cpu)) };
}

function prefillMs(m: TinyModel, ids: number[]): number {
  const rt = m.runtime;
  for (let i = 0; i < 20; i++) rt.prefill(new KVCache(m.config), ids, true);
  const ts: number[] = [];
  for (let i = 0; i < 200; i++) {
    const c = new KVCache(m.config);
    const t0 = performance.now();
    rt.prefill(c, ids, true);
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

function decode(m: TinyModel, ids: number[]): { tokS: number; greedy: number[] } {
  const rt = m.runtime;
  const c = new KVCache(m.config);
  let lg = rt.prefill(c, ids, true)!;
  const greedy: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < SHAPE.decode; i++) {
    const t = argmax(lg);
    greedy.push(t);
    lg = rt.step(c, t, true)!;
  }
  return { tokS: SHAPE.decode / ((performance.now() - t0) / 1000), greedy };
}

interface Twin {
  torch: string;
  stepMs: number;
  stepCpuMs: number;
  prefillMs: number;
  decodeTokS: number;
  greedy: number[];
}

function pythonWithTorch(): string | null {
  for (const py of values.python ? [values.python] : ["python3", "/usr/bin/python3"]) {
    if (spawnSync(py, ["-c", "import torch"], { stdio: "ignore" }).status === 0) return py;
  }
  return null;
}

function runTwin(py: string, prompt: number[]): Twin {
  const blas = "/usr/lib/x86_64-linux-gnu/openblas-pthread";
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };
  if (fs.existsSync(blas)) env.LD_LIBRARY_PATH = [blas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const r = spawnSync(py, [projectPath("bench", "train-speed-twin.py"), modelDir, JSON.stringify({ ...SHAPE, prompt })], { env, encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/train-speed-twin.py exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Twin;
}

async function main(): Promise<void> {
  await ensureBackend();
  const m = TinyModel.load(modelDir);
  const prompt = [m.tokenizer.bosId!, ...m.tokenizer.encode(PROMPT)];
  console.log(`model ${modelDir}: d=${m.config.dModel}, ${m.config.nLayers} layers, ${m.parameterCount} parameters; tfjs backend ${getBackend()}; load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const ours = { ...(await stepMs(m)), prefillMs: prefillMs(m, prompt), ...decode(m, prompt) };
  const py = pythonWithTorch();
  const twin = py ? runTwin(py, prompt) : null;
  if (!twin) console.log("PyTorch: `import torch` fails (apt-get install python3-torch); ours only");
  const rows: [string, number, number | undefined, string][] = [
    [`training step ${SHAPE.batch}×${SHAPE.len} (ms)`, ours.stepMs, twin?.stepMs, "ours / torch"],
    [`training step ${SHAPE.batch}×${SHAPE.len} (CPU ms)`, ours.stepCpuMs, twin?.stepCpuMs, "ours / torch"],
    [`prefill ${prompt.length} tokens (ms)`, ours.prefillMs, twin?.prefillMs, "ours / torch"],
    [`greedy decoding (tokens/s)`, ours.tokS, twin?.decodeTokS, "ours / torch"],
  ];
  console.log(`| job | ours | PyTorch ${twin?.torch ?? "-"} (1 thread) | ratio ours/PyTorch |`);
  console.log("|---|---|---|---|");
  for (const [name, a, b] of rows) console.log(`| ${name} | ${a.toFixed(2)} | ${b === undefined ? "-" : b.toFixed(2)} | ${b === undefined ? "-" : (a / b).toFixed(2)} |`);
  if (twin) {
    let same = 0;
    while (same < ours.greedy.length && ours.greedy[same] === twin.greedy[same]) same++;
    console.log(`greedy tokens identical to the twin's for the first ${same} of ${ours.greedy.length}`);
  }
  console.log(`load after: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
}

await main();
