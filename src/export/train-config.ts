/**
 * A LLaMA-Factory training config for a `--format llamafactory` export, with the paper's M-DPO /
 * M-KTO hyper-parameters (Xiong et al. 2024, §4.1 and App. B; shared/research/paper-spec.md §2.7):
 * η = 0.1 with the sigmoid loss, learning rate by model family, 40 warm-up steps, cosine schedule,
 * global batch 32, one epoch, bf16, a checkpoint and an evaluation every 50 steps.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Family } from "../chat/index.js";
import { MathagentError } from "../errors.js";
import { PAPER_BETA, PAPER_NLL_COEF } from "../losses/options.js";

export type Stage = "dpo" | "kto";

/** The paper's learning rates, first match on the model name wins. */
export const PAPER_LEARNING_RATES: readonly { match: RegExp; model: string; learningRate: number }[] = [
  { match: /gemma-?2/i, model: "Gemma-2", learningRate: 2e-7 },
  { match: /gemma/i, model: "Gemma-1.1 (and CodeGemma-1.1)", learningRate: 4e-7 },
  { match: /mistral/i, model: "Mistral", learningRate: 2e-7 },
];

export const PAPER_TRAINING = {
  beta: PAPER_BETA,
  nllCoef: PAPER_NLL_COEF,
  loss: "sigmoid",
  warmupSteps: 40,
  scheduler: "cosine",
  globalBatch: 32,
  epochs: 1,
  evalSteps: 50,
} as const;

/** LLaMA-Factory's template per family (needed for its tokenizer fix-ups; the data is not re-rendered). */
export const LLAMAFACTORY_TEMPLATE: Readonly<Record<Family, string>> = {
  gemma: "gemma",
  mistral: "mistral",
  llama3: "llama3",
  deepseek: "deepseek",
  qwen: "qwen",
  plain: "empty",
  tiny: "empty",
};

/** What the export recorded in `mathagent.meta.json` and which splits it wrote. */
export interface ExportedData {
  dir: string;
  kind: "pairs" | "kto";
  family: string;
  splits: string[];
  ktoWeights?: { desirable: number; undesirable: number };
}

/** Read a `--format llamafactory` folder's metadata. */
export function readExportedData(dir: string): ExportedData {
  const metaFile = path.join(dir, "mathagent.meta.json");
  const dictFile = path.join(dir, "dataset_dict.json");
  if (!fs.existsSync(metaFile) || !fs.existsSync(dictFile)) throw new MathagentError(`${dir}: not a folder written by \`mathagent pairs|kto --format llamafactory\` (no mathagent.meta.json / dataset_dict.json)`);
  const meta = JSON.parse(fs.readFileSync(metaFile, "utf8")) as { kind?: string; format?: string; family?: string; kto?: { desirableWeight?: number; undesirableWeight?: number } };
  if (meta.format !== "llamafactory" || (meta.kind !== "pairs" && meta.kind !== "kto")) throw new MathagentError(`${metaFile}: format ${meta.format}, kind ${meta.kind}: expected a llamafactory pairs or kto export`);
  const splits = (JSON.parse(fs.readFileSync(dictFile, "utf8")) as { splits: string[] }).splits;
  const w = meta.kto;
  return {
    dir,
    kind: meta.kind,
    family: meta.family ?? "plain",
    splits,
    ...(w?.desirableWeight !== undefined && w.undesirableWeight !== undefined ? { ktoWeights: { desirable: w.desirableWeight, undesirable: w.undesirableWeight } } : {}),
  };
}

export interface TrainConfigOptions {
  stage: Stage;
  /** The model whose tokenizer made the export (Hugging Face id or path). */
  model: string;
  data: ExportedData;
  outputDir: string;
  gpus: number;
  perDeviceBatch: number;
  /** Overrides the paper's learning rate for the model. */
  learningRate?: number;
  /** A short run to check the setup (LLaMA-Factory's `max_steps`). */
  maxSteps?: number;
}

/** The paper's learning rate for a model name, with what matched. */
export function paperLearningRate(model: string): { learningRate: number; model: string } | null {
  return PAPER_LEARNING_RATES.find((p) => p.match.test(model)) ?? null;
}

