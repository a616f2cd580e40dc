import * as fs from "node:fs";
import * as readline from "node:readline";
import { type Command, type CommandIO, parseCommandArgs, UsageError } from "../command.js";
import { DPO_LOSS_NAMES, DPO_LOSS_TYPES, type DpoLossType, dpoLossTypeOf, ktoExamplesFromRow, type LogProbExample, type LogProbPair, lossRowObject, mdpoFromLogProbs, mktoFromLogProbs, pairFromRow } from "../../losses/index.js";
import { mdpoWithTfjs, mktoWithTfjs } from "../../losses/tfjs-batch.js";
import { asUsage } from "../trajectory-input.js";

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
  --loss TYPE             kto, or a DPO loss type (default dpo = sigmoid, the paper's):
${DPO_LOSS_NAMES.map((t) => `                            ${[t, ...DPO_LOSS_TYPES[t].aliases].join(" / ")}: ${DPO_LOSS_TYPES[t].summary}`).join("\n")}
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

type LossValues = { [k: string]: string | boolean | undefined };
type Lined<T> = { line: number; id?: unknown } & T;
const withId = (r: { line: number; id?: unknown }) => ({ line: r.line, ...(r.id !== undefined ? { id: r.id } : {}) });

async function ktoReport(examples: Lined<{ ex: LogProbExample }>[], values: LossValues, beta: number): Promise<Record<string, unknown>> {
  const str = (k: string) => values[k] as string | undefined;
  const opts = {
    beta,
    desirableWeight: num(str("desirable-weight"), "desirable-weight", 1),
    undesirableWeight: num(str("undesirable-weight"), "undesirable-weight", 1),
    ...(values.kl !== undefined ? { kl: num(str("kl"), "kl", 0) } : {}),
  };
  const exs = examples.map((e) => e.ex);
  const res = values.engine === "tfjs" ? await mktoWithTfjs(exs, opts) : mktoFromLogProbs(exs, opts);
  const rows = res.examples.map((x, i) => ({ ...withId(examples[i]!), desirable: x.desirable, loss: x.loss, reward: x.reward, logp: x.logp, tokens: x.tokens }));
  return { loss_type: "kto", engine: values.engine, options: opts, metrics: res.metrics, ...(values["metrics-only"] ? {} : { examples: rows }) };
}

async function dpoReport(pairs: Lined<{ pair: LogProbPair }>[], values: LossValues, beta: number, lossType: DpoLossType): Promise<Record<string, unknown>> {
  const str = (k: string) => values[k] as string | undefined;
  const opts = { beta, lossType, labelSmoothing: num(str("label-smoothing"), "label-smoothing", 0), nllCoef: num(str("nll-coef"), "nll-coef", 0), averageLogRatios: values.average === true };
  const ps = pairs.map((p) => p.pair);
  let res;
  try {
    res = values.engine === "tfjs" ? await mdpoWithTfjs(ps, opts) : mdpoFromLogProbs(ps, opts);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const rows = res.pairs.map((x, i) => ({
    ...withId(pairs[i]!),
    loss: x.loss,
    chosen_reward: x.chosenReward,
    rejected_reward: x.rejectedReward,
    margin: x.margin,
    chosen_logp: x.chosenLogp,
    rejected_logp: x.rejectedLogp,
    chosen_tokens: x.chosenTokens,
    rejected_tokens: x.rejectedTokens,
  }));
  return { loss_type: lossType, engine: values.engine, options: opts, metrics: res.metrics, ...(values["metrics-only"] ? {} : { pairs: rows }) };
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
    const lossType: DpoLossType | "kto" = lossName === "kto" ? "kto" : asUsage(() => dpoLossTypeOf(lossName));
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
        const r = lossRowObject(raw);
        if (lossType === "kto") examples.push(...ktoExamplesFromRow(r).map((ex) => ({ line: lineNo, id: r["id"], ex })));
        else pairs.push({ line: lineNo, id: r["id"], pair: pairFromRow(r) });
      } catch (e) {
        const msg = (e as Error).message.replace(/^(pair|example) \d+:? ?/, "");
        errors.push({ line: lineNo, error: msg });
        io.stderr.write(`${values.input === "-" ? "<stdin>" : values.input}:${lineNo}: ${msg}\n`);
      }
    }

    const rows = lossType === "kto" ? examples : pairs;
    if (rows.length === 0) {
      io.stderr.write("mathagent loss: no valid input lines\n");
      io.stdout.write(JSON.stringify({ loss_type: lossType, errors }, null, 2) + "\n");
      return 1;
    }
    const out = lossType === "kto" ? await ktoReport(examples, values, beta) : await dpoReport(pairs, values, beta, lossType);
    Object.assign(out, { errors });
    io.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return errors.length ? 1 : 0;
  },
};
