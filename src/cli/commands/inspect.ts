import { defineCommand } from "../command.js";
import { checksOf, openPreferenceData, summarize } from "../../inspect/index.js";

export const command = defineCommand({
  name: "inspect",
  summary: "detect the layout of a preference dataset and summarise it (lengths, tool calls, errors, duplicates, test overlap)",
  description: `Reads a mathagent rollout or annotated file, a pairs/KTO export (paper, trl, openrlhf, tokens), the paper's released pairs ({chosen: [messages], rejected: [messages]}) or a generic {prompt, chosen, rejected} file, as JSONL or Parquet, a file or a folder of shards. Prints the detected layout, a summary per side and the list of what to check before training. Notebooks call openPreferenceData (src/inspect) for the whole table.`,
  positionals: [{ name: "FILE", required: true, help: "a .jsonl or .parquet file, or a folder of them" }],
  options: {
    "data-dir": { type: "string", metavar: "DIR", help: "data directory whose GSM8K/MATH test questions prompts are checked against", defaultText: "$MATHAGENT_DATA_DIR, else data/datasets" },
    "no-overlap": { type: "boolean", help: "skip the test-set overlap check" },
    limit: { type: "int", min: 1, metavar: "N", help: "read at most N rows" },
    tokenizer: { type: "string", metavar: "FILE", help: "a tokenizer.json (file or folder): count the tokens of text layouts" },
    "log-probs": { type: "string", metavar: "FILE", help: "a loss file of per-token log-probs, one row per dataset row: implicit rewards and margins" },
  },
  async run({ values, positionals, io }) {
    const dataDir = values["no-overlap"] ? false : values["data-dir"];
    const data = await openPreferenceData(positionals[0]!, { ...(dataDir !== undefined ? { dataDir } : {}), ...(values.limit !== undefined ? { limit: values.limit } : {}), ...(values.tokenizer !== undefined ? { tokenizer: values.tokenizer } : {}), ...(values["log-probs"] !== undefined ? { logProbs: values["log-probs"] } : {}) });
    const out: string[] = [`format: ${data.format} (${data.layout})`, `files (${data.files.length}): ${data.files.join(", ")}`];
    for (const [k, v] of Object.entries(summarize(data))) if (k !== "format" && k !== "files") out.push(`${k}: ${typeof v === "number" ? v.toLocaleString("en-US") : v}`);
    out.push("", "before training:");
    const width = Math.max(...checksOf(data).map((c) => c.check.length));
    for (const c of checksOf(data)) out.push(`  ${c.verdict === "ok" ? "ok  " : "LOOK"}  ${c.check.padEnd(width)}  ${c.value} (ok: ${c.ok})`);
    for (const n of data.notes) out.push(`note: ${n}`);
    io.stdout.write(out.join("\n") + "\n");
    return 0;
  },
});
