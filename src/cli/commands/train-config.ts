import * as path from "node:path";
import { defineCommand, UsageError } from "../command.js";
import { OPTION_ERRORS } from "../options.js";
import { writeFileAtomic } from "../../io/index.js";
import { PAPER_LEARNING_RATES, PAPER_TRAINING, readExportedData, type Stage, trainConfigYaml } from "../../export/index.js";

export const command = defineCommand({
  name: "train-config",
  summary: "write a LLaMA-Factory YAML (paper hyper-parameters) for a masked M-DPO / M-KTO export",
  description: `Write a LLaMA-Factory training config (YAML) for a \`pairs\` / \`kto --format llamafactory\` export, with the paper's M-DPO / M-KTO hyper-parameters: η = ${PAPER_TRAINING.beta}, ${PAPER_TRAINING.loss} loss, learning rate by model (${PAPER_LEARNING_RATES.map((p) => `${p.model} ${p.learningRate}`).join(", ")}), ${PAPER_TRAINING.warmupSteps} warm-up steps, ${PAPER_TRAINING.scheduler} schedule, global batch ${PAPER_TRAINING.globalBatch}, ${PAPER_TRAINING.epochs} epoch, bf16, a checkpoint (and an evaluation, when the export has a validation split) every ${PAPER_TRAINING.evalSteps} steps. Then: llamafactory-cli train FILE.`,
  options: {
    trainer: { type: "string", choices: ["llamafactory"], metavar: "NAME", required: true, help: "llamafactory (the one trainer that trains the masked objective from files; TRL and OpenRLHF cannot)" },
    data: { type: "string", metavar: "DIR", required: true, help: "the --format llamafactory folder (its tokenized_path)" },
    model: { type: "string", metavar: "NAME", required: true, help: "the Hugging Face model id or path whose tokenizer made the export" },
    stage: { type: "string", choices: ["dpo", "kto"], metavar: "STAGE", defaultText: "from the export (pairs → dpo, kto → kto)", help: "must agree with the export" },
    out: { type: "string", metavar: "FILE", defaultText: "DIR.<stage>.yaml beside the folder", help: "where the YAML goes" },
    "output-dir": { type: "string", metavar: "DIR", defaultText: "saves/<folder name>", help: "where LLaMA-Factory saves checkpoints" },
    gpus: { type: "int", min: 1, default: 8, help: "GPUs (the paper's: 8)" },
    "per-device-batch": { type: "int", min: 1, default: 1, help: `per-GPU batch; accumulation makes the global batch ${PAPER_TRAINING.globalBatch}` },
    "learning-rate": { type: "number", metavar: "X", help: "override the paper's rate (needed for a model the paper did not train)" },
    "max-steps": { type: "int", min: 1, help: "stop after N steps (a short check run)" },
  },
  async run({ values: v, io }) {
    const data = readExportedData(v.data);
    const own: Stage = data.kind === "pairs" ? "dpo" : "kto";
    if (v.stage !== undefined && v.stage !== own) throw new UsageError(`--stage ${v.stage}: ${v.data} holds ${data.kind} (stage ${own})`);
    const lr = v["learning-rate"];
    if (lr !== undefined && !(lr > 0)) throw new UsageError(OPTION_ERRORS.bad("--learning-rate", "a positive number", String(lr)));
    const name = path.basename(path.resolve(v.data));
    const yaml = trainConfigYaml({
      stage: own,
      model: v.model,
      data,
      outputDir: v["output-dir"] ?? `saves/${name}`,
      gpus: v.gpus,
      perDeviceBatch: v["per-device-batch"],
      ...(lr !== undefined ? { learningRate: lr } : {}),
      ...(v["max-steps"] !== undefined ? { maxSteps: v["max-steps"] } : {}),
    });
    const out = v.out ?? `${path.resolve(v.data)}.${own}.yaml`;
    writeFileAtomic(out, yaml);
    io.stdout.write(`wrote ${out}\nrun: llamafactory-cli train ${out}\n`);
    return 0;
  },
});
