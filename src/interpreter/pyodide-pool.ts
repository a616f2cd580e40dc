import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BasePool, abortError, type Job, type RawResult, sharedPoolOptions } from "./base.js";
import { bundleZip, cacheDir, pyodideDir, runtimeDir, snapshotFile } from "./locate.js";
import { projectPath } from "../paths.js";
import { resolveHostNode, type HostNode } from "./runtime/host-node.cjs";

export interface PyodidePoolOptions {
  /** Worker threads, one interpreter each. Default: min(2, cores). */
  workers?: number;
  /** Default per-snippet time limit (ms). Default 20000, the paper's. */
  timeoutMs?: number;
  /** After the interrupt, how long to wait before killing the worker (ms). Default 1000. */
  graceMs?: number;
  /** Cap on kept stdout and on kept stderr (characters), the rest is counted and cut. Default 8192. */
  maxOutputBytes?: number;
  /** wasm linear memory cap per interpreter (MiB): past it Python raises MemoryError. Default 1024. */
  memoryLimitMb?: number;
  /** Total bytes a snippet-run interpreter may write to its in-memory files (MiB). Default 64. */
  fsLimitMb?: number;
  /**
   * Replace an interpreter after this many snippets (the replacement starts first, so there is no
   * gap; the first replacements are staggered across workers). Default 2000: a worker start costs
   * about half a CPU-second, taken from the running workers on a small machine.
   */
  maxJobsPerWorker?: number;
  /** Replace an interpreter whose wasm heap grew past this (MiB; it never shrinks). Default 512. */
  maxHeapMb?: number;
  /** Ceiling for sys.setrecursionlimit (the worker thread has a 64 MB stack). Default 50000. */
  maxRecursion?: number;
  /** Start workers from the memory snapshot when setup built one. Default true. */
  snapshot?: boolean;
  /**
   * Outer layer. "auto" (default): Node permission model + empty environment + `unshare -rn`
   * when the OS allows it, each missing piece logged as a warning. "strict": throw instead of
   * falling back. "none": a plain child process (tests of the inner layer only).
   */
  isolation?: "auto" | "strict" | "none";
  /** Where warnings go. Default: console.warn with a prefix. */
  log?: (level: "info" | "warn", message: string) => void;
}

interface Pending {
  resolve: (r: RawResult) => void;
  reject: (e: unknown) => void;
  onAbort?: () => void;
  signal?: AbortSignal;
}

/** What the host process sends over its IPC channel (runtime/host.mjs). */
type HostMessage =
  | { type: "ready"; spawnMs: number[]; snapshot: boolean }
  | { type: "result"; id: number; res: RawResult }
  | { type: "log"; level: "info" | "warn"; msg: string }
  | { type: "fatal"; error: string }
  | { type: "stats"; stats: unknown };

let hostNoteShown = false; // once per process, not once per pool
let unshareProbe: string | null | undefined;
/** Absolute path of a working `unshare` that can make a user+network namespace, or null. */
export function probeUnshare(): string | null {
  if (unshareProbe !== undefined) return unshareProbe;
  unshareProbe = null;
  if (process.platform !== "linux") return null;
  for (const p of ["/usr/bin/unshare", "/bin/unshare"]) {
    if (!fs.existsSync(p)) continue;
    const r = spawnSync(p, ["-rn", "/bin/true"], { env: {}, stdio: "ignore", timeout: 10000 });
    if (r.status === 0) unshareProbe = p;
    break;
  }
  return unshareProbe;
}

/** The permission-model flag of a Node version (20: --experimental-permission; 22+: --permission). */
function permissionFlag(version: string): string | null {
  const major = Number(version.split(".")[0]);
  if (major >= 22) return "--permission";
  if (major === 20) return "--experimental-permission";
  return null;
}

