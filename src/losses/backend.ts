/**
 * TensorFlow.js backend selection at run time, with no hard dependency on native packages.
 *
 * Order: tfjs-node-gpu → tfjs-node (optional peers, used only when a user installed them) →
 * WebGPU (npm `webgpu` over a hardware adapter; a software adapter only when asked) → wasm → cpu.
 * Every candidate that is not chosen gets a reason, which `mathagent backend` prints.
 */
import * as tf from "@tensorflow/tfjs";

export type BackendName = "tensorflow-gpu" | "tensorflow" | "webgpu" | "wasm" | "cpu";

/** The order tried by `selectBackend` when none is forced. */
export const BACKEND_ORDER: readonly BackendName[] = ["tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"];

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was chosen, or why not. */
  reason: string;
}

export interface BackendReport {
  /** The backend now active in tfjs (`tf.getBackend()` value may be "tensorflow" for both native ones). */
  chosen: BackendName;
  /** The tfjs backend name (`tf.getBackend()`). */
  tfName: string;
  attempts: BackendAttempt[];
  /** Adapter description when WebGPU was probed and an adapter answered. */
  gpuAdapter?: Record<string, unknown>;
}

export interface SelectBackendOptions {
  /** Try only these, in this order (default `BACKEND_ORDER`). */
  candidates?: readonly BackendName[];
  /** Accept a software WebGPU adapter (lavapipe / SwiftShader); default: env MATHAGENT_ALLOW_SOFTWARE_GPU=1. */
  allowSoftwareGpu?: boolean;
  /** Stop at the first one that works (default true). false probes all and still activates the first that worked. */
  stopAtFirst?: boolean;
}

/** Environment variable that forces one backend (e.g. `MATHAGENT_BACKEND=cpu`). */
export const BACKEND_ENV = "MATHAGENT_BACKEND";

let lastReport: BackendReport | undefined;

function errMsg(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0]!.slice(0, 300);
}

/** Dynamic import by a name TypeScript does not resolve (optional peers). */
async function importOptional(name: string): Promise<unknown> {
  return import(name);
}

const nativeImport = new Function("s", "return import(s)") as (s: string) => Promise<unknown>;

function isNotInstalled(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

async function tryNative(pkg: string): Promise<string | null> {
  try {
    await importOptional(pkg);
  } catch (e) {
    return isNotInstalled(e) ? `${pkg} is not installed (optional peer; it needs libtensorflow at install time)` : `${pkg} failed to load: ${errMsg(e)}`;
  }
  if (!tf.findBackend("tensorflow")) return `${pkg} loaded but registered no "tensorflow" backend (two copies of @tensorflow/tfjs-core?)`;
  if (!(await tf.setBackend("tensorflow"))) return `${pkg}: setBackend("tensorflow") failed`;
  return null;
}

let webgpuAdapterInfo: Record<string, unknown> | undefined;

/** The Dawn instance behind tfjs's WebGPU device: kept for the process (if it is collected, reads hang). */
let webgpuInstance: unknown;

async function tryWebgpu(allowSoftware: boolean): Promise<string | null> {
  if (webgpuInstance && tf.findBackend("webgpu")) {
    return (await tf.setBackend("webgpu")) ? null : "setBackend(\"webgpu\") failed";
  }
  let mod: { create: (opts: string[]) => unknown; globals: Record<string, unknown> };
  try {
    // `webgpu` is ESM-only: a real dynamic import even where this file is compiled to CommonJS
    // (the notebook kernel), in which TypeScript would turn import() into require().
    mod = (await nativeImport("webgpu")) as typeof mod;
  } catch (e) {
    return isNotInstalled(e) ? "npm package `webgpu` (Dawn) is not installed" : `webgpu failed to load: ${errMsg(e)}`;
  }
  let gpu: { requestAdapter(): Promise<unknown> };
  let adapter: { info?: Record<string, unknown>; features?: unknown } | null;
  try {
    Object.assign(globalThis, mod.globals);
    gpu = mod.create([]) as typeof gpu;
    adapter = (await gpu.requestAdapter()) as typeof adapter;
  } catch (e) {
    return `WebGPU adapter request failed: ${errMsg(e)}`;
  }
  if (!adapter) return "WebGPU found no adapter (no Vulkan driver/ICD for a GPU; check `vulkaninfo --summary`)";
  const info = adapter.info ?? {};
  // Dawn's GPUAdapterInfo exposes its fields as getters: copy the known ones.
  webgpuAdapterInfo = {};
  for (const k of ["vendor", "architecture", "device", "description", "isFallbackAdapter", "backendType"]) {
    const v = (info as Record<string, unknown>)[k];
    if (v !== undefined && v !== "") webgpuAdapterInfo[k] = v;
  }
  const software = info["isFallbackAdapter"] === true || info["architecture"] === "software" || /llvmpipe|swiftshader|lavapipe/i.test(String(info["device"] ?? ""));
  if (software && !allowSoftware) {
    return `WebGPU adapter is software (${String(info["device"] ?? info["vendor"] ?? "?")}); set MATHAGENT_ALLOW_SOFTWARE_GPU=1 to use it`;
  }
  try {
    const g = globalThis as unknown as { navigator?: object };
    if (!g.navigator) Object.defineProperty(globalThis, "navigator", { value: {}, configurable: true, writable: true });
    Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true });
    webgpuInstance = gpu;
    // A literal specifier so that bundlers can include it; it is an optional peer (absent in CI).
    // @ts-ignore TS2307 when the package is not installed
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch (e) {
    return isNotInstalled(e) ? "@tensorflow/tfjs-backend-webgpu is not installed" : `tfjs-backend-webgpu failed to load: ${errMsg(e)}`;
  }
  if (!(await tf.setBackend("webgpu"))) return "setBackend(\"webgpu\") failed";
  return null;
}

