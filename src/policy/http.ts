import { type CompleteOptions, type Completion, type Policy, PolicyError, type PolicyErrorKind } from "./types.js";

/**
 * The wire protocols: OpenAI-compatible `/v1/completions` (vLLM, SGLang, llama.cpp server, TGI,
 * Ollama) and vLLM's legacy `/generate`. One table; the HTTP machinery below is shared.
 */
export type ApiKind = "openai" | "vllm-generate";

interface Protocol {
  url(base: string): string;
  body(prompt: string, o: Required<Pick<CompleteOptions, "n">> & CompleteOptions, model: string | undefined): Record<string, unknown>;
  /** Parse a JSON reply; return a string describing what is wrong when it is not what the API promises. */
  parse(json: unknown, prompt: string, n: number): Completion[] | string;
  needsModel: boolean;
}

function trimSlash(u: string): string {
  return u.replace(/\/+$/, "");
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function optInt(x: unknown): number | undefined {
  return typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : undefined;
}

/** The sampling settings both wire protocols name the same way; unset ones are left to the server. */
function samplingFields(o: CompleteOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (o.maxTokens !== undefined) body.max_tokens = o.maxTokens;
  if (o.temperature !== undefined) body.temperature = o.temperature;
  if (o.topP !== undefined) body.top_p = o.topP;
  if (o.topK !== undefined) body.top_k = o.topK;
  if (o.seed !== undefined) body.seed = o.seed;
  if (o.stop && o.stop.length > 0) body.stop = o.stop;
  return body;
}

const PROTOCOLS: Record<ApiKind, Protocol> = {
  openai: {
    url(base) {
      const b = trimSlash(base);
      if (b.endsWith("/completions")) return b;
      if (b.endsWith("/v1")) return b + "/completions";
      return b + "/v1/completions";
    },
    body(prompt, o, model) {
      return { model, prompt, n: o.n, echo: false, ...samplingFields(o) };
    },
    parse(json, _prompt, n) {
      if (!isObj(json)) return "reply is not a JSON object";
      if (isObj(json.error)) return `server error: ${String(json.error.message ?? JSON.stringify(json.error))}`;
      const choices = json.choices;
      if (!Array.isArray(choices) || choices.length === 0) return "reply has no `choices` array";
      if (choices.length < n) return `asked for ${n} choices, got ${choices.length}`;
      const out: { i: number; c: Completion }[] = [];
      for (const [k, ch] of choices.entries()) {
        if (!isObj(ch) || typeof ch.text !== "string") return `choice ${k} has no string \`text\``;
        const c: Completion = { text: ch.text, finishReason: ch.finish_reason === "length" ? "length" : "stop" };
        if (typeof ch.stop_reason === "string") c.stopReason = ch.stop_reason;
        out.push({ i: typeof ch.index === "number" ? ch.index : k, c });
      }
      out.sort((a, b) => a.i - b.i);
      const result = out.map((x) => x.c);
      if (isObj(json.usage)) {
        const pt = optInt(json.usage.prompt_tokens);
        const ct = optInt(json.usage.completion_tokens);
        if (pt !== undefined) result[0]!.promptTokens = pt;
        if (ct !== undefined) result[0]!.completionTokens = ct;
      }
      return result;
    },
    needsModel: true,
  },
  "vllm-generate": {
    url(base) {
      const b = trimSlash(base);
      return b.endsWith("/generate") ? b : b + "/generate";
    },
    body(prompt, o) {
      return { prompt, n: o.n, ...samplingFields(o) };
    },
    parse(json, prompt, n) {
      if (!isObj(json) || !Array.isArray(json.text)) return "reply has no `text` array";
      if (json.text.length < n) return `asked for ${n} samples, got ${json.text.length}`;
      const out: Completion[] = [];
      for (const [k, t] of json.text.entries()) {
        if (typeof t !== "string") return `text[${k}] is not a string`;
        // the legacy server echoes the prompt in front of each sample
        out.push({ text: t.startsWith(prompt) ? t.slice(prompt.length) : t, finishReason: "stop" });
      }
      return out;
    },
    needsModel: false,
  },
};

export interface HttpPolicyOptions {
  /** One or more base URLs (data-parallel replicas), e.g. "http://127.0.0.1:8000" or ".../v1". */
  endpoints: string | string[];
  api?: ApiKind;
  /** Model name for OpenAI-compatible servers; asked from `GET /v1/models` when left out. */
  model?: string;
  apiKey?: string;
  /** Bound on one HTTP attempt, connection to last byte (default 600 000 ms). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 8) on 5xx, 408, 429, resets, time-outs and bad replies. */
  retries?: number;
  /** First backoff (default 500 ms), doubled each retry up to `maxBackoffMs` (default 15 000), with jitter. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Extra fields merged into every request body (e.g. `{ skip_special_tokens: false }`). */
  extraBody?: Record<string, unknown>;
  /** Called on every failed attempt that will be retried (for logs). */
  onRetry?: (info: { endpoint: string; attempt: number; error: string; delayMs: number }) => void;
}

interface Endpoint {
  base: string;
  url: string;
  outstanding: number;
  /** Consecutive failed attempts; while cooling, others are preferred. */
  failures: number;
  coolUntil: number;
}

class Attempt extends Error {
  constructor(
    message: string,
    readonly kind: PolicyErrorKind,
    readonly retry: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error && r.name === "AbortError") return r;
  const e = new Error("the operation was aborted");
  e.name = "AbortError";
  return e;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: string }).code;
    return `${err.message}: ${code ? code + " " : ""}${cause.message}`;
  }
  return err.message;
}

