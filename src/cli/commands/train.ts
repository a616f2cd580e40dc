import * as fs from "node:fs";
import * as path from "node:path";
import { type Command, type CommandIO, parseCommandArgs, UsageError } from "../command.js";
import { syntheticProblems } from "../../data/synthetic.js";
import { ensureBackend } from "../../losses/index.js";
import { TinyModel } from "../../tiny/model.js";
import { TINY_SIZES, trainTeacherSft } from "../../train/sft-teacher.js";
import { evaluateGreedy, ITERATE_DEFAULTS as D, iterate } from "../../train/iterate.js";
import { PyodidePool } from "../../interpreter/index.js";

const usage = `usage: mathagent train <sft|iterate|eval> [options]

  sft       train the built-in tiny policy from scratch on the synthetic teacher's solutions
  iterate   run the iterative M-DPO / M-KTO loop from a tiny policy (sample → grade → pairs → train → eval)
  eval      greedy accuracy of a tiny policy on the fixed synthetic test set

sft options:
  --out DIR            where to save the model (required)
  --size small|quick   model size (default small: d=64, 2 layers, 4 heads)
  --from DIR           continue training a saved tiny policy instead of a fresh one
  --problems N         training problems (default 6000)
  --epochs E           passes over them (default 2)
  --lr LR              peak learning rate (default 2e-3)
  --batch B            sequences per step (default 16)
  --seed S             shuffling seed (default 0); --data-seed (default 1), --init-seed (default 1)

iterate options:
  --model DIR          starting policy (the SFT model; default data/tiny/sft)
  --out DIR            where to save the models of each iteration (DIR/iter-K) and metrics.json
  --iterations K       (default ${D.iterations})        --loss mdpo|mkto (default ${D.loss})
  --reference previous|sft   reference model of iteration t (default ${D.reference}: the previous iteration's
                       model, the paper's; sft: the SFT model every iteration, the paper's ablation)
  --mask on|off        (default on: observations masked)
  --samples N          trajectories per prompt (default ${D.samplesPerPrompt})
  --prompts P          training prompts per iteration (default ${D.promptsPerIteration})
  --test N             test problems (default 300, the fixed set)
  --temperature T      sampling temperature (default ${D.temperature})
  --trainable all|mlp  parameters the preference steps train (default all; mlp freezes attention and embeddings)
  --lr LR  --beta B  --epochs E  --nll C  --seed S

eval options:
  --model DIR          (default data/tiny/sft)     --test N (default 300)

The backend is the best that works (MATHAGENT_BACKEND=wasm|cpu|... forces one).`;

function num(v: string | undefined, name: string, def: number, integer = false): number {
  if (v === undefined) return def;
  const x = Number(v);
  if (!Number.isFinite(x) || (integer && !Number.isInteger(x)) || x < 0) throw new UsageError(`--${name} must be a ${integer ? "non-negative integer" : "non-negative number"}, got "${v}"`);
  return x;
}