/**
 * The command line that runs `script` in the locked-down executor process (the outer layer):
 * Node's permission model (read-only access to `readable` folders, worker threads allowed; no
 * writes, child processes or addons), no code generation from strings, an empty environment, and
 * `unshare -rn` (new user + network namespace: no network) when the OS allows it. Each missing
 * piece is reported through `warn` (which may throw, for isolation "strict").
 */
export function lockdownCommand(
  script: string,
  readable: string[],
  isolation: "auto" | "strict" | "none" = "auto",
  warn: (message: string) => void = (m) => console.warn(`[mathagent interpreter] ${m}`),
  node: { path: string; version: string } = resolveHostNode(),
): { cmd: string; args: string[]; env: NodeJS.ProcessEnv; isolation: { permission: boolean; network: boolean; emptyEnv: boolean } } {
  const nodeArgs = ["--no-warnings"];
  let cmd = node.path;
  let args: string[] = [];
  const iso = { permission: false, network: false, emptyEnv: isolation !== "none" };
  if (isolation !== "none") {
    const flag = permissionFlag(node.version);
    if (flag) {
      const dirs = new Set(readable.map((p) => path.resolve(p) + path.sep));
      nodeArgs.push(flag, ...[...dirs].map((p) => `--allow-fs-read=${p}`), "--allow-worker");
      iso.permission = true;
    } else {
      warn("this Node has no permission model: the interpreter host can read files and spawn processes");
    }
    nodeArgs.push("--disallow-code-generation-from-strings");
    const unshare = probeUnshare();
    if (unshare) {
      cmd = unshare;
      args = ["-rn", node.path];
      iso.network = true;
    } else {
      warn("`unshare -rn` is not available here: the interpreter host keeps network access (the inner layer still blocks sockets)");
    }
  }
  args.push(...nodeArgs, script);
  return { cmd, args, env: isolation === "none" ? { ...process.env } : {}, isolation: iso };
}

/**
 * The sandboxed Python interpreter: Pyodide (CPython compiled to wasm) in worker threads inside a
 * locked-down child process. See docs/interpreter.md for the hardening and the semantics.
 */
export class PyodidePool extends BasePool {
  readonly options: Required<Omit<PyodidePoolOptions, "log">> & Pick<PyodidePoolOptions, "log">;
  protected readonly defaultTimeoutMs: number;
  protected readonly defaultMaxOut: number;
  /** What the outer layer could apply, filled when the host starts. */
  isolation: { permission: boolean; network: boolean; emptyEnv: boolean } = { permission: false, network: false, emptyEnv: false };
  /** The Node that runs the host process (see runtime/host-node.cjs), filled when the host starts. */
  hostNode: HostNode | null = null;
  /** Worker start times (ms) reported by the host, and whether the snapshot was used. */
  readonly startup: { spawnMs: number[]; snapshot: boolean | null; hostReadyMs: number | null } = {
    spawnMs: [],
    snapshot: null,
    hostReadyMs: null,
  };
  private child: ChildProcess | null = null;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private readyPromise: Promise<void> | null = null;
  private fatal: Error | null = null;
  private hostStart = 0;

  constructor(options: PyodidePoolOptions = {}) {
    super();
    this.options = {
      ...sharedPoolOptions(options),
      memoryLimitMb: options.memoryLimitMb ?? 1024,
      fsLimitMb: options.fsLimitMb ?? 64,
      maxHeapMb: options.maxHeapMb ?? 512,
      maxRecursion: options.maxRecursion ?? 50000,
      snapshot: options.snapshot ?? true,
      isolation: options.isolation ?? "auto",
      log: options.log,
    };
    this.defaultTimeoutMs = this.options.timeoutMs;
    this.defaultMaxOut = this.options.maxOutputBytes;
  }

  private log(level: "info" | "warn", message: string): void {
    if (this.options.log) this.options.log(level, message);
    else if (level === "warn") console.warn(`[mathagent interpreter] ${message}`);
  }

