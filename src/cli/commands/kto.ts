import { REFERENCE_DESCRIPTIONS } from "../../losses/reference.js";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import {
  buildKto,
  describeFilters,
  EXPORT_FORMATS,
  type ExportFormat,
  exportKto,
  besideInput,
  checkExportPath,
  loadFiltered,
  type KtoBalance,
} from "../../pairing/index.js";
import { asUsage, FILTER_OPTIONS, FILTER_USAGE, filterOptions, INPUT_OPTIONS, INPUT_USAGE, inputProblems, intOption, referenceOption, requireInput } from "../trajectory-input.js";

const usage = `usage: mathagent kto --input rollouts.jsonl [--format trl] [--balance none] [--out kto.jsonl] [options]

Build M-KTO examples: every trajectory kept by the paper's filters with its label (desirable =
correct), optionally balanced, and export them.

options:
${INPUT_USAGE}
  --format NAME      ${EXPORT_FORMATS.join(" | ")} (default paper)
  --balance MODE     none | downsample (drop a seeded random part of the larger class; default none).
                     The weights that balance the classes without dropping are printed either way.
  --out FILE         .jsonl or .parquet (default: beside the input, *.kto.<format>.jsonl); a .meta.json
                     file beside it records the seed, the filters and the counts
  --seed N           seed of down-sampling (default 0)
${FILTER_USAGE}`;

export const command: Command = {
  name: "kto",
  summary: "build M-KTO examples (trajectory + desirable label) from a rollout file and export them",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      ...INPUT_OPTIONS,
      format: { type: "string" },
      balance: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      ...FILTER_OPTIONS,
    });
    const input = requireInput(values.input);
    const format = (values.format ?? "paper") as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`unknown --format "${format}": one of ${EXPORT_FORMATS.join(", ")}`);
    const balance = (values.balance ?? "none") as KtoBalance;
    if (balance !== "none" && balance !== "downsample") throw new UsageError(`unknown --balance "${balance}": none or downsample`);
    const seed = intOption(values.seed, "seed", 0);
    const filters = filterOptions(values);
    const reference = referenceOption(values.reference);
    const out = values.out ?? besideInput(input, `kto.${format}.jsonl`);
    asUsage(() => checkExportPath(input, out));
    const problems = await inputProblems(values);
    const { kept, filterSummary, skippedLines } = await loadFiltered(input, { lenient: values.lenient ?? false, ...(problems ? { problems } : {}), stderr: io.stderr, progress: !values.quiet }, filters);
    const { examples, summary } = buildKto(kept, { balance, seed });
    exportKto(out, examples, format, { meta: { source: input, seed, reference, referenceNote: REFERENCE_DESCRIPTIONS[reference], balance, filters: filterSummary, kto: summary, skippedLines } });
    io.stdout.write(`filters: ${describeFilters(filterSummary)}\n`);
    io.stdout.write(
      `kto: ${examples.length} examples, ${summary.desirable} desirable, ${summary.undesirable} undesirable` +
        (summary.dropped ? `, ${summary.dropped} dropped by down-sampling (seed ${seed})` : "") +
        `; balancing weights: desirable ${summary.desirableWeight.toFixed(3)}, undesirable ${summary.undesirableWeight.toFixed(3)}\n`,
    );
    io.stdout.write(`wrote ${out} (${format})\n`);
    return 0;
  },
};
