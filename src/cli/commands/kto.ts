import { defineCommand, UsageError } from "../command.js";
import { INPUT_OPTIONS, SEED_OPTION } from "../common-options.js";
import { exportOptions, exportValues, FILTER_SPECS } from "../pairing-options.js";
import { besideInput, buildKto, describeFilters, type KtoBalance, loadFiltered } from "../../pairing/index.js";
import { resolveExportRequest, runExport } from "../../export/index.js";
import { REFERENCE_DESCRIPTIONS } from "../../losses/reference.js";
import { filterOptions, inputProblems, referenceOption } from "../trajectory-input.js";

export const command = defineCommand({
  name: "kto",
  summary: "build M-KTO examples (trajectory + desirable label) from a rollout file and export them",
  description: `Build M-KTO examples: every trajectory kept by the paper's filters with its label (desirable = correct), optionally balanced, and export them. A bad row stops the run naming FILE:LINE (--lenient skips and counts it); a run that leaves no examples does not replace an earlier non-empty export unless --force is given.`,
  options: {
    ...INPUT_OPTIONS,
    ...exportOptions("kto"),
    balance: {
      type: "string",
      choices: ["none", "downsample"],
      metavar: "MODE",
      default: "none",
      help: "downsample: drop a seeded random part of the larger class. The weights that balance the classes without dropping are printed either way",
    },
    seed: { ...SEED_OPTION, help: "seed of down-sampling" },
    ...FILTER_SPECS,
  },
  async run({ values, io }) {
    const input = values.input;
    const balance: KtoBalance = values.balance;
    const seed = values.seed;
    const filters = filterOptions(values);
    const reference = referenceOption(values.reference);
    const request = resolveExportRequest("kto", exportValues(values), input, besideInput(input, "kto"), (m) => new UsageError(m));
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
});