/**
 * A `Policy` over HTTP: several endpoints with least-outstanding-requests balancing, retries with
 * exponential backoff and jitter, a bounded time-out per attempt. A reply that is not what the API
 * promises never crashes the caller: it is retried and, in the end, thrown as a `PolicyError`.
 */
export class HttpPolicy implements Policy {
  private readonly label: { api: string; model: string | undefined; urls: string };
  private readonly proto: Protocol;
  private readonly endpoints: Endpoint[];
  private readonly opts: Required<Pick<HttpPolicyOptions, "timeoutMs" | "retries" | "backoffMs" | "maxBackoffMs">> & HttpPolicyOptions;
  private model: Promise<string> | undefined;
  private rr = 0;

  constructor(options: HttpPolicyOptions) {
    const list = (Array.isArray(options.endpoints) ? options.endpoints : options.endpoints.split(","))
      .map((s) => s.trim())
      .filter(Boolean);
    if (list.length === 0) throw new Error("HttpPolicy needs at least one endpoint URL");
    for (const u of list) {
      let parsed: URL;
      try {
        parsed = new URL(u);
      } catch {
        throw new Error(`"${u}" is not a URL; give endpoints like http://127.0.0.1:8000`);
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`"${u}" is not an http(s) URL`);
    }
    this.opts = { timeoutMs: 600_000, retries: 8, backoffMs: 500, maxBackoffMs: 15_000, ...options };
    this.proto = PROTOCOLS[options.api ?? "openai"];
    if (!this.proto) throw new Error(`unknown api "${String(options.api)}"; use openai or vllm-generate`);
    this.endpoints = list.map((base) => ({ base: trimSlash(base), url: this.proto.url(base), outstanding: 0, failures: 0, coolUntil: 0 }));
    if (options.model) this.model = Promise.resolve(options.model);
    this.label = { api: options.api ?? "openai", model: options.model, urls: list.join(",") };
  }

  /** "api:model@urls", with the model once known. */
  get name(): string {
    const { api, model, urls } = this.label;
    return `${api}:${model ?? this.resolvedModel ?? "?"}@${urls}`;
  }

  private resolvedModel: string | undefined;

  /** Requests in flight per endpoint (for tests and progress displays). */
  outstanding(): number[] {
    return this.endpoints.map((e) => e.outstanding);
  }

  private pick(): Endpoint {
    const now = Date.now();
    let best: Endpoint | undefined;
    let bestKey = Infinity;
    const n = this.endpoints.length;
    for (let k = 0; k < n; k++) {
      const e = this.endpoints[(this.rr + k) % n]!;
      const key = e.outstanding + (e.coolUntil > now ? 1e6 : 0);
      if (key < bestKey) {
        best = e;
        bestKey = key;
      }
    }
    this.rr = (this.rr + 1) % n;
    return best!;
  }

