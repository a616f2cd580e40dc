/**
 * Headless Chromium (Debian's `chromium`) driven over the DevTools protocol: open a page, wait for
 * it to load, and report console errors, uncaught exceptions and every request that left the
 * machine (anything not file:, data: or blob:).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import WebSocket from "ws";

export const CHROMIUM = process.env["MATHAGENT_CHROMIUM"] ?? "/usr/bin/chromium";

export interface PageReport {
  errors: string[];
  network: string[];
  /** The value of `evaluate` after the page loaded. */
  value: unknown;
}

type Message = { id?: number; method?: string; params?: Record<string, any>; result?: Record<string, any>; error?: { message: string }; sessionId?: string };

class Cdp {
  private seq = 0;
  private readonly pending = new Map<number, (m: Message) => void>();
  readonly events: Message[] = [];
  private listeners: ((m: Message) => void)[] = [];
  constructor(private readonly ws: WebSocket) {
    ws.on("message", (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as Message;
      if (m.id !== undefined) this.pending.get(m.id)?.(m);
      else {
        this.events.push(m);
        for (const l of this.listeners) l(m);
      }
    });
  }
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, any>> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result ?? {})));
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }
  waitFor(method: string, timeoutMs: number): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      const l = (m: Message) => {
        if (m.method !== method) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((x) => x !== l);
        resolve(m);
      };
      this.listeners.push(l);
    });
  }
}

async function launch(): Promise<{ child: ChildProcess; url: string; dir: string }> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (sudo apt-get install --no-install-recommends chromium; scripts/test.sh does it as root)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chromium-"));
  const child = spawn(CHROMIUM, ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking", "--remote-debugging-port=0", `--user-data-dir=${dir}`, "about:blank"], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  const url = await new Promise<string>((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`chromium did not start:\n${log}`)), 30_000);
    child.stderr!.on("data", (b: Buffer) => {
      log += b;
      const m = /DevTools listening on (ws:\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => reject(new Error(`chromium exited (${code}):\n${log}`)));
  });
  return { child, url, dir };
}

/** Opens `file` in headless Chromium, waits for the load event and `settleMs`, then evaluates `expression`. */
export async function openPage(file: string, expression: string, settleMs = 1500): Promise<PageReport> {
  const { child, url, dir } = await launch();
  const ws = new WebSocket(url);
  await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
  const cdp = new Cdp(ws);
  try {
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    for (const d of ["Page", "Runtime", "Log", "Network"]) await cdp.send(`${d}.enable`, {}, sessionId);
    const loaded = cdp.waitFor("Page.loadEventFired", 60_000);
    await cdp.send("Page.navigate", { url: `file://${path.resolve(file)}` }, sessionId);
    await loaded;
    await new Promise((r) => setTimeout(r, settleMs));
    const { result } = await cdp.send("Runtime.evaluate", { expression, returnByValue: true }, sessionId);
    const errors: string[] = [];
    const network: string[] = [];
    for (const e of cdp.events) {
      if (e.method === "Runtime.exceptionThrown") errors.push(`exception: ${e.params!.exceptionDetails.exception?.description ?? e.params!.exceptionDetails.text}`);
      if (e.method === "Runtime.consoleAPICalled" && e.params!.type === "error") errors.push(`console.error: ${e.params!.args.map((a: any) => a.value ?? a.description).join(" ")}`);
      if (e.method === "Log.entryAdded" && e.params!.entry.level === "error") errors.push(`log: ${e.params!.entry.text} ${e.params!.entry.url ?? ""}`);
      if (e.method === "Network.requestWillBeSent" && !/^(file|data|blob|about):/.test(e.params!.request.url)) network.push(e.params!.request.url);
    }
    return { errors, network, value: result.value };
  } finally {
    ws.close();
    // the whole process group: Chromium's helper processes would go on writing the profile
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", r));
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // the group is gone already
    }
    await exited;
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

/** Counts the plot divs of a page and those in which Plotly drew an SVG. */
export const PLOTS_DRAWN = `(() => { const plots = [...document.querySelectorAll(".mathagent-plot")]; const drawn = plots.filter((p) => p.querySelector("svg.main-svg")); return { plots: plots.length, drawn: drawn.length, texts: plots.filter((p) => !drawn.includes(p)).map((p) => p.textContent.slice(0, 80)) }; })()`;
