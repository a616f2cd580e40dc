/**
 * Benchmark of the loss utilities: forward and forward+backward time and peak tfjs memory of
 * token log-probs + masked M-DPO loss, the chunked analytic-gradient version ("fused") side by side
 * with the naive tfjs formulation (logSoftmax × oneHot with autodiff), per backend and size.
 *
 *   node --import tsx bench/losses.ts [--backends wasm,cpu] [--sizes 4x256x32000,2x1024x32000]
 *                                      [--reps 5] [--impls fused,naive] [--chunk-mib 32] [--json FILE]
 *
 * Default backends: every one that works here except cpu (10–30 s per run; ask with --backends cpu).
 * Batch = [chosen…, rejected…]; the mask zeroes the first 25% of tokens (prompt) and 50–60% (tool
 * output); reference log-probs are constants; β = 0.1. Times are medians after one warm-up run.
 * Each (backend, size, impl) runs in its own child process. Memory beyond the logits:
 * - "live+" (wasm only): peak of the live wasm allocations (malloc/free wrapped) minus those live
 *   before — the exact extra bytes the computation held at once;
 * - "heap+" (wasm only): growth of the wasm heap over the runs — what the process really took,
 *   an upper bound (the heap never shrinks, grows in 20% steps, and fragments);
 * - "tfjs+": tfjs's own peak accounting (`tf.profile().peakBytes` minus the bytes held before),
 *   which counts every tensor object, views (reshape/clone) included, so it overstates.
 */
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { selectBackend, parseBackendList, tf, type BackendName } from "../src/losses/backend.js";
import { tokenLogProbs, tokenLogProbsNaive } from "../src/losses/logprobs.js";
import { mdpoLoss } from "../src/losses/losses.js";

const { values } = parseArgs({
  options: {
    backends: { type: "string" },
    sizes: { type: "string", default: "4x256x32000,2x1024x32000" },
    reps: { type: "string", default: "5" },
    impls: { type: "string", default: "fused,naive" },
    "chunk-mib": { type: "string" },
    json: { type: "string" },
    "allow-software-gpu": { type: "boolean", default: false },
    child: { type: "string" },
  },
});

type Impl = "fused" | "naive";
const impls = values.impls!.split(",") as Impl[];
const reps = Math.max(1, Number(values.reps));
const sizes = values.sizes!.split(",").map((s) => s.split("x").map(Number) as [number, number, number]);
const chunkBytes = values["chunk-mib"] ? Number(values["chunk-mib"]) * 1024 * 1024 : undefined;

async function presentBackends(): Promise<BackendName[]> {
  if (values.backends) return parseBackendList(values.backends);
  const rep = await selectBackend({ candidates: ["tensorflow-gpu", "tensorflow", "webgpu", "wasm"], stopAtFirst: false, allowSoftwareGpu: values["allow-software-gpu"] });
  for (const a of rep.attempts) console.error(`# ${a.name}: ${a.reason}`);
  return rep.attempts.filter((a) => a.ok).map((a) => a.name);
}

interface Row {
  backend: string;
  size: string;
  impl: Impl;
  fwdMs: number;
  fwdBwdMs: number;
  fwdExtraMiB: number;
  fwdBwdExtraMiB: number;
  /** wasm heap growth over the forward runs / over all runs (MiB), wasm only. */
  fwdHeapMiB?: number;
  fwdBwdHeapMiB?: number;
  /** Peak live wasm allocations beyond what was live before (MiB), wasm only. */
  fwdLiveMiB?: number;
  fwdBwdLiveMiB?: number;
  maxRssMiB?: number;
  logitsMiB: number;
  ok: boolean;
  note?: string;
}

/**
 * Live wasm allocations, tracked by wrapping the module's malloc/free: the exact bytes the tensors
 * occupy (no heap-growth overshoot, no fragmentation). Returns null off wasm.
 */
