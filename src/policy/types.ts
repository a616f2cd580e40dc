/** Options of one completion request. */
export interface CompleteOptions {
  stop?: string[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** `top_k`; -1 switches it off on vLLM. Not sent when unset. */
  topK?: number;
  seed?: number;
  /** Number of samples for this prompt (default 1). */
  n?: number;
  signal?: AbortSignal;
}

/** One sampled continuation. `finishReason` "length" means it hit maxTokens. */
export interface Completion {
  text: string;
  finishReason: "stop" | "length";
  /** The stop string that ended it, when the server says. */
  stopReason?: string | null;
  /** Token counts, when the server returns them (for n > 1, the request's totals are on choice 0). */
  promptTokens?: number;
  completionTokens?: number;
}

/** A language model that continues raw prompts. */
export interface Policy {
  /** For records and logs: backend and model, e.g. "openai:gemma-7b-it@http://127.0.0.1:8000". */
  readonly name: string;
  /** Returns `n` completions; throws `PolicyError` after retries, `AbortError` when aborted. */
  complete(prompt: string, opts?: CompleteOptions): Promise<Completion[]>;
  close?(): Promise<void>;
}

export type PolicyErrorKind = "http" | "network" | "timeout" | "bad-response";

/** A request that failed for good (after its retries); the message names endpoint and cause. */
export class PolicyError extends Error {
  override name = "PolicyError";
  constructor(
    message: string,
    readonly kind: PolicyErrorKind,
    readonly attempts: number,
    readonly status?: number,
  ) {
    super(message);
  }
}
