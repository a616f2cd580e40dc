import * as fs from "node:fs";
import * as readline from "node:readline";
import { type Command, type CommandIO, parseCommandArgs, UsageError } from "../command.js";
import { mdpoFromLogProbs, mktoFromLogProbs, type LogProbExample, type LogProbPair } from "../../losses/precomputed.js";
import type { DpoLossType } from "../../losses/options.js";

const usage = `usage: mathagent loss --input FILE [options]

M-DPO / M-KTO losses, implicit rewards and batch metrics from precomputed per-token log-probs
(e.g. an inference server's prompt log-probs), computed in float64; prints one JSON document.

Each input line (JSON) holds one pair, arrays of equal length per trajectory:
  {"policy_chosen": [...], "policy_rejected": [...], "ref_chosen": [...], "ref_rejected": [...],
   "mask_chosen": [0,1,...], "mask_rejected": [...], "id": optional}
For --loss kto a line may instead hold one trajectory:
  {"policy": [...], "ref": [...], "mask": [...], "desirable": true|false}
(a pair line then gives one desirable and one undesirable example).
Masks are 1 on tokens the model wrote and 0 on prompt, tool output and padding.

options:
  --input FILE            JSON Lines input ("-" = standard input)
  --loss TYPE             dpo (= sigmoid, the paper's), ipo, hinge or kto (default dpo)
  --beta B                β (default 0.1)
  --label-smoothing E     label smoothing for dpo (default 0)
  --nll-coef C            coefficient of the NLL term on chosen trajectories (default 0)
  --average               per-token mean log-ratios instead of sums
  --desirable-weight W    KTO λD (default 1)
  --undesirable-weight W  KTO λU (default 1)
  --kl Z                  KTO reference point z0 (default: the batch estimate)
  --engine host|tfjs      host: float64 (default); tfjs: the TensorFlow.js losses on the selected backend
  --metrics-only          print only the batch metrics

A bad line does not stop the run: it is reported as "FILE:LINE: why" on stderr and in "errors",
and the exit code is 1.`;

interface LineError {
  line: number;
  error: string;
}

function numArray(row: Record<string, unknown>, key: string): number[] {
  const v = row[key];
  if (v === undefined) throw new Error(`missing "${key}"`);
  if (!Array.isArray(v)) throw new Error(`"${key}" must be an array of numbers`);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== "number" || !Number.isFinite(v[i] as number)) throw new Error(`"${key}"[${i}] is ${JSON.stringify(v[i])}, not a finite number`);
  }
  return v as number[];
}

function pairFrom(row: Record<string, unknown>): LogProbPair {
  const p: LogProbPair = {
    policyChosen: numArray(row, "policy_chosen"),
    policyRejected: numArray(row, "policy_rejected"),
    refChosen: numArray(row, "ref_chosen"),
    refRejected: numArray(row, "ref_rejected"),
    maskChosen: numArray(row, "mask_chosen"),
    maskRejected: numArray(row, "mask_rejected"),
  };
  if (p.policyChosen.length !== p.refChosen.length || p.policyChosen.length !== p.maskChosen.length) {
    throw new Error(`chosen arrays differ in length: policy ${p.policyChosen.length}, ref ${p.refChosen.length}, mask ${p.maskChosen.length}`);
  }
  if (p.policyRejected.length !== p.refRejected.length || p.policyRejected.length !== p.maskRejected.length) {
    throw new Error(`rejected arrays differ in length: policy ${p.policyRejected.length}, ref ${p.refRejected.length}, mask ${p.maskRejected.length}`);
  }
  return p;
}

function num(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return x;
}