  private async attempt(e: Endpoint, url: string, init: { method: string; body?: string }, signal: AbortSignal | undefined): Promise<unknown> {
    if (signal?.aborted) throw abortError(signal);
    // One controller per attempt, fed by the caller's signal and a timer (no AbortSignal.any, whose
    // listeners pile up on a long-lived caller signal over a long run).
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, this.opts.timeoutMs);
    const onAbort = () => ac.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    const headers: Record<string, string> = { accept: "application/json" };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    e.outstanding++;
    try {
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, { method: init.method, body: init.body, headers, signal: ac.signal });
        text = await res.text();
      } catch (err) {
        if (signal?.aborted) throw abortError(signal);
        if (timedOut) throw new Attempt(`no complete reply within ${this.opts.timeoutMs} ms`, "timeout", true);
        throw new Attempt(describe(err), "network", true);
      }
      if (!res.ok) {
        const retry = res.status >= 500 || res.status === 408 || res.status === 429;
        const ra = Number(res.headers.get("retry-after"));
        throw new Attempt(
          `HTTP ${res.status} ${res.statusText}: ${text.slice(0, 300)}`,
          "http",
          retry,
          res.status,
          Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined,
        );
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Attempt(`reply is not valid JSON (${text.length} bytes: ${JSON.stringify(text.slice(0, 120))})`, "bad-response", true);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      e.outstanding--;
    }
  }

  /** Run `fn` against endpoints until it succeeds, retrying transient failures with backoff. */
  private async withRetries<T>(what: string, signal: AbortSignal | undefined, fn: (e: Endpoint) => Promise<T>): Promise<T> {
    let last: Attempt | undefined;
    for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
      if (signal?.aborted) throw abortError(signal);
      const e = this.pick();
      try {
        const r = await fn(e);
        e.failures = 0;
        e.coolUntil = 0;
        return r;
      } catch (err) {
        if (!(err instanceof Attempt)) throw err;
        last = err;
        if (err.retry) {
          e.failures++;
          e.coolUntil = Date.now() + Math.min(30_000, 250 * 2 ** (e.failures - 1));
        }
        if (!err.retry || attempt === this.opts.retries) break;
        const exp = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** attempt);
        const delayMs = Math.min(this.opts.maxBackoffMs, err.retryAfterMs ?? exp / 2 + Math.random() * (exp / 2));
        this.opts.onRetry?.({ endpoint: e.base, attempt: attempt + 1, error: err.message, delayMs });
        await sleep(delayMs, signal);
      }
    }
    const attempts = this.opts.retries + 1;
    throw new PolicyError(`${what} failed${last?.retry ? ` after ${attempts} attempts` : ""}: ${last?.message}`, last!.kind, attempts, last?.status);
  }

  private getModel(signal?: AbortSignal): Promise<string> {
    if (!this.model) {
      const p = this.withRetries("GET /v1/models", signal, async (e) => {
        const json = await this.attempt(e, modelsUrl(e.base), { method: "GET" }, signal);
        const data = isObj(json) ? json.data : undefined;
        const first = Array.isArray(data) ? data[0] : undefined;
        if (!isObj(first) || typeof first.id !== "string") {
          throw new Attempt("GET /v1/models lists no model; pass the model name explicitly", "bad-response", false);
        }
        this.resolvedModel = first.id;
        return first.id;
      });
      this.model = p;
      p.catch(() => {
        if (this.model === p) this.model = undefined;
      });
    }
    return this.model;
  }

  async complete(prompt: string, options: CompleteOptions = {}): Promise<Completion[]> {
    const n = options.n ?? 1;
    const model = this.proto.needsModel ? await this.getModel(options.signal) : undefined;
    const body = JSON.stringify({ ...this.proto.body(prompt, { ...options, n }, model), ...this.opts.extraBody });
    return this.withRetries(`completion request`, options.signal, async (e) => {
      const json = await this.attempt(e, e.url, { method: "POST", body }, options.signal);
      const parsed = this.proto.parse(json, prompt, n);
      if (typeof parsed === "string") throw new Attempt(`${e.url}: ${parsed}`, "bad-response", true);
      return parsed;
    });
  }
}

function modelsUrl(base: string): string {
  const b = trimSlash(base).replace(/\/completions$/, "");
  return b.endsWith("/v1") ? b + "/models" : b + "/v1/models";
}

/** Build a policy from CLI-style settings: comma-separated URLs, api kind, optional model. */
export function createPolicy(options: HttpPolicyOptions): HttpPolicy {
  return new HttpPolicy(options);
}
