import * as fs from "node:fs";
import * as readline from "node:readline";
import { type CommandIO, defineCommand, UsageError } from "../command.js";
import type { Values } from "../options.js";
import { requireFile } from "../../io/errors.js";
import { DPO_LOSS_NAMES, DPO_LOSS_TYPES, type DpoLossType, dpoLossTypeOf, ktoExamplesFromRow, type LogProbExample, type LogProbPair, lossRowObject, mdpoFromLogProbs, mktoFromLogProbs, pairFromRow } from "../../losses/index.js";
import { mdpoWithTfjs, mktoWithTfjs } from "../../losses/tfjs-batch.js";
import { asUsage } from "../trajectory-input.js";

const DESCRIPTION = `M-DPO / M-KTO losses, implicit rewards and batch metrics from precomputed per-token log-probs (e.g. an inference server's prompt log-probs), computed in float64; prints one JSON document.

Each input line (JSON) holds one pair, arrays of equal length per trajectory:
  {"policy_chosen": [...], "policy_rejected": [...], "ref_chosen": [...], "ref_rejected": [...], "mask_chosen": [0,1,...], "mask_rejected": [...], "id": optional}
For --loss kto a line may instead hold one trajectory:
  {"policy": [...], "ref": [...], "mask": [...], "desirable": true|false}
(a pair line then gives one desirable and one undesirable example). Masks are 1 on tokens the model wrote and 0 on prompt, tool output and padding.

Loss types: kto, or a DPO loss type:
${DPO_LOSS_NAMES.map((t) => `  ${[t, ...DPO_LOSS_TYPES[t].aliases].join(" / ")}: ${DPO_LOSS_TYPES[t].summary}`).join("\n")}

A bad line does not stop the run: it is reported as "FILE:LINE: why" on stderr and in "errors", and the exit code is 1. A number outside the float64 range (e.g. -1e999) is a bad line.`;

const OPTIONS = {
  input: { type: "string", required: true, metavar: "FILE", help: 'JSON Lines input ("-" = standard input)' },
  loss: { type: "string", default: "dpo", metavar: "TYPE", help: "kto, or a DPO loss type (dpo = sigmoid, the paper's; see above)" },
  beta: { type: "number", min: Number.MIN_VALUE, default: 0.1, metavar: "B", help: "β" },
  "label-smoothing": { type: "number", default: 0, metavar: "E", help: "label smoothing for dpo" },
  "nll-coef": { type: "number", default: 0, metavar: "C", help: "coefficient of the NLL term on chosen trajectories" },
  average: { type: "boolean", help: "per-token mean log-ratios instead of sums" },
  "desirable-weight": { type: "number", default: 1, metavar: "W", help: "KTO λD" },
  "undesirable-weight": { type: "number", default: 1, metavar: "W", help: "KTO λU" },
  kl: { type: "number", metavar: "Z", help: "KTO reference point z0", defaultText: "the batch estimate" },
  engine: { type: "string", choices: ["host", "tfjs"], default: "host", help: "host: float64; tfjs: the TensorFlow.js losses on the selected backend" },
  "metrics-only": { type: "boolean", help: "print only the batch metrics" },
} as const;
type LossValues = Values<typeof OPTIONS>;

interface LineError {
  line: number;
  error: string;
}

async function* lines(input: string, io: CommandIO): AsyncGenerator<string> {
  const stream = input === "-" ? io.stdin : fs.createReadStream(input, { encoding: "utf8" });
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

type Lined<T> = { line: number; id?: unknown } & T;
const withId = (r: { line: number; id?: unknown }) => ({ line: r.line, ...(r.id !== undefined ? { id: r.id } : {}) });

async function ktoReport(examples: Lined<{ ex: LogProbExample }>[], values: LossValues, beta: number): Promise<Record<string, unknown>> {
  const opts = {
    beta,
    desirableWeight: values["desirable-weight"],
    undesirableWeight: values["undesirable-weight"],
    ...(values.kl !== undefined ? { kl: values.kl } : {}),
  };
  const exs = examples.map((e) => e.ex);
  const res = values.engine === "tfjs" ? await mktoWithTfjs(exs, opts) : mktoFromLogProbs(exs, opts);
  const rows = res.examples.map((x, i) => ({ ...withId(examples[i]!), desirable: x.desirable, loss: x.loss, reward: x.reward, logp: x.logp, tokens: x.tokens }));
  return { loss_type: "kto", engine: values.engine, options: opts, metrics: res.metrics, ...(values["metrics-only"] ? {} : { examples: rows }) };
}

async function dpoReport(pairs: Lined<{ pair: LogProbPair }>[], values: LossValues, beta: number, lossType: DpoLossType): Promise<Record<string, unknown>> {
  const opts = { beta, lossType, labelSmoothing: values["label-smoothing"], nllCoef: values["nll-coef"], averageLogRatios: values.average };
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

export const command = defineCommand({
  name: "loss",
  summary: "M-DPO / M-KTO losses and implicit rewards from precomputed per-token log-probs",
  description: DESCRIPTION,
  options: OPTIONS,
  async run({ values, io }) {
    const lossName = values.loss;
    const lossType: DpoLossType | "kto" = lossName === "kto" ? "kto" : asUsage(() => dpoLossTypeOf(lossName));
    const beta = values.beta;
    if (values.input !== "-") requireFile(values.input);

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
});
