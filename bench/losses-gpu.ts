/**
 * GPU check of the loss utilities: which backend is chosen (and whether WebGPU found a hardware
 * adapter), then numerical self-checks against float64 on every backend that works, including the
 * per-backend gather / gradient forms and chunk sizes that are known to break on some backends.
 *
 *   node --import tsx bench/losses-gpu.ts            (see bench/losses-gpu.sh to run it on a GPU box)
 *
 * Prints one JSON line per check and a summary; exit 1 if a default configuration fails.
 */
import { selectBackend, tf, type BackendName } from "../src/losses/backend.js";
import { selfCheck } from "../src/losses/selfcheck.js";
import type { GatherMode, GradMode } from "../src/losses/logprobs.js";

const report = await selectBackend({ stopAtFirst: false });
console.log(JSON.stringify({ kind: "backend", ...report, tfjs: tf.version.tfjs }));
const working = report.attempts.filter((a) => a.ok).map((a) => a.name);

interface Cfg {
  shape: [number, number, number];
  gather?: GatherMode;
  grad?: GradMode;
  chunkMiB?: number;
  /** A configuration this backend must pass (the defaults); others are informative. */
  required: boolean;
}

const cfgs = (b: BackendName): Cfg[] => {
  const base: Cfg[] = [
    { shape: [2, 8, 1000], required: true },
    { shape: [2, 64, 32000], required: true },
    { shape: [4, 256, 32000], required: true }, // 125 MiB logits, the bench's first size
  ];
  if (b === "webgpu") {
    base.push(
      { shape: [2, 1024, 32000], required: true }, // 250 MiB: above lavapipe's 128 MiB binding limit
      { shape: [4, 256, 32000], grad: "scatter", required: false },
      { shape: [4, 256, 32000], gather: "flat", chunkMiB: 128, required: false }, // flat indices ≥ 2^24: wrong on webgpu per research
      { shape: [4, 256, 32000], gather: "batchDims", chunkMiB: 128, required: false },
      { shape: [4, 256, 32000], gather: "onehot", required: false },
    );
  }
  if (b === "cpu") return [{ shape: [2, 16, 32000], required: true }];
  return base;
};

let failed = 0;
for (const b of working) {
  await selectBackend({ candidates: [b] });
  for (const c of cfgs(b)) {
    const t0 = performance.now();
    let res: Record<string, unknown>;
    try {
      const r = await selfCheck({
        B: c.shape[0],
        T: c.shape[1],
        V: c.shape[2],
        ...(c.gather ? { gather: c.gather } : {}),
        ...(c.grad ? { grad: c.grad } : {}),
        ...(c.chunkMiB ? { chunkBytes: c.chunkMiB * 2 ** 20 } : {}),
      });
      res = { ...r };
      if (!r.ok && c.required) failed++;
    } catch (e) {
      res = { ok: false, error: (e as Error).message.split("\n")[0] };
      if (c.required) failed++;
    }
    console.log(JSON.stringify({ kind: "selfcheck", backend: b, ...c, wallMs: Math.round(performance.now() - t0), ...res }));
  }
}
console.log(JSON.stringify({ kind: "summary", working, failedRequired: failed }));
process.exitCode = failed ? 1 : 0;
