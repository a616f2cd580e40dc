import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { MathagentError } from "../errors.js";
import { FileError, requireDirectory } from "../io/errors.js";
import { readJson } from "../io/json.js";
import { writeFileAtomic } from "../io/output.js";
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
  | { path: string; state: "not-a-file"; what: string }
  | { path: string; state: "corrupted"; actual: string; expected: string };

const MANIFEST_SHAPE = {
  object: { files: { array: { object: { path: "string", url: "string", sha256: "string", rows: "integer", licence: "string" } } } },
} as const;

export function readManifest(): ManifestFile[] {
  return (readJson(projectPath("data", "manifest.json"), MANIFEST_SHAPE) as { files: ManifestFile[] }).files;
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The state of one manifest file in `dir`: a directory or another non-file in its place is named, never read. */
export function fileStatus(dir: string, f: ManifestFile): FileStatus {
  const file = path.join(dir, f.path);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return { path: f.path, state: "missing" };
  }
  if (!st.isFile()) return { path: f.path, state: "not-a-file", what: st.isDirectory() ? "a directory" : "not a regular file" };
  const actual = sha256(fs.readFileSync(file));
  return actual === f.sha256 ? { path: f.path, state: "ok" } : { path: f.path, state: "corrupted", actual, expected: f.sha256 };
}

/** Checks every manifest file in `dir` against its SHA-256. `dir` itself must be a directory when it exists. */
export function verifyDatasets(dir = dataDir()): FileStatus[] {
  if (fs.existsSync(dir)) requireDirectory(dir);
  return readManifest().map((f) => fileStatus(dir, f));
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
    if (status.state === "not-a-file") throw new FileError(target, `is ${status.what}, expected the dataset file; move it away and rerun`);
    writeFileAtomic(target, bytes, { force: true });
    options.onFile?.(entry.path, "downloaded");
  }
  return verifyDatasets(dir);
}