function trackWasmAllocations(): { reset(): void; peakBytes(): number; liveBytes(): number } | null {
  if (tf.getBackend() !== "wasm") return null;
  const w = (tf.backend() as unknown as { wasm?: Record<string, unknown> }).wasm as { _malloc(n: number): number; _free(p: number): void } | undefined;
  if (!w || typeof w._malloc !== "function") return null;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  const malloc = w._malloc.bind(w);
  const free = w._free.bind(w);
  w._malloc = (n: number) => {
    const ptr = malloc(n);
    sizes.set(ptr, n);
    live += n;
    if (live > peak) peak = live;
    return ptr;
  };
  w._free = (ptr: number) => {
    const n = sizes.get(ptr);
    if (n !== undefined) {
      live -= n;
      sizes.delete(ptr);
    }
    free(ptr);
  };
  return { reset: () => void (peak = live), peakBytes: () => peak, liveBytes: () => live };
}

function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== "wasm") return undefined;
  const be = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return be.wasm?.HEAPU8?.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function run(backend: BackendName, [B, T, V]: [number, number, number], impl: Impl): Promise<Row> {
  const P = B / 2;
  const logitsMiB = (B * T * V * 4) / 2 ** 20;
  const x = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([B, T, V]), 2), 0));
  const y = tf.randomUniformInt([B, T], 0, V, "int32") as tf.Tensor2D;
  const maskArr = new Float32Array(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) maskArr[b * T + t] = t < T / 4 || (t >= T / 2 && t < 0.6 * T) ? 0 : 1;
  const mask = tf.tensor2d(maskArr, [B, T]);
  const ref = tf.tidy(() => tf.sub(tf.randomUniform([B, T], -6, 0), 0)) as tf.Tensor2D;
  const lp = (z: tf.Tensor) => (impl === "fused" ? tokenLogProbs(z, y, chunkBytes ? { chunkBytes } : {}) : tokenLogProbsNaive(z, y));
  const loss = (z: tf.Tensor) => {
    const l = lp(z);
    return mdpoLoss({
      policyChosen: tf.slice(l, [0, 0], [P, T]),
      policyRejected: tf.slice(l, [P, 0], [P, T]),
      refChosen: tf.slice(ref, [0, 0], [P, T]),
      refRejected: tf.slice(ref, [P, 0], [P, T]),
      maskChosen: tf.slice(mask, [0, 0], [P, T]),
      maskRejected: tf.slice(mask, [P, 0], [P, T]),
    }).loss;
  };
  const fwd = async () => {
    const v = tf.tidy(() => loss(x));
    await v.data();
    v.dispose();
  };
  const fwdBwd = async () => {
    const [v, g1] = tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad(loss)(x);
      return [value, tf.slice(grad, [0, 0, 0], [1, 1, 1])];
    });
    await Promise.all([v.data(), g1.data()]);
    tf.dispose([v, g1]);
  };
  const time = async (f: () => Promise<void>) => {
    await f(); // warm-up
    const ts: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      await f();
      ts.push(performance.now() - t0);
    }
    return median(ts);
  };
  const peak = async (f: () => Promise<void>) => {
    const before = tf.memory().numBytes;
    const prof = await tf.profile(f);
    return (prof.peakBytes - before) / 2 ** 20;
  };
  const heap0 = wasmHeapBytes();
  const allocs = trackWasmAllocations();
  // correctness guard: the loss must be finite (WebGPU over its binding limit returns garbage silently)
  const check = tf.tidy(() => loss(x));
  const lv = (await check.data())[0]!;
  check.dispose();
  const base = allocs?.liveBytes() ?? 0;
  allocs?.reset();
  const fwdMs = await time(fwd);
  const live1 = allocs ? (allocs.peakBytes() - base) / 2 ** 20 : undefined;
  const heap1 = wasmHeapBytes();
  allocs?.reset();
  const fwdBwdMs = await time(fwdBwd);
  const live2 = allocs ? (allocs.peakBytes() - base) / 2 ** 20 : undefined;
  const heap2 = wasmHeapBytes();
  const row: Row = {
    backend,
    size: `${B}x${T}x${V}`,
    impl,
    fwdMs,
    fwdBwdMs,
    fwdExtraMiB: await peak(fwd),
    fwdBwdExtraMiB: await peak(fwdBwd),
    ...(heap0 !== undefined ? { fwdHeapMiB: (heap1! - heap0) / 2 ** 20, fwdBwdHeapMiB: (heap2! - heap0) / 2 ** 20 } : {}),
    ...(live1 !== undefined ? { fwdLiveMiB: live1, fwdBwdLiveMiB: live2! } : {}),
    logitsMiB,
    ok: Number.isFinite(lv),
    ...(Number.isFinite(lv) ? {} : { note: `loss is ${lv}` }),
  };
  tf.dispose([x, y, mask, ref]);
  return row;
}

