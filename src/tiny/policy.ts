/**
 * `TinyPolicy`: the tiny model behind the `Policy` interface the rollout engine drives, exactly as
 * it drives an HTTP server (raw prompt in, completions out, stop strings, seed, n).
 */
import type { Completion, CompleteOptions, Policy } from "../policy/index.js";
import { BatchGenerator } from "./batchgen.js";
import { generate, PrefixCache, type Generated } from "./generate.js";
import type { TinyModel } from "./model.js";

export interface TinyPolicyOptions {
  /** "js" (default): per-request incremental decoding in plain JS with a prefix cache; "tfjs": batched decoding in TensorFlow.js. */
  engine?: "js" | "tfjs";
  /** Name shown in trajectories (default "tiny:<meta.name or 'model'>"). */
  name?: string;
  /** Default new-token budget when a request gives none (default 256). */
  maxTokens?: number;
}

export class TinyPolicy implements Policy {
  readonly name: string;
  private readonly prefix = new PrefixCache();
  private readonly batch: BatchGenerator | null;
  private weightsSeen: unknown;
  constructor(
    readonly model: TinyModel,
    private readonly o: TinyPolicyOptions = {},
  ) {
    this.name = o.name ?? `tiny:${String(model.meta["name"] ?? "model")}`;
    this.batch = o.engine === "tfjs" ? new BatchGenerator(model) : null;
    this.weightsSeen = model.weights;
  }

  async complete(prompt: string, opts: CompleteOptions = {}): Promise<Completion[]> {
    if (typeof prompt !== "string") throw new TypeError("prompt must be a string");
    opts.signal?.throwIfAborted();
    if (this.weightsSeen !== this.model.weights) {
      // The model was trained in place: cached keys/values are stale.
      this.prefix.clear();
      this.weightsSeen = this.model.weights;
    }
    const g = {
      maxTokens: opts.maxTokens ?? this.o.maxTokens ?? 256,
      temperature: opts.temperature ?? 0,
      topP: opts.topP ?? 1,
      seed: opts.seed ?? 0,
      stop: opts.stop ?? [],
      n: opts.n ?? 1,
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    const out: Generated[] = this.batch ? await this.batch.generate(prompt, g) : await generate(this.model, prompt, g, this.prefix);
    return out.map((x) => ({
      text: x.text,
      finishReason: x.finishReason,
      stopReason: x.stopReason,
      promptTokens: x.promptTokens,
      completionTokens: x.completionTokens,
    }));
  }

  async close(): Promise<void> {
    this.prefix.clear();
    this.batch?.dispose();
  }
}
