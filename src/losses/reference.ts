/**
 * Reference-model log-probs: computed by a reference model (no gradient), or precomputed once per
 * iteration and cached per trajectory key.
 */
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { tokenLogProbs, type TokenLogProbOptions } from "./logprobs.js";

/** A model forward pass: input ids `[B,T]` → logits `[B,T,V]`. */
export type LogitsFn = (inputIds: tf.Tensor2D) => tf.Tensor;

/**
 * Per-token reference log-probs `[B,T]`, read back to the host (async: WebGPU reads only
 * asynchronously in Node). Store them in a `ReferenceLogProbCache`, or make a constant tensor of
 * them: no gradient reaches the reference model. Intermediates are freed.
 */
export async function referenceTokenLogProbs(model: LogitsFn, inputIds: tf.Tensor2D, labels: tf.Tensor2D, opts: TokenLogProbOptions = {}): Promise<Float32Array> {
  const lp = tf.tidy(() => tokenLogProbs(model(inputIds), labels, opts));
  const v = (await lp.data()) as Float32Array;
  lp.dispose();
  return v;
}

/** Per-token reference log-probs by trajectory key, computed once per iteration. */
export class ReferenceLogProbCache {
  private readonly map = new Map<string, Float32Array>();

  get size(): number {
    return this.map.size;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  get(key: string): Float32Array | undefined {
    return this.map.get(key);
  }
  set(key: string, logps: ArrayLike<number>): void {
    this.map.set(key, Float32Array.from(logps));
  }

  /** `[keys.length, T]` tensor, right-padded with 0 (masked positions), cut at T. Throws on a missing key. */
  tensor(keys: readonly string[], T: number): tf.Tensor2D {
    const out = new Float32Array(keys.length * T);
    keys.forEach((k, b) => {
      const v = this.map.get(k);
      if (!v) throw new Error(`no cached reference log-probs for "${k}"; compute them first (referenceTokenLogProbs)`);
      out.set(v.subarray(0, T), b * T);
    });
    return tf.tensor2d(out, [keys.length, T]);
  }

  /** Write as JSON Lines `{"key": ..., "logps": [...]}`. */
  save(path: string): void {
    const lines = [...this.map].map(([key, v]) => JSON.stringify({ key, logps: Array.from(v) }));
    fs.writeFileSync(path, lines.join("\n") + (lines.length ? "\n" : ""));
  }

  /** Read what `save` wrote; a bad line names the file and line. */
  static load(path: string): ReferenceLogProbCache {
    const c = new ReferenceLogProbCache();
    fs.readFileSync(path, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (!line.trim()) return;
        let row: { key?: unknown; logps?: unknown };
        try {
          row = JSON.parse(line) as typeof row;
        } catch (e) {
          throw new Error(`${path}:${i + 1}: not JSON (${(e as Error).message})`);
        }
        if (typeof row.key !== "string" || !Array.isArray(row.logps)) throw new Error(`${path}:${i + 1}: expected {"key": string, "logps": number[]}`);
        c.set(row.key, row.logps as number[]);
      });
    return c;
  }
}

/**
 * Which model is the reference of iteration t: the previous iteration's model (the paper's main runs;
 * iteration 1: the SFT model), or the SFT model in every iteration (the paper's ablation, Table 2).
 */
export type ReferenceChoice = "previous" | "sft";

/** The paper's default: the previous iteration's model. */
export const DEFAULT_REFERENCE: ReferenceChoice = "previous";

export const REFERENCE_DESCRIPTIONS: Readonly<Record<ReferenceChoice, string>> = {
  previous: "the previous iteration's model (the paper's main runs; iteration 1: the SFT model)",
  sft: "the SFT model in every iteration (the paper's ablation, Table 2)",
};