async function* lines(input: string, io: CommandIO): AsyncGenerator<string> {
  const stream = input === "-" ? io.stdin : fs.createReadStream(input, { encoding: "utf8" });
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

export const command: Command = {
  name: "loss",
  summary: "M-DPO / M-KTO losses and implicit rewards from precomputed per-token log-probs",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      input: { type: "string" },
      loss: { type: "string", default: "dpo" },
      beta: { type: "string" },
      "label-smoothing": { type: "string" },
      "nll-coef": { type: "string" },
      average: { type: "boolean", default: false },
      "desirable-weight": { type: "string" },
      "undesirable-weight": { type: "string" },
      kl: { type: "string" },
      engine: { type: "string", default: "host" },
      "metrics-only": { type: "boolean", default: false },
    });
    if (!values.input) throw new UsageError("--input FILE is required (use - for standard input)");
    const lossName = values.loss!;
    const lossType: DpoLossType | "kto" = lossName === "dpo" || lossName === "sigmoid" ? "sigmoid" : (lossName as DpoLossType | "kto");
    if (!["sigmoid", "ipo", "hinge", "kto"].includes(lossType)) throw new UsageError(`--loss must be dpo, ipo, hinge or kto, got "${lossName}"`);
    const engine = values.engine!;
    if (engine !== "host" && engine !== "tfjs") throw new UsageError(`--engine must be host or tfjs, got "${engine}"`);
    const beta = num(values.beta, "beta", 0.1);
    if (!(beta > 0)) throw new UsageError(`--beta must be positive, got ${beta}`);
    if (values.input !== "-" && !fs.existsSync(values.input)) throw new UsageError(`input file not found: ${values.input}`);

    const errors: LineError[] = [];
    const pairs: { line: number; id?: unknown; pair: LogProbPair }[] = [];
    const examples: { line: number; id?: unknown; ex: LogProbExample }[] = [];
    let lineNo = 0;
    for await (const raw of lines(values.input, io)) {
      lineNo++;
      if (!raw.trim()) continue;
      try {
        let row: unknown;
        try {
          row = JSON.parse(raw);
        } catch (e) {
          throw new Error(`not JSON (${(e as Error).message})`);
        }
        if (!row || typeof row !== "object" || Array.isArray(row)) throw new Error("expected a JSON object");
        const r = row as Record<string, unknown>;
        if (lossType === "kto" && "policy" in r) {
          const ex: LogProbExample = { policy: numArray(r, "policy"), ref: numArray(r, "ref"), mask: numArray(r, "mask"), desirable: false };
          const d = r["desirable"] ?? r["label"];
          if (typeof d !== "boolean") throw new Error('"desirable" (or "label") must be true or false');
          ex.desirable = d;
          if (ex.policy.length !== ex.ref.length || ex.policy.length !== ex.mask.length) throw new Error(`policy (${ex.policy.length}), ref (${ex.ref.length}) and mask (${ex.mask.length}) lengths differ`);
          examples.push({ line: lineNo, id: r["id"], ex });
        } else {
          const pair = pairFrom(r);
          if (lossType === "kto") {
            examples.push({ line: lineNo, id: r["id"], ex: { policy: pair.policyChosen, ref: pair.refChosen, mask: pair.maskChosen, desirable: true } });
            examples.push({ line: lineNo, id: r["id"], ex: { policy: pair.policyRejected, ref: pair.refRejected, mask: pair.maskRejected, desirable: false } });
          } else pairs.push({ line: lineNo, id: r["id"], pair });
        }
        // validate values (masks 0/1, log-probs ≤ 0) now so the error names this line
        if (lossType === "kto" && "policy" in r) {
          try {
            mktoFromLogProbs([examples[examples.length - 1]!.ex]);
          } catch (e) {
            examples.pop();
            throw e;
          }
        } else {
          try {
            mdpoFromLogProbs([pairFrom(r)]);
          } catch (e) {
            if (lossType === "kto") examples.splice(examples.length - 2, 2);
            else pairs.pop();
            throw e;
          }
        }
      } catch (e) {
        const msg = (e as Error).message.replace(/^(pair|example) \d+:? ?/, "");
        errors.push({ line: lineNo, error: msg });
        io.stderr.write(`${values.input === "-" ? "<stdin>" : values.input}:${lineNo}: ${msg}\n`);
      }
    }

    let out: Record<string, unknown>;
    if (lossType === "kto") {
      if (examples.length === 0) {
        io.stderr.write("mathagent loss: no valid input lines\n");
        io.stdout.write(JSON.stringify({ loss_type: "kto", errors }, null, 2) + "\n");
        return 1;
      }
      const opts = {
        beta,
        desirableWeight: num(values["desirable-weight"], "desirable-weight", 1),
        undesirableWeight: num(values["undesirable-weight"], "undesirable-weight", 1),
        ...(values.kl !== undefined ? { kl: num(values.kl, "kl", 0) } : {}),
      };
      const res = engine === "tfjs" ? await ktoWithTfjs(examples.map((e) => e.ex), opts) : mktoFromLogProbs(examples.map((e) => e.ex), opts);
      out = {
        loss_type: "kto",
        engine,
        options: opts,
        metrics: res.metrics,
        ...(values["metrics-only"]
          ? {}
          : {
              examples: res.examples.map((x, i) => ({
                line: examples[i]!.line,
                ...(examples[i]!.id !== undefined ? { id: examples[i]!.id } : {}),
                desirable: x.desirable,
                loss: x.loss,
                reward: x.reward,
                logp: x.logp,
                tokens: x.tokens,
              })),
            }),
        errors,
      };
    } else {
      if (pairs.length === 0) {
        io.stderr.write("mathagent loss: no valid input lines\n");
        io.stdout.write(JSON.stringify({ loss_type: lossType, errors }, null, 2) + "\n");
        return 1;
      }
      const opts = {
        beta,
        lossType,
        labelSmoothing: num(values["label-smoothing"], "label-smoothing", 0),
        nllCoef: num(values["nll-coef"], "nll-coef", 0),
        averageLogRatios: values.average!,
      };
      let res;
      try {
        res = engine === "tfjs" ? await dpoWithTfjs(pairs.map((p) => p.pair), opts) : mdpoFromLogProbs(pairs.map((p) => p.pair), opts);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      out = {
        loss_type: lossType,
        engine,
        options: opts,
        metrics: res.metrics,
        ...(values["metrics-only"]
          ? {}
          : {
              pairs: res.pairs.map((x, i) => ({
                line: pairs[i]!.line,
                ...(pairs[i]!.id !== undefined ? { id: pairs[i]!.id } : {}),
                loss: x.loss,
                chosen_reward: x.chosenReward,
                rejected_reward: x.rejectedReward,
                margin: x.margin,
                chosen_logp: x.chosenLogp,
                rejected_logp: x.rejectedLogp,
                chosen_tokens: x.chosenTokens,
                rejected_tokens: x.rejectedTokens,
              })),
            }),
        errors,
      };
    }
    io.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return errors.length ? 1 : 0;
  },
};

