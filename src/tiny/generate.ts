/**
 * Generation with the tiny model: greedy or sampled (temperature, top-p, seed), stop strings, an
 * end-of-sequence token, a KV cache per sequence and a prefix cache shared across requests (the
 * samples of one prompt and the later turns of one trajectory re-use the keys/values already computed).
 */
import { seededRandom } from "../random.js";
import { KVCache, type TinyModel } from "./model.js";

export interface GenerateOptions {
  maxTokens?: number;
  /** 0 (default) = greedy. */
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: readonly string[];
  signal?: AbortSignal;
}

export interface Generated {
  text: string;
  finishReason: "stop" | "length";
  /** The stop string that ended it; null when the model wrote its end-of-sequence token. */
  stopReason: string | null;
  promptTokens: number;
  completionTokens: number;
}

interface Entry {
  cache: KVCache;
  logits: Float64Array;
}

/** Keys/values of texts already read, looked up by longest prefix (LRU, bounded). */
export class PrefixCache {
  private readonly map = new Map<string, Entry>();
  hits = 0;
  misses = 0;
  constructor(readonly maxEntries = 96) {}

  longest(text: string): [string, Entry] | undefined {
    let best: [string, Entry] | undefined;
    for (const [k, e] of this.map) if (text.startsWith(k) && (!best || k.length > best[0].length)) best = [k, e];
    if (best) {
      this.map.delete(best[0]);
      this.map.set(best[0], best[1]);
      this.hits++;
    } else this.misses++;
    return best;
  }

  set(text: string, cache: KVCache, logits: Float64Array): void {
    if (this.maxEntries <= 0 || text.length === 0) return;
    this.map.delete(text);
    this.map.set(text, { cache: cache.clone(), logits: Float64Array.from(logits) });
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }

  clear(): void {
    this.map.clear();
  }
}

/** Index of the largest value (the first one on ties). */
export function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

/** Sample from logits with temperature and nucleus (top-p); `banned` ids never come out. */
export function sampleToken(logits: Float64Array, temperature: number, topP: number, rand: () => number, banned: readonly number[]): number {
  const V = logits.length;
  const l = Float64Array.from(logits);
  for (const b of banned) l[b] = -Infinity;
  if (!(temperature > 0)) return argmax(l);
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (l[i]! > max) max = l[i]!;
  const p = new Float64Array(V);
  let z = 0;
  for (let i = 0; i < V; i++) {
    p[i] = Math.exp((l[i]! - max) / temperature);
    z += p[i]!;
  }
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  let keep = V;
  if (topP < 1) {
    let c = 0;
    for (let k = 0; k < V; k++) {
      c += p[order[k]!]! / z;
      if (c >= topP) {
        keep = k + 1;
        break;
      }
    }
  }
  let zk = 0;
  for (let k = 0; k < keep; k++) zk += p[order[k]!]!;
  let u = rand() * zk;
  for (let k = 0; k < keep; k++) {
    u -= p[order[k]!]!;
    if (u <= 0) return order[k]!;
  }
  return order[keep - 1]!;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * Continue `prompt` `n` times. Async only to let other work run (it yields every 64 tokens);
 * the results depend only on the model, the prompt and the options.
 */
export async function generate(model: TinyModel, prompt: string, opts: GenerateOptions & { n?: number } = {}, prefix?: PrefixCache): Promise<Generated[]> {
  const tok = model.tokenizer;
  const rt = model.runtime;
  const c = model.config;
  const maxTokens = opts.maxTokens ?? 256;
  const temperature = opts.temperature ?? 0;
  const topP = opts.topP ?? 1;
  const stops = (opts.stop ?? []).filter((s) => s.length > 0);
  const n = opts.n ?? 1;
  const eos = tok.eosId!;
  const banned = [tok.padId!, tok.bosId!, tok.unkId!];
  const ids = [tok.bosId!, ...tok.encode(prompt)];
  if (ids.length >= c.maxLen) {
    return Array.from({ length: n }, () => ({ text: "", finishReason: "length" as const, stopReason: null, promptTokens: ids.length - 1, completionTokens: 0 }));
  }
  // Prefill in one pass, from the longest cached prefix (a later turn reads only its new suffix).
  const key = "\u0000" + prompt; // the BOS is part of every key
  let cache: KVCache;
  let logits: Float64Array;
  const hit = prefix?.longest(key);
  if (hit && hit[0].length === key.length) {
    cache = hit[1].cache.clone();
    logits = Float64Array.from(hit[1].logits);
  } else {
    let start = 0;
    if (hit) {
      cache = hit[1].cache.clone();
      start = hit[1].cache.length;
    } else cache = new KVCache(c);
    logits = Float64Array.from(rt.prefill(cache, ids.slice(start), true)!);
    prefix?.set(key, cache, logits);
  }
  const out: Generated[] = [];
  for (let s = 0; s < n; s++) {
    const rand = seededRandom(((opts.seed ?? 0) + Math.imul(s, 0x9e3779b1)) >>> 0);
    const kv = n === 1 ? cache : cache.clone();
    let lg = n === 1 ? logits : Float64Array.from(logits);
    let text = "";
    let fed = "";
    let finish: Generated["finishReason"] = "length";
    let stopReason: string | null = null;
    let count = 0;
    while (count < maxTokens) {
      if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : Object.assign(new Error("generation aborted"), { name: "AbortError" });
      const t = sampleToken(lg, temperature, topP, rand, banned);
      count++;
      if (t === eos) {
        finish = "stop";
        break;
      }
      const ch = tok.decode([t]);
      text += ch;
      const hitStop = stops.find((st) => text.endsWith(st));
      if (hitStop) {
        text = text.slice(0, text.length - hitStop.length);
        finish = "stop";
        stopReason = hitStop;
        break;
      }
      if (kv.length >= c.maxLen) break;
      lg = rt.step(kv, t, true)!;
      fed += ch;
      // The runtime's logits buffer is shared: other requests overwrite it while this one yields.
      if (count % 64 === 0) {
        lg = Float64Array.from(lg);
        await tick();
      }
    }
    if (prefix && fed.length > 0) prefix.set(key + fed, kv, lg);
    out.push({ text, finishReason: finish, stopReason, promptTokens: ids.length - 1, completionTokens: count });
  }
  return out;
}
