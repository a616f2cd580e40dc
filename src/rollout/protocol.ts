/**
 * The paper's sampling settings as named presets. Each value carries the file of Xiong et al.'s
 * repository (or the paper's section) it comes from; explicit options override a preset, and the
 * preset's name is recorded in every trajectory.
 */

import type { SeedMode } from "../trajectory/types.js";
import { isTableKey, tableKey, tableNames } from "../table.js";

export type { SeedMode };

/** How the code of a turn reaches the interpreter (see `ExecutionMode` in engine.ts). */
export type PresetExecution = "cells" | "session";

export type ProtocolName = "paper-eval" | "paper-collect";

/** A value and where it comes from. */
export interface Sourced<T> {
  value: T;
  source: string;
}

export interface ProtocolSettings {
  name: ProtocolName;
  summary: string;
  /** Most model calls (and tool calls) per trajectory. */
  horizon: Sourced<number>;
  /** `max_tokens` of one model call. */
  maxTokens: Sourced<number>;
  temperature: Sourced<number>;
  topP: Sourced<number>;
  /** `top_k` sent with every request; -1 switches it off (vLLM's convention); null sends none. */
  topK: Sourced<number | null>;
  /** Trajectories per prompt. */
  samples: Sourced<number>;
  seedMode: Sourced<SeedMode>;
  /** The run seed when none is given. */
  seed: Sourced<number>;
  execution: Sourced<PresetExecution>;
  /** Per-block time limit in seconds. */
  codeTimeoutS: Sourced<number>;
}

const EXECUTOR = "inference/utils/python_executor.py: every closed block of the query re-run in a fresh IPython shell, the last block's output returned";
const MAX_TOKENS = "inference/infer_data/infer_eval.py: max_tokens 1024 per call (the paper's text says 512 per turn, §2.10)";
const TIMEOUT = "inference/utils/python_executor.py: PythonExecutor timeout_length 20 s";
const SEED_MODE =
  "inference/infer_data/infer_eval.py: the same seed in every request of a run; sample s is one such run with seed + s (the run seed itself when n = 1; n > 1 samples under one seed would be identical on vLLM)";
const TOP_K = "paper App. B: no top-k (vLLM's top_k -1 = off, sent with every request)";

/** The table. */
export const PROTOCOLS: Readonly<Record<ProtocolName, Readonly<ProtocolSettings>>> = {
  "paper-eval": {
    name: "paper-eval",
    summary: "the paper's evaluation (inference/scripts/eval.sh): greedy, 4 tool calls, pass@1",
    horizon: { value: 4, source: "inference/scripts/eval.sh: --horizon 4 (the paper's text says H = 6, §2.10)" },
    maxTokens: { value: 1024, source: MAX_TOKENS },
    temperature: { value: 0, source: "paper §3.2, inference/scripts/eval.sh: greedy decoding, temperature 0" },
    topP: { value: 1, source: "paper §3.2: greedy, top-p 1" },
    topK: { value: -1, source: TOP_K },
    samples: { value: 1, source: "paper §3.2: zero-shot pass@1, n = 1" },
    seedMode: { value: "sample", source: SEED_MODE },
    seed: { value: 0, source: "mathagent default (any fixed seed; greedy decoding does not depend on it)" },
    execution: { value: "cells", source: EXECUTOR },
    codeTimeoutS: { value: 20, source: TIMEOUT },
  },
  "paper-collect": {
    name: "paper-collect",
    summary: "the paper's data collection (inference/scripts/infer.sh, §2.5): T = 1.0, H = 6, N = 30",
    horizon: { value: 6, source: "inference/scripts/infer.sh: --horizon 6; paper §3.1: H = 6" },
    maxTokens: { value: 1024, source: MAX_TOKENS },
    temperature: { value: 1, source: "paper App. B: temperature 1.0" },
    topP: { value: 1, source: "paper App. B: no top-p (top_p 1.0)" },
    topK: { value: -1, source: TOP_K },
    samples: { value: 30, source: "paper §3.1: N = 30 trajectories per prompt (20 current model + 10 previous, with --mix)" },
    seedMode: { value: "sample", source: SEED_MODE },
    seed: { value: 0, source: "mathagent default; sample s sends seed + s" },
    execution: { value: "cells", source: EXECUTOR },
    codeTimeoutS: { value: 20, source: TIMEOUT },
  },
};

/** The presets, in table order. */
export const PROTOCOL_NAMES: readonly ProtocolName[] = tableNames(PROTOCOLS);

export function isProtocolName(name: string): name is ProtocolName {
  return isTableKey(PROTOCOLS, name);
}

/** The plain values of a preset, each replaceable by an explicit option. */
export interface ResolvedProtocol {
  protocol: ProtocolName;
  horizon: number;
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number | null;
  samples: number;
  seedMode: SeedMode;
  seed: number;
  execution: PresetExecution;
  codeTimeoutS: number;
  /** The names of the values that came from `overrides` rather than the preset. */
  overridden: string[];
}

export type ProtocolOverrides = Partial<Omit<ResolvedProtocol, "protocol" | "overridden">>;

const VALUE_KEYS = ["horizon", "maxTokens", "temperature", "topP", "topK", "samples", "seedMode", "seed", "execution", "codeTimeoutS"] as const;

/** A preset's values with the overrides that are set (not undefined) in their place. */
export function resolveProtocol(name: ProtocolName, overrides: ProtocolOverrides = {}): ResolvedProtocol {
  const preset = PROTOCOLS[tableKey(PROTOCOLS, name, "protocol")];
  const values: Record<string, unknown> = {};
  const overridden: string[] = [];
  for (const k of VALUE_KEYS) {
    const o = overrides[k];
    if (o !== undefined) overridden.push(k);
    values[k] = o !== undefined ? o : preset[k].value;
  }
  return { ...(values as Omit<ResolvedProtocol, "protocol" | "overridden">), protocol: name, overridden };
}

/** One line per value with its source, for usage texts and docs. */
export function describeProtocol(name: ProtocolName): string {
  const p = PROTOCOLS[name];
  const lines = VALUE_KEYS.map((k) => `  ${k} = ${JSON.stringify(p[k].value)}  (${p[k].source})`);
  return [`${name}: ${p.summary}`, ...lines].join("\n");
}
