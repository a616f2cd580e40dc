/**
 * A small OpenAI-compatible completions server over real loopback HTTP that plays scripted
 * policies: `POST /v1/completions`, `GET /v1/models`, and vLLM's legacy `POST /generate`.
 * It can delay replies, cap concurrent generations (server capacity), and inject faults.
 */
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ScriptRequest {
  /** 0-based count of generation requests received (faulted ones included). */
  index: number;
  prompt: string;
  body: Record<string, unknown>;
  path: string;
}

export interface ScriptReply {
  text: string;
  finishReason?: "stop" | "length";
  promptTokens?: number;
  completionTokens?: number;
}

export type Fault =
  | "http500"
  | "http503"
  | "http400"
  | "hang" // never answer (the client must time out)
  | "reset" // destroy the socket before answering
  | "reset-mid-body" // send headers and half the body, then destroy
  | "truncated" // 200 with a cut JSON body
  | "bad-shape" // 200 with valid JSON that is not a completion
  | "restart"; // close the whole server (all connections) and listen again after `restartDownMs`

export interface ScriptedServerOptions {
  respond: (req: ScriptRequest) => ScriptReply | Promise<ScriptReply>;
  /** Generation time for a request (ms); counts against capacity. */
  delayMs?: (req: ScriptRequest) => number;
  fault?: (req: ScriptRequest) => Fault | undefined;
  /** Concurrent generations the server runs; more wait in a queue (default unbounded). */
  capacity?: number;
  model?: string;
  port?: number;
  restartDownMs?: number;
}

export class ScriptedServer {
  private server: http.Server | undefined;
  private sockets = new Set<Socket>();
  private running = 0;
  private queue: (() => void)[] = [];
  port = 0;
  requests = 0;
  faults = 0;
  completed = 0;
  inFlight = 0;
  maxInFlight = 0;
  restarts = 0;
  prompts: string[] = [];

  constructor(private readonly opts: ScriptedServerOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await this.listen(this.opts.port ?? 0);
    return this;
  }

  private listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Close every connection, stay down `downMs`, listen again on the same port. */
  async restart(downMs = this.opts.restartDownMs ?? 200): Promise<void> {
    this.restarts++;
    const port = this.port;
    await this.close();
    await new Promise((r) => setTimeout(r, downMs));
    await this.listen(port);
  }

  private async acquire(): Promise<void> {
    const cap = this.opts.capacity ?? Infinity;
    if (this.running < cap) {
      this.running++;
      return;
    }
    await new Promise<void>((r) => this.queue.push(r));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.running--;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? "/").split("?")[0]!;
    if (req.method === "GET" && path === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: this.opts.model ?? "scripted", object: "model" }] }));
      return;
    }
    if (req.method !== "POST" || (path !== "/v1/completions" && path !== "/generate")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    } catch {
      res.writeHead(400).end("bad json");
      return;
    }
    const prompt = String(body.prompt ?? "");
    const sr: ScriptRequest = { index: this.requests++, prompt, body, path };
    const fault = this.opts.fault?.(sr);
    if (fault) {
      this.faults++;
      switch (fault) {
        case "http500":
        case "http503":
        case "http400":
          res.writeHead(Number(fault.slice(4)), { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: `injected ${fault}` } }));
          return;
        case "hang":
          return; // never answered; the socket is destroyed on close()
        case "reset":
          req.socket.destroy();
          return;
        case "reset-mid-body":
          res.writeHead(200, { "content-type": "application/json", "content-length": "400" });
          res.write('{"choices":[{"text":"par');
          setTimeout(() => req.socket.destroy(), 5);
          return;
        case "truncated":
          res.writeHead(200, { "content-type": "application/json" });
          res.end('{"id":"x","choices":[{"text":"cut sho');
          return;
        case "bad-shape":
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ choices: [{ txt: 42 }] }));
          return;
        case "restart":
          void this.restart();
          return;
      }
    }
    await this.acquire();
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const d = this.opts.delayMs?.(sr) ?? 0;
      if (d > 0) await new Promise((r) => setTimeout(r, d));
      const n = typeof body.n === "number" ? body.n : 1;
      const reply = await this.opts.respond(sr);
      this.prompts.push(prompt);
      if (res.destroyed) return;
      res.writeHead(200, { "content-type": "application/json" });
      if (path === "/generate") {
        res.end(JSON.stringify({ text: Array.from({ length: n }, () => prompt + reply.text) }));
      } else {
        const usage = reply.completionTokens !== undefined ? { prompt_tokens: reply.promptTokens ?? 0, completion_tokens: reply.completionTokens, total_tokens: (reply.promptTokens ?? 0) + reply.completionTokens } : undefined;
        res.end(
          JSON.stringify({
            id: `cmpl-${sr.index}`,
            object: "text_completion",
            model: this.opts.model ?? "scripted",
            choices: Array.from({ length: n }, (_, i) => ({ index: i, text: reply.text, finish_reason: reply.finishReason ?? "stop", logprobs: null })),
            ...(usage ? { usage } : {}),
          }),
        );
      }
      this.completed++;
    } finally {
      this.inFlight--;
      this.release();
    }
  }
}