async function tryWasm(): Promise<string | null> {
  try {
    await import("@tensorflow/tfjs-backend-wasm");
  } catch (e) {
    return `@tensorflow/tfjs-backend-wasm failed to load: ${errMsg(e)}`;
  }
  if (!(await tf.setBackend("wasm"))) return "setBackend(\"wasm\") failed";
  removeEmscriptenProcessHandlers();
  return null;
}

/**
 * The wasm module (Emscripten) registers process-wide `uncaughtException` / `unhandledRejection`
 * handlers that only rethrow, so that any later crash of the process (an EPIPE when the output is
 * piped to `head`, say) prints the whole minified wasm glue line. Node's own default does the same
 * thing readably: remove them.
 */
function removeEmscriptenProcessHandlers(): void {
  const rethrows = (l: (...args: never[]) => unknown) => {
    const src = Function.prototype.toString.call(l);
    return /ExitStatus/.test(src) || /^function\s*\(\w+\)\s*\{\s*throw \w+;?\s*\}$/.test(src);
  };
  for (const l of process.listeners("uncaughtException")) if (rethrows(l)) process.removeListener("uncaughtException", l);
  for (const l of process.listeners("unhandledRejection")) if (rethrows(l)) process.removeListener("unhandledRejection", l);
}

async function tryCpu(): Promise<string | null> {
  if (!(await tf.setBackend("cpu"))) return "setBackend(\"cpu\") failed";
  // The cpu backend prints an "install tfjs-node" banner on first use; we already said why not.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return null;
}

/**
 * Pick and activate the best backend that works here. Honours `MATHAGENT_BACKEND` (one name, or
 * a comma list) when `candidates` is not given.
 */
export async function selectBackend(opts: SelectBackendOptions = {}): Promise<BackendReport> {
  let candidates = opts.candidates;
  if (!candidates) {
    const env = process.env[BACKEND_ENV];
    candidates = env ? parseBackendList(env) : BACKEND_ORDER;
  }
  const allowSoftware = opts.allowSoftwareGpu ?? process.env["MATHAGENT_ALLOW_SOFTWARE_GPU"] === "1";
  const stopAtFirst = opts.stopAtFirst ?? true;
  const attempts: BackendAttempt[] = [];
  let chosen: BackendName | undefined;
  for (const name of BACKEND_ORDER) {
    if (!candidates.includes(name)) {
      attempts.push({ name, ok: false, reason: "not among the candidates asked for" });
      continue;
    }
    if (chosen && stopAtFirst) {
      attempts.push({ name, ok: false, reason: `not tried: ${chosen} was chosen first` });
      continue;
    }
    let why: string | null;
    try {
      if (name === "tensorflow-gpu") why = await tryNative("@tensorflow/tfjs-node-gpu");
      else if (name === "tensorflow") why = await tryNative("@tensorflow/tfjs-node");
      else if (name === "webgpu") why = await tryWebgpu(allowSoftware);
      else if (name === "wasm") why = await tryWasm();
      else why = await tryCpu();
    } catch (e) {
      why = errMsg(e);
    }
    if (why === null) {
      if (!chosen) {
        chosen = name;
        attempts.push({ name, ok: true, reason: "chosen: first in order that works" });
      } else {
        attempts.push({ name, ok: true, reason: `works, but ${chosen} comes first` });
      }
    } else {
      attempts.push({ name, ok: false, reason: why });
    }
  }
  if (!chosen) throw new Error(`no TensorFlow.js backend works among ${candidates.join(", ")}: ${attempts.map((a) => `${a.name}: ${a.reason}`).join("; ")}`);
  // Probing several may leave a later one active: re-activate the chosen one.
  await tf.setBackend(chosen === "tensorflow-gpu" ? "tensorflow" : chosen);
  await tf.ready();
  lastReport = { chosen, tfName: tf.getBackend(), attempts, ...(webgpuAdapterInfo ? { gpuAdapter: webgpuAdapterInfo } : {}) };
  return lastReport;
}

/** Parse "wasm,cpu" into backend names; throws on an unknown one. */
export function parseBackendList(s: string): BackendName[] {
  const out: BackendName[] = [];
  for (const raw of s.split(",")) {
    const n = raw.trim();
    if (!n) continue;
    const alias: Record<string, BackendName> = { "tfjs-node-gpu": "tensorflow-gpu", "tfjs-node": "tensorflow", node: "tensorflow", gpu: "webgpu" };
    const name = (alias[n] ?? n) as BackendName;
    if (!BACKEND_ORDER.includes(name)) throw new Error(`unknown backend "${n}"; expected one of ${BACKEND_ORDER.join(", ")}`);
    out.push(name);
  }
  if (out.length === 0) throw new Error("empty backend list");
  return out;
}

/** Activate one named backend (throws with the reason if it does not work). */
export async function useBackend(name: BackendName, opts: Omit<SelectBackendOptions, "candidates"> = {}): Promise<BackendReport> {
  return selectBackend({ ...opts, candidates: [name] });
}

/** Select once per process: returns the earlier report when a backend was already selected. */
export async function ensureBackend(opts: SelectBackendOptions = {}): Promise<BackendReport> {
  return lastReport ?? selectBackend(opts);
}

/** The report of the last `selectBackend` call, if any. */
export function lastBackendReport(): BackendReport | undefined {
  return lastReport;
}

export { tf };
