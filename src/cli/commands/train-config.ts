import * as path from "node:path";
import * as fs from "node:fs";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { PAPER_LEARNING_RATES, PAPER_TRAINING, readExportedData, type Stage, trainConfigYaml } from "../../export/index.js";

const usage = `usage: mathagent train-config --trainer llamafactory --data DIR --model NAME [--stage dpo|kto] [--out FILE] [options]

Write a LLaMA-Factory training config (YAML) for a \`pairs\` / \`kto --format llamafactory\` export,
with the paper's M-DPO / M-KTO hyper-parameters: η = ${PAPER_TRAINING.beta}, ${PAPER_TRAINING.loss} loss, learning rate by
model (${PAPER_LEARNING_RATES.map((p) => `${p.model} ${p.learningRate}`).join(", ")}), ${PAPER_TRAINING.warmupSteps} warm-up steps,
${PAPER_TRAINING.scheduler} schedule, global batch ${PAPER_TRAINING.globalBatch}, ${PAPER_TRAINING.epochs} epoch, bf16, a checkpoint (and an evaluation, when the
export has a validation split) every ${PAPER_TRAINING.evalSteps} steps. Then: llamafactory-cli train FILE.

options:
  --trainer NAME       llamafactory (the one trainer that trains the masked objective from files)
  --data DIR           the --format llamafactory folder (its tokenized_path)
  --model NAME         the Hugging Face model id or path whose tokenizer made the export
  --stage dpo|kto      default: from the export (pairs → dpo, kto → kto); must agree with it
  --out FILE           default: DIR.<stage>.yaml beside the folder
  --output-dir DIR     where LLaMA-Factory saves checkpoints (default saves/<folder name>)
  --gpus N             GPUs (default 8, the paper's)
  --per-device-batch N per-GPU batch (default 1); accumulation makes the global batch ${PAPER_TRAINING.globalBatch}
  --learning-rate X    override the paper's rate (needed for a model the paper did not train)
  --max-steps N        stop after N steps (a short check run)`;

function int(v: string | undefined, name: string, def: number): number {
  if (v === undefined) return def;
  const x = Number(v);
  if (v.trim() === "" || !Number.isInteger(x) || x < 1) throw new UsageError(`--${name} ${JSON.stringify(v)} must be an integer ≥ 1`);
  return x;
}

export const command: Command = {
  name: "train-config",
  summary: "write a LLaMA-Factory YAML (paper hyper-parameters) for a masked M-DPO / M-KTO export",
  usage,
  async run(args, io) {
    const { values: v } = parseCommandArgs(args, {
      trainer: { type: "string" },
      data: { type: "string" },
      model: { type: "string" },
      stage: { type: "string" },
      out: { type: "string" },
      "output-dir": { type: "string" },
      gpus: { type: "string" },
      "per-device-batch": { type: "string" },
      "learning-rate": { type: "string" },
      "max-steps": { type: "string" },
    });
    if (v.trainer !== "llamafactory") throw new UsageError(`--trainer ${v.trainer ?? "(missing)"}: only llamafactory (TRL and OpenRLHF cannot train the masked objective from files)`);
    if (!v.data) throw new UsageError("--data DIR is required (a --format llamafactory export)");
    if (!v.model) throw new UsageError("--model NAME is required (the model whose tokenizer made the export)");
    const data = readExportedData(v.data);
    const own: Stage = data.kind === "pairs" ? "dpo" : "kto";
    if (v.stage !== undefined && v.stage !== own) throw new UsageError(`--stage ${v.stage}: ${v.data} holds ${data.kind} (stage ${own})`);
    const lr = v["learning-rate"] === undefined ? undefined : Number(v["learning-rate"]);
    if (lr !== undefined && !(lr > 0)) throw new UsageError(`--learning-rate ${JSON.stringify(v["learning-rate"])} must be a positive number`);
    const name = path.basename(path.resolve(v.data));
    const yaml = trainConfigYaml({
      stage: own,
      model: v.model,
      data,
      outputDir: v["output-dir"] ?? `saves/${name}`,
      gpus: int(v.gpus, "gpus", 8),
      perDeviceBatch: int(v["per-device-batch"], "per-device-batch", 1),
      ...(lr !== undefined ? { learningRate: lr } : {}),
      ...(v["max-steps"] !== undefined ? { maxSteps: int(v["max-steps"], "max-steps", 1) } : {}),
    });
    const out = v.out ?? `${path.resolve(v.data)}.${own}.yaml`;
    fs.writeFileSync(out, yaml);
    io.stdout.write(`wrote ${out}\nrun: llamafactory-cli train ${out}\n`);
    return 0;
  },
};
