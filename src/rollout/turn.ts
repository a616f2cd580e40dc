/** One model call and one code run of a trajectory, with the run's policy, template and interpreter. */
import type { Completion } from "../policy/index.js";
import type { ErrorBreaker } from "./breaker.js";
import { NO_PROGRAM_TEXT, runCells } from "./cells.js";
import type { Live } from "./live.js";
import { extractCode, replayCode } from "./text.js";
import type { RunOptions } from "../interpreter/index.js";
import type { CodeSession, Interpreter, Observation } from "./types.js";
import type { ChatTemplate } from "../chat/index.js";

/**
 * How code reaches the interpreter:
 * - `cells`: the paper's executor: every closed block of the prompt so far re-run in order in a
 *   fresh interpreter (`runCells`), the last block's output returned (needs a shared interpreter);
 * - `session`: one interpreter per trajectory (from a factory); only the blocks new in a turn run,
 *   one by one, and the last one's output is returned;
 * - `replay`: a shared stateless interpreter; earlier blocks re-run silently before the new ones;
 * - `last`: a shared interpreter; only the new blocks run, joined.
 */
export type ExecutionMode = "cells" | "session" | "replay" | "last";

export interface TurnContext {
  template: ChatTemplate;
  maxTokens: number;
  temperature: number;
  topP: number;
  topK?: number;
  execution: ExecutionMode;
  shared?: Interpreter;
  factory?: () => CodeSession | Promise<CodeSession>;
  codeTimeoutMs?: number;
  signal: AbortSignal;
  breaker: ErrorBreaker;
  observationText: (obs: Observation) => string;
}

export function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === "AbortError";
}

/** Ask the trajectory's policy for the next turn; a failure is recorded (or trips the breaker and is thrown). */
export async function completeTurn(ctx: TurnContext, live: Live): Promise<void> {
  const g0 = Date.now();
  let c: Completion | undefined;
  try {
    const out = await live.job.policy.policy.complete(live.text(), {
      stop: ctx.template.stop,
      maxTokens: ctx.maxTokens,
      temperature: ctx.temperature,
      topP: ctx.topP,
      ...(ctx.topK !== undefined ? { topK: ctx.topK } : {}),
      seed: live.job.seed,
      n: 1,
      signal: ctx.signal,
    });
    c = out[0];
    if (!c || typeof c.text !== "string") throw new Error("the policy returned no completion");
  } catch (e) {
    if (isAbort(e) || ctx.signal.aborted) throw e;
    if (ctx.breaker.fail(errMessage(e))) throw e;
    live.failCall(errMessage(e), Date.now() - g0);
    return;
  }
  ctx.breaker.ok();
  live.addTurn(c, Date.now() - g0);
}

async function runner(ctx: TurnContext, live: Live): Promise<CodeSession | Interpreter> {
  if (ctx.execution === "session" || !ctx.shared) return (live.session ??= await ctx.factory!());
  return ctx.shared;
}

/** Run the closed blocks the execution mode calls for; null when there is nothing new to run. */
async function runBlocks(ctx: TurnContext, live: Live, blocks: string[]): Promise<Observation | null> {
  const r = await runner(ctx, live);
  const opts: RunOptions = { signal: ctx.signal, ...(ctx.codeTimeoutMs !== undefined ? { timeoutMs: ctx.codeTimeoutMs } : {}) };
  const fresh = blocks.slice(live.ran.length);
  const step = live.lastStep;
  if (ctx.execution === "cells") {
    step.code = blocks[blocks.length - 1]!;
    step.cells = blocks.length;
    return runCells(r, blocks, opts);
  }
  if (fresh.length === 0) return null;
  step.code = fresh.join("\n");
  step.cells = fresh.length;
  if (ctx.execution === "replay") return r.run(replayCode(live.ran, fresh.join("\n")), opts);
  if (ctx.execution === "last") return r.run(fresh.join("\n"), opts);
  let obs: Observation | null = null;
  for (const b of fresh) obs = await r.run(b, opts);
  return obs;
}

/**
 * Run the code of the prompt so far (the paper extracts it from the whole query) and append the
 * observation. No closed block at all gives the paper's "Undefined error:"; in the non-paper modes a
 * turn with no new closed block repeats the last observation (what re-running would print).
 */
export async function executeTurn(ctx: TurnContext, live: Live): Promise<void> {
  const step = live.lastStep;
  if (extractCode(step.text).unclosed) step.unclosedBlock = true;
  const { blocks } = extractCode(live.text());
  if (blocks.length === 0) {
    live.addObservation(NO_PROGRAM_TEXT);
    return;
  }
  const e0 = Date.now();
  let obs: Observation | null;
  try {
    obs = await runBlocks(ctx, live, blocks);
  } catch (e) {
    if (isAbort(e) || ctx.signal.aborted) throw e;
    live.failRun(`interpreter failed: ${errMessage(e)}`, Date.now() - e0);
    return;
  }
  step.execMs = Date.now() - e0;
  live.ran = blocks;
  obs ??= live.lastObservation;
  if (obs === null) {
    live.addObservation(NO_PROGRAM_TEXT);
    return;
  }
  live.lastObservation = obs;
  step.observation = obs;
  let text: string;
  try {
    text = ctx.observationText(obs);
  } catch (e) {
    text = `[observation could not be formatted: ${errMessage(e)}]`;
  }
  live.addObservation(text);
}