  /** Resolves when every worker is ready (started lazily by the first run otherwise). */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("interpreter pool is closed"));
    if (this.fatal) return Promise.reject(this.fatal);
    if (!this.readyPromise) this.readyPromise = this.startHost();
    return this.readyPromise;
  }

  /** What the host process and its workers are started with. */
  private hostConfig(): object {
    const o = this.options;
    const zip = bundleZip();
    if (!fs.existsSync(zip)) {
      this.log("warn", `${zip} is missing: sympy/mpmath will not be importable. Run \`npm run setup\`.`);
    }
    const snap = snapshotFile();
    const useSnapshot = o.snapshot && fs.existsSync(snap) && isSnapshotCurrent();
    return {
      workers: o.workers,
      timeoutMs: o.timeoutMs,
      graceMs: o.graceMs,
      maxJobsPerWorker: o.maxJobsPerWorker,
      maxHeapMb: o.maxHeapMb,
      maxOut: o.maxOutputBytes,
      runtimeDir,
      workerData: {
        pyodideDir: pyodideDir(),
        runtimeDir,
        zipPath: fs.existsSync(zip) ? zip : null,
        snapshotPath: useSnapshot ? snap : null,
        preimport: fs.readFileSync(path.join(runtimeDir, "preimport.py"), "utf8"),
        memLimitMb: o.memoryLimitMb,
        fsLimitMb: o.fsLimitMb,
        maxOut: o.maxOutputBytes,
        maxRecursion: o.maxRecursion,
        harden: true,
      },
    };
  }

  /** Spawns the locked-down host process; `errTail()` is the end of what it wrote to stderr. */
  private spawnHost(): { child: ChildProcess; errTail: () => string } {
    const o = this.options;
    const node = resolveHostNode();
    this.hostNode = node;
    if (node.note && !hostNoteShown) {
      hostNoteShown = true;
      this.log("warn", node.note);
    }
    const { cmd, args, env, isolation: iso } = lockdownCommand(
      path.join(runtimeDir, "host.mjs"),
      [projectPath("node_modules"), pyodideDir(), runtimeDir, cacheDir],
      o.isolation,
      (m) => this.fail(o.isolation, m),
      node,
    );
    this.isolation = iso;
    this.hostStart = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], env, cwd: runtimeDir });
    let tail = "";
    child.stdout?.on("data", () => {});
    child.stderr?.on("data", (d: Buffer) => {
      tail = (tail + d.toString("utf8")).slice(-2000);
    });
    // only the IPC channel keeps the event loop alive, and only while work is pending (refresh)
    for (const st of [child.stdout, child.stderr]) (st as unknown as { unref?: () => void } | null)?.unref?.();
    return { child, errTail: () => tail };
  }

  private startHost(): Promise<void> {
    const config = this.hostConfig();
    const { child, errTail } = this.spawnHost();
    this.child = child;
    return new Promise<void>((resolve, reject) => {
      let isReady = false;
      child.on("message", (m: HostMessage) => {
        if (child !== this.child) return;
        if (m.type === "ready") {
          isReady = true;
          this.startup.spawnMs.push(...m.spawnMs);
          this.startup.snapshot = Boolean(m.snapshot);
          this.startup.hostReadyMs = performance.now() - this.hostStart;
          resolve();
        } else this.onHostMessage(m);
      });
      child.on("error", (e) => {
        if (child !== this.child) return;
        this.fatal = new Error(`cannot start the interpreter host: ${e.message}`);
        reject(this.fatal);
      });
      child.on("exit", (code, sig) => {
        if (child !== this.child) return;
        const why = this.fatal?.message ?? `interpreter host exited (code ${code}, signal ${sig})${errTail() ? `: ${errTail().trim().slice(-500)}` : ""}`;
        if (!isReady) reject((this.fatal ??= new Error(why)));
        this.onHostExit(why);
      });
      child.send({ type: "init", config });
      this.refresh();
    });
  }

  private onHostMessage(m: HostMessage): void {
    if (m.type === "result") {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (p.signal && p.onAbort) p.signal.removeEventListener("abort", p.onAbort);
      this.refresh();
      p.resolve(m.res);
    } else if (m.type === "log") this.log(m.level, m.msg);
    else if (m.type === "fatal") this.fatal = new Error(`Python interpreter unavailable: ${m.error}`);
    else if (m.type === "stats") this.statsWaiter?.(m.stats);
  }

  /** The host is gone: every pending snippet gets a crash result naming why. */
  private onHostExit(why: string): void {
    this.child = null;
    this.readyPromise = null;
    for (const [, p] of this.pending) {
      if (p.signal && p.onAbort) p.signal.removeEventListener("abort", p.onAbort);
      p.resolve({ status: "crash", stdout: "", stderr: "", value: null, error: `InterpreterCrash: ${why}` });
    }
    this.pending.clear();
  }

  private fail(mode: string, message: string): void {
    if (mode === "strict") throw new Error(`isolation "strict": ${message}`);
    this.log("warn", message);
  }

  /** Keep the event loop alive only while work is pending (a forgotten pool never blocks exit). */
  private refresh(): void {
    const c = this.child as (ChildProcess & { channel?: { ref(): void; unref(): void } }) | null;
    if (!c) return;
    if (this.pending.size > 0 || !this.startup.hostReadyMs) {
      c.ref();
      c.channel?.ref();
    } else {
      c.unref();
      c.channel?.unref();
    }
  }

  protected async submit(job: Job): Promise<RawResult> {
    await this.ready();
    if (this.closed) throw new Error("interpreter pool is closed");
    const child = this.child;
    if (!child) return this.submit(job);
    const id = this.nextId++;
    return new Promise<RawResult>((resolve, reject) => {
      const p: Pending = { resolve, reject, signal: job.signal };
      if (job.signal) {
        if (job.signal.aborted) return reject(abortError(job.signal));
        p.onAbort = () => this.child?.send({ type: "cancel", id });
        job.signal.addEventListener("abort", p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      this.refresh();
      try {
        child.send({ type: "run", id, cells: job.cells, ipython: job.ipython, timeoutMs: job.timeoutMs, maxOut: job.maxOut });
      } catch (e) {
        // the host is going away: its 'exit' handler resolves the pending runs as crashes
        this.pending.delete(id);
        resolve({ status: "crash", stdout: "", stderr: "", value: null, error: `InterpreterCrash: ${(e as Error).message}` });
      }
    });
  }

  private statsWaiter: ((s: unknown) => void) | null = null;
  /**
   * Counters from the host: spawns, spawn times, kills, crashes, recycles, and the memory restores
   * after requests (count and total ms; docs/interpreter.md, "Isolation").
   */
  async stats(): Promise<{ spawns: number; spawnMs: number[]; kills: number; crashes: number; recycles: number; snapshot: boolean | null; restores: number; restoreMs: number }> {
    await this.ready();
    return new Promise((resolve) => {
      this.child?.ref();
      (this.child as unknown as { channel?: { ref(): void } } | null)?.channel?.ref();
      this.statsWaiter = (s) => {
        this.statsWaiter = null;
        this.refresh();
        resolve(s as any);
      };
      this.child?.send({ type: "stats" });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const child = this.child;
    for (const [, p] of this.pending) p.reject(new Error("interpreter pool closed"));
    this.pending.clear();
    if (!child) return;
    child.ref();
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        child.kill("SIGKILL");
        resolve();
      }, 3000);
      child.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
      try {
        child.send({ type: "close" });
      } catch {
        child.kill("SIGKILL");
      }
    });
    this.child = null;
  }
}

/** The snapshot is tied to the pyodide build: setup writes the version next to it. */
function isSnapshotCurrent(): boolean {
  try {
    const stamp = fs.readFileSync(path.join(cacheDir, "snapshot.version"), "utf8").trim();
    const pkg = JSON.parse(fs.readFileSync(path.join(pyodideDir(), "package.json"), "utf8")) as { version: string };
    return stamp === pkg.version;
  } catch {
    return false;
  }
}
