import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { besideInput, buildKto, describeFilters, type KtoBalance, loadFiltered } from "../../pairing/index.js";
import { EXPORT_OPTIONS, exportUsage, resolveExportRequest, runExport } from "../../export/index.js";
import { REFERENCE_DESCRIPTIONS } from "../../losses/reference.js";
import { FILTER_OPTIONS, FILTER_USAGE, filterOptions, INPUT_OPTIONS, INPUT_USAGE, inputProblems, intOption, referenceOption, requireInput } from "../trajectory-input.js";

const usage = `usage: mathagent kto --input rollouts.jsonl [--format trl] [--balance none] [--out kto.jsonl] [options]

Build M-KTO examples: every trajectory kept by the paper's filters with its label (desirable =
correct), optionally balanced, and export them.

options:
${INPUT_USAGE}
${exportUsage("kto")}
  --balance MODE     none | downsample (drop a seeded random part of the larger class; default none).
                     The weights that balance the classes without dropping are printed either way.
  --seed N           seed of down-sampling (default 0)
${FILTER_USAGE}`;

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
      ...FILTER_OPTIONS,
    });
    const input = requireInput(values.input);
    const balance = (values.balance ?? "none") as KtoBalance;
    if (balance !== "none" && balance !== "downsample") throw new UsageError(`unknown --balance "${balance}": none or downsample`);
    const seed = intOption(values.seed, "seed", 0);
    const filters = filterOptions(values);
    const reference = referenceOption(values.reference);
    const request = resolveExportRequest("kto", values, input, besideInput(input, "kto"), (m) => new UsageError(m));
    const problems = await inputProblems(values);
    const { kept, filterSummary, skippedLines } = await loadFiltered(input, { lenient: values.lenient ?? false, ...(problems ? { problems } : {}), stderr: io.stderr, progress: !values.quiet }, filters);
    const { examples, summary } = buildKto(kept, { balance, seed });
    io.stdout.write(`filters: ${describeFilters(filterSummary)}\n`);
    io.stdout.write(
      `kto: ${examples.length} examples, ${summary.desirable} desirable, ${summary.undesirable} undesirable` +
        (summary.dropped ? `, ${summary.dropped} dropped by down-sampling (seed ${seed})` : "") +
        `; balancing weights: desirable ${summary.desirableWeight.toFixed(3)}, undesirable ${summary.undesirableWeight.toFixed(3)}\n`,
    );
    const meta = { source: input, seed, reference, referenceNote: REFERENCE_DESCRIPTIONS[reference], balance, filters: filterSummary, kto: summary, skippedLines };
    await runExport(request, { kind: "kto", examples }, meta, seed, io);
    return 0;
  },
};