if (values.child) {
  // child: one configuration, JSON on stdout
  const [backend, size, impl] = values.child.split(":") as [BackendName, string, Impl];
  await selectBackend({ candidates: [backend], allowSoftwareGpu: values["allow-software-gpu"] });
  const r = await run(backend, size.split("x").map(Number) as [number, number, number], impl);
  r.maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(r) + "\n");
  process.exit(0);
}

const rows: Row[] = [];
const backends = await presentBackends();
console.error(`# backends: ${backends.join(", ")}; sizes ${values.sizes}; reps ${reps}; chunk ${chunkBytes ? chunkBytes / 2 ** 20 + " MiB" : "default"}`);
console.log("| backend | B×T×V | impl | fwd ms | fwd+bwd ms | live+ MiB fwd / fwd+bwd (× logits) | heap+ MiB fwd / fwd+bwd | tfjs+ MiB fwd / fwd+bwd | maxRSS MiB | loss finite |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
const f = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(0) : "–");
for (const backend of backends) {
  for (const size of sizes) {
    for (const impl of impls) {
      const args = [...process.execArgv, process.argv[1]!, "--child", `${backend}:${size.join("x")}:${impl}`, "--reps", String(reps)];
      if (chunkBytes) args.push("--chunk-mib", String(chunkBytes / 2 ** 20));
      if (values["allow-software-gpu"]) args.push("--allow-software-gpu");
      const res = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 24 });
      let r: Row;
      try {
        r = JSON.parse(res.stdout.trim().split("\n").pop()!) as Row;
      } catch {
        const why = (res.stderr || res.error?.message || `exit ${res.status}`).trim().split("\n").slice(-1)[0];
        r = { backend, size: size.join("x"), impl, fwdMs: NaN, fwdBwdMs: NaN, fwdExtraMiB: NaN, fwdBwdExtraMiB: NaN, logitsMiB: (size[0] * size[1] * size[2] * 4) / 2 ** 20, ok: false, note: why };
      }
      rows.push(r);
      const heap = r.fwdHeapMiB !== undefined ? `${f(r.fwdHeapMiB)} / ${f(r.fwdBwdHeapMiB)}` : "–";
      const live = r.fwdLiveMiB !== undefined ? `${f(r.fwdLiveMiB)} / ${f(r.fwdBwdLiveMiB)} (${(r.fwdBwdLiveMiB! / r.logitsMiB).toFixed(1)}×)` : "–";
      console.log(`| ${r.backend} | ${r.size} | ${r.impl} | ${f(r.fwdMs)} | ${f(r.fwdBwdMs)} | ${live} | ${heap} | ${f(r.fwdExtraMiB)} / ${f(r.fwdBwdExtraMiB)} | ${f(r.maxRssMiB)} | ${r.ok ? "yes" : `NO ${r.note ?? ""}`} |`);
    }
  }
}
if (values.json) fs.writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
