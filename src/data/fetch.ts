import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { MathagentError } from "../errors.js";
import { projectPath } from "../paths.js";
import { dataDir } from "./datadir.js";

export interface ManifestFile {
  /** Path inside the data directory, e.g. "gsm8k/test.jsonl". */
  path: string;
  url: string;
  sha256: string;
  rows: number;
  licence: string;
}

export type FileStatus =
  | { path: string; state: "ok" }
  | { path: string; state: "missing" }
  | { path: string; state: "corrupted"; actual: string; expected: string };

export function readManifest(): ManifestFile[] {
  const manifest = JSON.parse(fs.readFileSync(projectPath("data", "manifest.json"), "utf8")) as { files: ManifestFile[] };
  return manifest.files;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Checks every manifest file in `dir` against its SHA-256. */
export function verifyDatasets(dir = dataDir()): FileStatus[] {
  return readManifest().map((f): FileStatus => {
    const file = path.join(dir, f.path);
    if (!fs.existsSync(file)) return { path: f.path, state: "missing" };
    const actual = sha256(fs.readFileSync(file));
    return actual === f.sha256 ? { path: f.path, state: "ok" } : { path: f.path, state: "corrupted", actual, expected: f.sha256 };
  });
}

export interface FetchOptions {
  dir?: string;
  /** Replaces each file's URL by `${mirror}/${path}` (a local mirror, or a test server). */
  mirror?: string;
  /** Per-file limit; a machine without internet fails at once on DNS, this bounds the other cases. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onFile?: (path: string, state: "present" | "downloaded") => void;
}

/**
 * Downloads every manifest file that is missing or fails its checksum, verifies the bytes before
 * writing, and writes atomically (a failed download never leaves a partial file).
 */
export async function fetchDatasets(options: FetchOptions = {}): Promise<FileStatus[]> {
  const dir = options.dir ?? dataDir();
  const mirror = options.mirror ?? process.env["MATHAGENT_DATA_MIRROR"];
  const manifest = new Map(readManifest().map((f) => [f.path, f]));
  for (const status of verifyDatasets(dir)) {
    const entry = manifest.get(status.path)!;
    if (status.state === "ok") {
      options.onFile?.(status.path, "present");
      continue;
    }
    const url = mirror ? `${mirror.replace(/\/$/, "")}/${entry.path}` : entry.url;
    const signals = [AbortSignal.timeout(options.timeoutMs ?? 60_000), ...(options.signal ? [options.signal] : [])];
    let bytes: Uint8Array;
    try {
      const res = await fetch(url, { signal: AbortSignal.any(signals) });
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new MathagentError(
        `could not download ${entry.path} from ${url} (${reason}). Without internet, copy the dataset files ` +
          `(see data/manifest.json) into ${dir}, or set MATHAGENT_DATA_DIR to a folder that has them.`,
      );
    }
    const actual = sha256(bytes);
    if (actual !== entry.sha256) {
      throw new MathagentError(
        `${entry.path} downloaded from ${url} fails its checksum (sha256 ${actual}, expected ${entry.sha256}); nothing was written.`,
      );
    }
    const target = path.join(dir, entry.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.part-${process.pid}`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, target);
    options.onFile?.(entry.path, "downloaded");
  }
  return verifyDatasets(dir);
}