/** Pad `rows` (each a number array) into a Float32Array [rows.length, T]. */
function pad(rows: ArrayLike<number>[], T: number): Float32Array {
  const out = new Float32Array(rows.length * T);
  rows.forEach((r, i) => out.set(Float32Array.from(r as ArrayLike<number>), i * T));
  return out;
}

async function dpoWithTfjs(pairs: LogProbPair[], opts: Parameters<typeof mdpoFromLogProbs>[1]) {
  const { ensureBackend, tf } = await import("../../losses/backend.js");
  const { mdpoLoss, readMdpoMetrics } = await import("../../losses/losses.js");
  await ensureBackend();
  const P = pairs.length;
  const Tc = Math.max(1, ...pairs.map((p) => p.policyChosen.length));
  const Tr = Math.max(1, ...pairs.map((p) => p.policyRejected.length));
  const t = (rows: ArrayLike<number>[], T: number) => tf.tensor2d(pad(rows, T), [P, T]);
  const out = mdpoLoss(
    {
      policyChosen: t(pairs.map((p) => p.policyChosen), Tc),
      policyRejected: t(pairs.map((p) => p.policyRejected), Tr),
      refChosen: t(pairs.map((p) => p.refChosen), Tc),
      refRejected: t(pairs.map((p) => p.refRejected), Tr),
      maskChosen: t(pairs.map((p) => p.maskChosen), Tc),
      maskRejected: t(pairs.map((p) => p.maskRejected), Tr),
    },
    opts,
  );
  const metrics = await readMdpoMetrics(out);
  const [l, cr, rr, cl, rl] = await Promise.all([out.losses, out.chosenRewards, out.rejectedRewards, out.chosenLogps, out.rejectedLogps].map((x) => x.data()));
  const host = mdpoFromLogProbs(pairs, opts); // token counts and NLL per pair
  return {
    metrics,
    pairs: host.pairs.map((h, i) => ({ ...h, loss: l![i]!, chosenReward: cr![i]!, rejectedReward: rr![i]!, margin: cr![i]! - rr![i]!, chosenLogp: cl![i]!, rejectedLogp: rl![i]! })),
  };
}

async function ktoWithTfjs(examples: LogProbExample[], opts: Parameters<typeof mktoFromLogProbs>[1]) {
  const { ensureBackend, tf } = await import("../../losses/backend.js");
  const { mktoLoss, readMktoMetrics } = await import("../../losses/losses.js");
  await ensureBackend();
  const B = examples.length;
  const T = Math.max(1, ...examples.map((e) => e.policy.length));
  const t = (rows: ArrayLike<number>[]) => tf.tensor2d(pad(rows, T), [B, T]);
  const out = mktoLoss({ policy: t(examples.map((e) => e.policy)), ref: t(examples.map((e) => e.ref)), mask: t(examples.map((e) => e.mask)), desirable: examples.map((e) => e.desirable) }, opts);
  const metrics = await readMktoMetrics(out);
  const [l, r, lp] = await Promise.all([out.losses, out.rewards, out.logps].map((x) => x.data()));
  const host = mktoFromLogProbs(examples, opts);
  return { metrics, examples: host.examples.map((h, i) => ({ ...h, loss: l![i]!, reward: r![i]!, logp: lp![i]! })) };
}
