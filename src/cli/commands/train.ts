import * as fs from "node:fs";
import * as path from "node:path";
import { type CommandIO, defineCommand, UsageError } from "../command.js";
import type { Values } from "../options.js";
import { SYNTHETIC_VALIDATION_SIZE, syntheticRunProblems, syntheticTestProblems, syntheticValidationProblems } from "../../data/synthetic.js";
import { ensureBackend } from "../../losses/index.js";
import { TinyModel } from "../../tiny/model.js";
import { TINY_SIZES, trainTeacherSft } from "../../train/sft-teacher.js";
import { evaluateGreedy, ITERATE_DEFAULTS as D, iterate } from "../../train/iterate.js";
import { PyodidePool } from "../../interpreter/index.js";

const ACTIONS = {
  sft: "train the built-in tiny policy from scratch on the synthetic teacher's solutions",
  iterate: "run the iterative M-DPO / M-KTO loop from a tiny policy (sample → grade → pairs → train → eval)",
  eval: "greedy accuracy of a tiny policy on the fixed synthetic test set",
} as const;
type Action = keyof typeof ACTIONS;

/** Every action's options; an option's help starts with the actions it belongs to. */
const OPTIONS = {
  out: { type: "string", metavar: "DIR", help: "sft, iterate: where to save the model (sft: required; iterate: DIR/iter-K and metrics.json)" },
  model: { type: "string", metavar: "DIR", default: "data/tiny/sft", help: "iterate, eval: the starting / evaluated tiny policy" },
  test: { type: "int", min: 0, default: 300, help: "iterate, eval: test problems (the fixed set)" },
  size: { type: "string", choices: ["small", "quick"], default: "small", help: "sft: model size (small: d=64, 2 layers, 4 heads)" },
  from: { type: "string", metavar: "DIR", help: "sft: continue training a saved tiny policy instead of a fresh one" },
  problems: { type: "int", min: 0, default: 6000, help: "sft: training problems" },
  batch: { type: "int", min: 1, default: 16, metavar: "B", help: "sft: sequences per step" },
  "data-seed": { type: "int", min: 0, default: 1, help: "sft: seed of the synthetic problems" },
  "init-seed": { type: "int", min: 0, default: 1, help: "sft: seed of the initial weights" },
  epochs: { type: "int", min: 0, metavar: "E", help: "sft, iterate: passes over the data", defaultText: `sft 2, iterate ${D.epochs}` },
  lr: { type: "number", min: 0, metavar: "LR", help: "sft, iterate: (peak) learning rate", defaultText: `sft 2e-3, iterate ${D.lr}` },
  seed: { type: "int", min: 0, metavar: "S", help: "sft, iterate: shuffling / run seed", defaultText: `sft 0, iterate ${D.seed}` },
  iterations: { type: "int", min: 0, default: D.iterations, metavar: "K", help: "iterate: iterations" },
  loss: { type: "string", choices: ["mdpo", "mkto", "raft"], default: D.loss, help: "iterate: the update (mdpo: M-DPO on random pairs; mkto: M-KTO on both members of each pair; raft: SFT on one random correct trajectory per prompt)" },
  reference: { type: "string", choices: ["previous", "sft"], default: D.reference, help: "iterate: reference model of iteration t (previous: the previous iteration's model, the paper's; sft: the SFT model every iteration, the paper's ablation)" },
  mask: { type: "string", choices: ["on", "off"], default: "on", help: "iterate: mask observations out of the loss" },
  samples: { type: "int", min: 0, default: D.samplesPerPrompt, help: "iterate: trajectories per prompt (N)" },
  "previous-samples": { type: "int", min: 0, default: D.previousSamples, metavar: "M", help: "iterate: of the N, how many the previous iteration's model writes (mixture sampling; 0: on-policy)" },
  "eval-every": { type: "string", choices: ["every", "last"], default: D.evaluate, help: "iterate: evaluate every iteration's model or only the last" },
  prompts: { type: "int", min: 1, default: D.promptsPerIteration, metavar: "P", help: "iterate: training prompts per iteration" },
  temperature: { type: "number", min: 0, default: D.temperature, metavar: "T", help: "iterate: sampling temperature" },
  trainable: { type: "string", choices: ["all", "mlp"], default: D.trainable, help: "iterate: parameters the preference steps train (mlp freezes attention and embeddings)" },
  beta: { type: "number", min: 0, default: D.beta, metavar: "B", help: "iterate: β" },
  nll: { type: "number", min: 0, default: D.nllCoef, metavar: "C", help: "iterate: coefficient of the NLL term" },
  select: { type: "string", choices: ["last", "best"], default: D.select, help: "iterate: the model an iteration keeps (best: the checkpoint with the best greedy accuracy on the validation problems, as the paper keeps its best checkpoint)" },
  "checkpoint-every": { type: "int", min: 1, default: D.checkpointEvery, metavar: "K", help: "iterate: steps between the checkpoints --select best compares" },
  validation: { type: "int", min: 1, default: SYNTHETIC_VALIDATION_SIZE, metavar: "N", help: "iterate: held-out problems for --select best (synthetic test problems 1,001 and up)" },
} as const;
type TrainValues = Values<typeof OPTIONS>;

/** Refuses an option given to an action it does not belong to (its help names the actions). */
function checkAction(action: Action, args: readonly string[]): void {
  for (const a of args) {
    const name = /^--([a-z-]+)/.exec(a)?.[1];
    const spec = name ? (OPTIONS as Record<string, { help: string }>)[name] : undefined;
    const actions = spec?.help.split(":")[0]!.split(", ");
    if (actions && !actions.includes(action)) throw new UsageError(`--${name} is an option of train ${actions.join(" / ")}, not of train ${action}`);
  }
}