function loadModel(dir: string): TinyModel {
  try {
    return TinyModel.load(dir);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

async function runSft(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandArgs(args, {
    out: { type: "string" }, from: { type: "string" }, size: { type: "string" }, problems: { type: "string" }, epochs: { type: "string" }, lr: { type: "string" },
    batch: { type: "string" }, seed: { type: "string" }, "data-seed": { type: "string" }, "init-seed": { type: "string" },
  });
  if (!values.out) throw new UsageError("--out DIR is required");
  const size = values.size ?? "small";
  if (size !== "small" && size !== "quick") throw new UsageError(`--size must be small or quick, got "${size}"`);
  const backend = await ensureBackend();
  io.stderr.write(`backend: ${backend.chosen}\n`);
  const t0 = Date.now();
  const { model, result } = await trainTeacherSft({
    ...(values.from ? { model: loadModel(values.from) } : {}),
    size: TINY_SIZES[size],
    n: num(values.problems, "problems", 6000, true),
    epochs: num(values.epochs, "epochs", 2, true),
    lr: num(values.lr, "lr", 2e-3),
    batchSize: num(values.batch, "batch", 16, true) || 16,
    seed: num(values.seed, "seed", 0, true),
    dataSeed: num(values["data-seed"], "data-seed", 1, true),
    initSeed: num(values["init-seed"], "init-seed", 1, true),
    onStep: (s) => {
      if (s.step % 25 === 0 || s.step === s.steps) io.stderr.write(`step ${s.step}/${s.steps} loss ${s.loss.toFixed(4)} lr ${s.lr.toExponential(2)} |g| ${s.gradNorm.toFixed(2)} ${((Date.now() - t0) / 1000).toFixed(0)}s\n`);
    },
  });
  model.save(values.out);
  io.stdout.write(`saved ${values.out} (${model.parameterCount} parameters, ${result.steps} steps, final loss ${(model.meta["sft"] as { finalLoss: number }).finalLoss.toFixed(4)}, ${(result.ms / 1000).toFixed(0)} s)\n`);
  return 0;
}

async function runIterate(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandArgs(args, {
    model: { type: "string" }, out: { type: "string" }, iterations: { type: "string" }, loss: { type: "string" }, reference: { type: "string" },
    mask: { type: "string" }, samples: { type: "string" }, prompts: { type: "string" }, test: { type: "string" }, lr: { type: "string" },
    beta: { type: "string" }, epochs: { type: "string" }, nll: { type: "string" }, seed: { type: "string" },
    temperature: { type: "string" }, trainable: { type: "string" },
  });
  const loss = values.loss ?? D.loss;
  if (loss !== "mdpo" && loss !== "mkto") throw new UsageError(`--loss must be mdpo or mkto, got "${loss}"`);
  const reference = values.reference ?? D.reference;
  if (reference !== "sft" && reference !== "previous") throw new UsageError(`--reference must be previous or sft, got "${reference}"`);
  const mask = values.mask ?? "on";
  if (mask !== "on" && mask !== "off") throw new UsageError(`--mask must be on or off, got "${mask}"`);
  const trainable = values.trainable ?? D.trainable;
  if (trainable !== "mlp" && trainable !== "all") throw new UsageError(`--trainable must be mlp or all, got "${trainable}"`);
  const model = loadModel(values.model ?? "data/tiny/sft");
  const iterations = num(values.iterations, "iterations", D.iterations, true);
  const prompts = num(values.prompts, "prompts", D.promptsPerIteration, true) || 1;
  const seed = num(values.seed, "seed", D.seed, true);
  const backend = await ensureBackend();
  io.stderr.write(`backend: ${backend.chosen}\n`);
  const res = await iterate({
    policy: model,
    problems: syntheticProblems({ n: prompts * Math.max(1, iterations), seed: 100 + seed }),
    testProblems: syntheticProblems({ split: "test", n: num(values.test, "test", 300, true) }),
    iterations,
    samplesPerPrompt: num(values.samples, "samples", D.samplesPerPrompt, true),
    promptsPerIteration: prompts,
    loss,
    reference,
    mask: mask === "on",
    lr: num(values.lr, "lr", D.lr),
    beta: num(values.beta, "beta", D.beta),
    epochs: num(values.epochs, "epochs", D.epochs, true),
    nllCoef: num(values.nll, "nll", D.nllCoef),
    temperature: num(values.temperature, "temperature", D.temperature),
    trainable,
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
    io.stdout.write(`${String(r.iteration).padStart(9)}  ${pct(r.greedyAccuracy).padStart(10)}  ${f(r.passAtK, true).padStart(6)}  ${f(r.sampleAccuracy, true).padStart(10)}  ${String(r.pairsUsed ?? "-").padStart(5)}  ${f(r.rewardAccuracy, true).padStart(10)}  ${f(r.margin).padStart(6)}  ${f(r.loss).padStart(6)}\n`);
  }
  if (values.out) {
    fs.mkdirSync(values.out, { recursive: true });
    fs.writeFileSync(path.join(values.out, "metrics.json"), JSON.stringify({ settings: res.settings, rows: res.rows }, null, 1) + "\n");
  }
  return 0;
}

async function runEval(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseCommandArgs(args, { model: { type: "string" }, test: { type: "string" } });
  const model = loadModel(values.model ?? "data/tiny/sft");
  await ensureBackend();
  const pool = new PyodidePool({ workers: 1, timeoutMs: 5000 });
  try {
    const r = await evaluateGreedy(model, syntheticProblems({ split: "test", n: num(values.test, "test", 300, true) }), { interpreter: () => pool.session() });
    io.stdout.write(`greedy accuracy ${pct(r.accuracy)} (${r.correct}/${r.total})\n`);
  } finally {
    await pool.close();
  }
  return 0;
}

export const command: Command = {
  name: "train",
  summary: "train the built-in tiny policy (SFT) and run iterative M-DPO / M-KTO on it",
  usage,
  async run(args, io) {
    const [action, ...rest] = args;
    if (action === "sft") return runSft(rest, io);
    if (action === "iterate") return runIterate(rest, io);
    if (action === "eval") return runEval(rest, io);
    throw new UsageError(action ? `unknown action "${action}"` : "missing action: sft, iterate or eval");
  },
};