/** A YAML scalar PyYAML reads back as the same value (small floats need "1.0e-7", not "1e-7"). */
function scalar(v: string | number | boolean): string {
  if (typeof v === "string") return /^[\w./@:-]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === "number" && !Number.isInteger(v) && Math.abs(v) < 1e-3) return v.toExponential().replace(/^(-?\d+)e/, "$1.0e");
  return String(v);
}

function lines(entries: [string, string | number | boolean, string?][]): string[] {
  return entries.map(([k, v, c]) => `${k}: ${scalar(v)}${c ? `  # ${c}` : ""}`);
}

/** The YAML text. */
export function trainConfigYaml(o: TrainConfigOptions): string {
  const per = o.gpus * o.perDeviceBatch;
  if (PAPER_TRAINING.globalBatch % per !== 0) throw new MathagentError(`global batch ${PAPER_TRAINING.globalBatch} is not a multiple of ${o.gpus} GPU(s) × ${o.perDeviceBatch} per device`);
  const preset = paperLearningRate(o.model);
  const lr = o.learningRate ?? preset?.learningRate;
  if (lr === undefined) throw new MathagentError(`the paper gives no learning rate for "${o.model}" (it has ${PAPER_LEARNING_RATES.map((p) => `${p.model} ${p.learningRate}`).join(", ")}): pass --learning-rate`);
  const lrNote = o.learningRate !== undefined ? "given" : `the paper's for ${preset!.model}`;
  const template = LLAMAFACTORY_TEMPLATE[o.data.family as Family] ?? "empty";
  const evaluate = o.data.splits.includes("validation");
  const out = [
    `# LLaMA-Factory config for ${o.stage === "dpo" ? "M-DPO" : "M-KTO"} on ${o.data.dir}, written by \`mathagent train-config\`; edit to taste.`,
    `# Run: llamafactory-cli train <this file>. The data is pre-tokenized with the policy's tokenizer and masked`,
    `# (labels -100 off the model's tokens), so LLaMA-Factory trains exactly the masked multi-turn objective.`,
    "### model",
    ...lines([["model_name_or_path", o.model, "the model whose tokenizer.json made the export"]]),
    "### method",
    ...lines([
      ["stage", o.stage],
      ["do_train", true],
      ["finetuning_type", "full"],
      ["pref_beta", PAPER_TRAINING.beta, "η"],
      ["pref_loss", PAPER_TRAINING.loss],
      ["pref_ftx", PAPER_TRAINING.nllCoef, "NLL term on the chosen trajectories: none in the paper's main runs"],
    ]),
    ...(o.stage === "kto" && o.data.ktoWeights ? lines([["kto_chosen_weight", o.data.ktoWeights.desirable], ["kto_rejected_weight", o.data.ktoWeights.undesirable]]) : []),
    "### dataset",
    ...lines([
      ["tokenized_path", path.resolve(o.data.dir)],
      ["dataset", "mathagent_pretokenized", "must be non-empty; ignored while tokenized_path holds data"],
      ["template", template, "tokenizer fix-ups only; the data is not re-rendered"],
    ]),
    "### train",
    ...lines([
      ["per_device_train_batch_size", o.perDeviceBatch],
      ["gradient_accumulation_steps", PAPER_TRAINING.globalBatch / per, `${o.gpus} GPU(s) × ${o.perDeviceBatch} × this = global batch ${PAPER_TRAINING.globalBatch}`],
      ["learning_rate", lr, lrNote],
      ["num_train_epochs", PAPER_TRAINING.epochs],
      ["lr_scheduler_type", PAPER_TRAINING.scheduler],
      ["warmup_steps", PAPER_TRAINING.warmupSteps],
      ["bf16", true],
      ["logging_steps", 10],
      ["save_strategy", "steps"],
      ["save_steps", PAPER_TRAINING.evalSteps],
      ["output_dir", o.outputDir],
      ["report_to", "none"],
    ]),
    ...(o.maxSteps !== undefined ? lines([["max_steps", o.maxSteps, "a short check run"]]) : []),
    "### eval",
    ...(evaluate
      ? lines([
          ["eval_strategy", "steps"],
          ["eval_steps", PAPER_TRAINING.evalSteps, "the paper keeps the best of these checkpoints"],
          ["per_device_eval_batch_size", o.perDeviceBatch],
        ])
      : [`# no validation split in ${o.data.dir}: export with --val-size N to evaluate every ${PAPER_TRAINING.evalSteps} steps as the paper does`]),
  ];
  return out.join("\n") + "\n";
}
