/**
 * An OpenAI-compatible completions server for the tiny policy, on 127.0.0.1 only:
 * `GET /v1/models`, `POST /v1/completions` (prompt, max_tokens, temperature, top_p, seed, stop, n).
 * The rollout engine's HTTP policy talks to it exactly as to vLLM, so the HTTP path is exercised end
 * to end without a GPU.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { TinyModel } from "./model.js";
import { TinyPolicy } from "./policy.js";

export interface ServeOptions {
  /** Port (default 0: any free port). */
  port?: number;
  /** The model name the server reports (default "tiny"). */
  modelName?: string;
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  log?: (line: string) => void;
}

export interface TinyServer {
  /** e.g. "http://127.0.0.1:8000". */
  url: string;
  port: number;
  close(): Promise<void>;
}

class BadRequest extends Error {}

function num(x: unknown, name: string, def: number, lo: number, hi: number): number {
  if (x === undefined || x === null) return def;
  if (typeof x !== "number" || !Number.isFinite(x) || x < lo || x > hi) throw new BadRequest(`${name} must be a number in [${lo}, ${hi}]`);
  return x;
}

/** The prompts and sampling options of a `/v1/completions` body, checked. */
function completionRequest(body: Record<string, unknown>) {
  const strings = (v: unknown) => (typeof v === "string" ? [v] : Array.isArray(v) && v.every((p) => typeof p === "string") ? (v as string[]) : null);
  const prompts = strings(body.prompt);
  if (!prompts || prompts.length === 0) throw new BadRequest("prompt must be a string or an array of strings");
  const stop = body.stop === undefined || body.stop === null ? [] : strings(body.stop);
  if (!stop) throw new BadRequest("stop must be a string or an array of strings");
  const n = num(body.n, "n", 1, 1, 128);
  if (!Number.isInteger(n)) throw new BadRequest("n must be an integer");
  const opts = {
    maxTokens: Math.floor(num(body.max_tokens, "max_tokens", 16, 0, 1 << 20)),
    temperature: num(body.temperature, "temperature", 1, 0, 100),
    topP: num(body.top_p, "top_p", 1, 0, 1),
    seed: Math.floor(num(body.seed, "seed", 0, 0, 2 ** 53)),
    stop,
    n,
  };
  return { prompts, opts };
}

/** The choices and usage of a completions response. */
async function complete(policy: TinyPolicy, prompts: string[], opts: ReturnType<typeof completionRequest>["opts"]) {
  const choices: Record<string, unknown>[] = [];
  let pt = 0;
  let ct = 0;
  for (const [pi, p] of prompts.entries()) {
    const out = await policy.complete(p, opts);
    out.forEach((c, k) => {
      pt += k === 0 ? (c.promptTokens ?? 0) : 0;
      ct += c.completionTokens ?? 0;
      choices.push({ index: pi * opts.n + k, text: c.text, logprobs: null, finish_reason: c.finishReason, stop_reason: c.stopReason ?? null });
    });
  }
  return { choices, usage: { prompt_tokens: pt, completion_tokens: ct, total_tokens: pt + ct } };
}

export async function serveTiny(model: TinyModel, o: ServeOptions = {}): Promise<TinyServer> {
  const policy = new TinyPolicy(model, { name: `tiny-server:${o.modelName ?? "tiny"}` });
  const name = o.modelName ?? "tiny";
  const maxBody = o.maxBodyBytes ?? 1 << 20;
  let nextId = 1;
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const s = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(s) });
    res.end(s);
  };
  const error = (res: http.ServerResponse, status: number, message: string) =>
    send(res, status, { error: { message, type: status < 500 ? "invalid_request_error" : "server_error", code: status } });

  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0]!;
    if (req.method === "GET" && (url === "/v1/models" || url === "/models")) {
      send(res, 200, { object: "list", data: [{ id: name, object: "model", owned_by: "mathagent", max_model_len: model.config.maxLen }] });
      return;
    }
    if (req.method === "GET" && url === "/health") {
      send(res, 200, { ok: true });
      return;
    }
    if (req.method !== "POST" || (url !== "/v1/completions" && url !== "/completions")) {
      error(res, 404, `no route ${req.method} ${url}; this server has GET /v1/models and POST /v1/completions`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > maxBody && !aborted) {
        aborted = true;
        error(res, 413, `request body over ${maxBody} bytes`);
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => {
      if (aborted) return;
      void (async () => {
        let body: Record<string, unknown>;
        try {
          const j: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          if (typeof j !== "object" || j === null || Array.isArray(j)) throw new BadRequest("body must be a JSON object");
          body = j as Record<string, unknown>;
        } catch (e) {
          error(res, 400, e instanceof BadRequest ? e.message : `body is not JSON: ${(e as Error).message}`);
          return;
        }
        try {
          const { prompts, opts } = completionRequest(body);
          send(res, 200, { id: `cmpl-tiny-${nextId++}`, object: "text_completion", created: Math.floor(Date.now() / 1000), model: name, ...(await complete(policy, prompts, opts)) });
        } catch (e) {
          if (e instanceof BadRequest) error(res, 400, e.message);
          else {
            o.log?.(`completion failed: ${(e as Error).message}`);
            error(res, 500, (e as Error).message);
          }
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