function loadModel(dir: string): TinyModel {
  try {
    return TinyModel.load(dir);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

async function runSft(values: TrainValues, io: CommandIO): Promise<number> {
  if (!values.out) throw new UsageError("train sft: --out DIR is required");
  const backend = await ensureBackend();
  io.stderr.write(`backend: ${backend.chosen}\n`);
  const t0 = Date.now();
  const { model, result } = await trainTeacherSft({
    ...(values.from ? { model: loadModel(values.from) } : {}),
    size: TINY_SIZES[values.size],
    n: values.problems,
    epochs: values.epochs ?? 2,
    lr: values.lr ?? 2e-3,
    batchSize: values.batch,
    seed: values.seed ?? 0,
    dataSeed: values["data-seed"],
    initSeed: values["init-seed"],
    onStep: (s) => {
      if (s.step % 25 === 0 || s.step === s.steps) io.stderr.write(`step ${s.step}/${s.steps} loss ${s.loss.toFixed(4)} lr ${s.lr.toExponential(2)} |g| ${s.gradNorm.toFixed(2)} ${((Date.now() - t0) / 1000).toFixed(0)}s\n`);
    },
  });
  model.save(values.out);
  io.stdout.write(`saved ${values.out} (${model.parameterCount} parameters, ${result.steps} steps, final loss ${(model.meta["sft"] as { finalLoss: number }).finalLoss.toFixed(4)}, ${(result.ms / 1000).toFixed(0)} s)\n`);
  return 0;
}

async function runIterate(values: TrainValues, io: CommandIO): Promise<number> {
  const model = loadModel(values.model);
  const { iterations, prompts } = values;
  const seed = values.seed ?? D.seed;
  const backend = await ensureBackend();
  io.stderr.write(`backend: ${backend.chosen}\n`);
  const res = await iterate({
    policy: model,
    problems: syntheticRunProblems(prompts, iterations, seed),
    testProblems: syntheticTestProblems(values.test),
    ...(values.select === "best" ? { validationProblems: syntheticValidationProblems(values.validation, values.test) } : {}),
    select: values.select as "last" | "best",
    checkpointEvery: values["checkpoint-every"],
    iterations,
    samplesPerPrompt: values.samples,
    previousSamples: values["previous-samples"],
    evaluate: values["eval-every"],
    promptsPerIteration: prompts,
    loss: values.loss,
    reference: values.reference,
    mask: values.mask === "on",
    lr: values.lr ?? D.lr,
    beta: values.beta,
    epochs: values.epochs ?? D.epochs,
    nllCoef: values.nll,
    temperature: values.temperature,
    trainable: values.trainable,
    seed,
    progress: false,
    onLog: (l) => io.stderr.write(l + "\n"),
    onIteration: (m, mdl) => {
      if (values.out && m.iteration > 0) mdl.save(path.join(values.out, `iter-${m.iteration}`));
    },
  });
  io.stdout.write("iteration  greedy-acc  pass@k  sample-acc  pairs  reward-acc  margin   loss\n");
  for (const r of res.rows) {
    const f = (x: number | null, p = false) => (x === null ? "-" : p ? pct(x) : x.toFixed(3));
    io.stdout.write(`${String(r.iteration).padStart(9)}  ${(r.greedyAccuracy === null ? "-" : pct(r.greedyAccuracy)).padStart(10)}  ${f(r.passAtK, true).padStart(6)}  ${f(r.sampleAccuracy, true).padStart(10)}  ${String(r.pairsUsed ?? "-").padStart(5)}  ${f(r.rewardAccuracy, true).padStart(10)}  ${f(r.margin).padStart(6)}  ${f(r.loss).padStart(6)}\n`);
  }
  if (values.out) {
    fs.mkdirSync(values.out, { recursive: true });
    fs.writeFileSync(path.join(values.out, "metrics.json"), JSON.stringify({ settings: res.settings, rows: res.rows }, null, 1) + "\n");
  }
  return 0;
}

async function runEval(values: TrainValues, io: CommandIO): Promise<number> {
  const model = loadModel(values.model);
  await ensureBackend();
  const pool = new PyodidePool({ workers: 1, timeoutMs: 5000 });
  try {
    const r = await evaluateGreedy(model, syntheticTestProblems(values.test), { interpreter: () => pool.session() });
    io.stdout.write(`greedy accuracy ${pct(r.accuracy)} (${r.correct}/${r.total})\n`);
  } finally {
    await pool.close();
  }
  return 0;
}

const RUN: Record<Action, (values: TrainValues, io: CommandIO) => Promise<number>> = { sft: runSft, iterate: runIterate, eval: runEval };

const command_ = defineCommand({
  name: "train",
  summary: "train the built-in tiny policy (SFT) and run iterative M-DPO / M-KTO on it",
  description: "Trains and evaluates the built-in tiny policy on synthetic problems. Each option's help starts with the actions it belongs to; giving it to another action is a usage error. The backend is the best that works (MATHAGENT_BACKEND=wasm|cpu|... forces one).",
  positionals: [{ name: "action", required: true, choices: ACTIONS }],
  options: OPTIONS,
  run: ({ values, positionals, io }) => RUN[positionals[0] as Action](values, io),
});

export const command = {
  ...command_,
  async run(args: string[], io: CommandIO): Promise<number> {
    const action = args[0];
    if (action && action in ACTIONS) checkAction(action as Action, args.slice(1));
    return command_.run(args, io);
  },
};
