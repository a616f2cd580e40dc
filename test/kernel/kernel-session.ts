/**
 * Drives one fresh mathagent kernel through jupyter_client, as Jupyter does: each step runs a cell
 * (optionally interrupting it after some seconds), writes a file, or waits. Returns, per cell, the
 * execute reply and the iopub messages it caused.
 */
import { spawnSync } from "node:child_process";
import { JUPYTER_PYTHON, jupyterEnv } from "../../src/cli/jupyter.js";
import { projectRoot } from "../../src/paths.js";

export type Step = { code: string; interruptAfter?: number } | { write: string; text: string } | { sleep: number };
export interface CellResult {
  reply: { status: string; execution_count?: number; ename?: string; evalue?: string; traceback?: string[] };
  iopub: { type: string; content: Record<string, unknown> }[];
  stdout: string;
  stderr: string;
}

const DRIVER = `
import json, sys, threading, time
from jupyter_client.manager import start_new_kernel
steps = json.loads(sys.argv[1])
km, kc = start_new_kernel(kernel_name="mathagent", startup_timeout=120)
results = []
try:
    for s in steps:
        if "sleep" in s:
            time.sleep(s["sleep"])
        elif "write" in s:
            open(s["write"], "w").write(s["text"])
        else:
            msgs = []
            if "interruptAfter" in s:
                threading.Timer(s["interruptAfter"], km.interrupt_kernel).start()
            r = kc.execute_interactive(s["code"], timeout=60, output_hook=lambda m: msgs.append({"type": m["msg_type"], "content": m["content"]}))
            results.append({"reply": r["content"], "iopub": msgs})
            # tslab drops requests that arrive within 200 ms of a failed cell
            time.sleep(0.4 if r["content"]["status"] == "ok" else 1.0)
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
print(json.dumps(results))
`;

/** `env` is added to the kernel's environment (Jupyter passes its own on). */
export function runSession(steps: Step[], env: NodeJS.ProcessEnv = {}): CellResult[] {
  const r = spawnSync(JUPYTER_PYTHON, ["-c", DRIVER, JSON.stringify(steps)], { cwd: projectRoot, env: { ...jupyterEnv(), ...env }, encoding: "utf8", timeout: 240_000 });
  if (r.status !== 0) throw new Error(`kernel session failed (${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
  const results = JSON.parse(r.stdout.trim().split("\n").pop()!) as Omit<CellResult, "stdout" | "stderr">[];
  const text = (c: Omit<CellResult, "stdout" | "stderr">, name: string) =>
    c.iopub.filter((m) => m.type === "stream" && m.content["name"] === name).map((m) => String(m.content["text"])).join("");
  return results.map((c) => ({ ...c, stdout: text(c, "stdout"), stderr: text(c, "stderr") }));
}
