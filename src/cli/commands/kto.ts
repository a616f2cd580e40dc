import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { buildKto, describeFilters, FILTER_NAMES, type KtoBalance } from "../../pairing/index.js";
import { EXPORT_OPTIONS, exportUsage, resolveExportRequest, runExport } from "../../export/index.js";
import { besideInput, filterSwitches, INPUT_OPTIONS, INPUT_USAGE, intOption, loadFiltered, requireInput } from "../../pairing/cli-support.js";

const usage = `usage: mathagent kto --input rollouts.jsonl [--format trl] [--balance none] [--out kto.jsonl] [options]

Build M-KTO examples: every trajectory kept by the paper's filters with its label (desirable =
correct), optionally balanced, and export them.

options:
${INPUT_USAGE}
${exportUsage("kto")}
  --balance MODE     none | downsample (drop a seeded random part of the larger class; default none).
                     The weights that balance the classes without dropping are printed either way.
  --seed N           seed of down-sampling (default 0)
  --skip-filter LIST comma-separated filters to switch off (${FILTER_NAMES.join(", ")}, or all)`;

export const command: Command = {
  name: "kto",
  summary: "build M-KTO examples (trajectory + desirable label) from a rollout file and export them",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      ...INPUT_OPTIONS,
      ...EXPORT_OPTIONS,
      balance: { type: "string" },
      seed: { type: "string" },
      "skip-filter": { type: "string" },
    });
    const input = requireInput(values.input);
    const balance = (values.balance ?? "none") as KtoBalance;
    if (balance !== "none" && balance !== "downsample") throw new UsageError(`unknown --balance "${balance}": none or downsample`);
    const seed = intOption(values.seed, "seed", 0);
    const filters = filterSwitches(values["skip-filter"]);
    const request = resolveExportRequest("kto", values, input, besideInput(input, "kto"), (m) => new UsageError(m));
    const { kept, filterSummary, skippedLines } = await loadFiltered(input, values, filters, io.stderr);
    const { examples, summary } = buildKto(kept, { balance, seed });
    io.stdout.write(`filters: ${describeFilters(filterSummary)}\n`);
    io.stdout.write(
      `kto: ${examples.length} examples, ${summary.desirable} desirable, ${summary.undesirable} undesirable` +
        (summary.dropped ? `, ${summary.dropped} dropped by down-sampling (seed ${seed})` : "") +
        `; balancing weights: desirable ${summary.desirableWeight.toFixed(3)}, undesirable ${summary.undesirableWeight.toFixed(3)}\n`,
    );
    await runExport(request, { kind: "kto", examples }, { source: input, seed, balance, filters: filterSummary, kto: summary, skippedLines }, seed, io);
    return 0;
  },
};
