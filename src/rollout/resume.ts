/** The resume check: what an existing output file already holds, and whether this run may extend it. */
import { MathagentError } from "../errors.js";
import { pairKey, TrajectoryWriter } from "./store.js";
import type { Job } from "./live.js";
import { DEFAULT_POLICY_NAME } from "./mixture.js";
import type { Trajectory } from "./types.js";

/** Settings a file must have been written with to be resumed by this run (seedMode absent = "trajectory"). */
export interface ResumeSettings {
  family: string;
  mode: string;
  horizon: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  runSeed: number;
  seedMode: string;
}

export interface ResumeState {
  writer: TrajectoryWriter;
  /** Pairs this run must not redo. */
  finished: Set<string>;
  /** The current row of every finished pair of this run (when collecting). */
  rows: Map<string, Trajectory>;
  /** The grade of every finished pair of this run (when a grade function is given). */
  grades: Map<string, boolean | null>;
}

export interface ResumeOptions {
  out: string;
  jobs: readonly Job[];
  settings: ResumeSettings;
  check: boolean;
  retryErrors: boolean;
  collect: boolean;
  grade?: (t: Trajectory) => boolean | null;
  warn: (m: string) => void;
}

function settingsMismatch(out: string, first: Trajectory, want: ResumeSettings): string | null {
  const had = { ...(first as unknown as Record<string, unknown>) };
  had.seedMode ??= "trajectory";
  for (const [k, v] of Object.entries(want)) {
    if (had[k] !== v) {
      return `${out} was written with ${k}=${JSON.stringify(had[k])} but this run has ${k}=${JSON.stringify(v)}; use the same settings to resume, or another output file`;
    }
  }
  return null;
}

/**
 * Open `out` for appending and read which pairs are done. Throws when the file was written with other
 * settings, or when a pair's row was written by another policy than this run's mixture assigns it.
 */
export async function openForResume(o: ResumeOptions): Promise<ResumeState> {
  const byKey = new Map(o.jobs.map((j) => [pairKey(j.problem.id, j.sample), j]));
  const rows = new Map<string, Trajectory>();
  const grades = new Map<string, boolean | null>();
  let wrongPolicy: string | undefined;
  const { writer, existing } = await TrajectoryWriter.open(o.out, {
    onWarning: o.warn,
    keep: false,
    onRow: (t, line) => {
      const key = pairKey(t.problemId, t.sample);
      const job = byKey.get(key);
      if (!job) return;
      const name = t.policyName ?? DEFAULT_POLICY_NAME;
      if (name !== job.policy.name && o.check) {
        wrongPolicy ??= `${o.out}:${line}: ${t.problemId} sample ${t.sample} was written by policy "${name}" but this run's mixture gives it to "${job.policy.name}"; use the same --mix to resume, or another output file`;
      }
      if (t.finish === "error" && o.retryErrors) {
        rows.delete(key);
        grades.delete(key);
        return;
      }
      if (o.collect) rows.set(key, t);
      if (o.grade) grades.set(key, o.grade(t));
    },
  });
  const problem = existing.first && o.check ? settingsMismatch(o.out, existing.first, o.settings) : null;
  if (problem || wrongPolicy) {
    await writer.close();
    throw new MathagentError((problem ?? wrongPolicy)!);
  }
  const finished = new Set<string>();
  for (const k of existing.keys) if (!(o.retryErrors && existing.errorKeys.has(k))) finished.add(k);
  return { writer, finished, rows, grades };
}
