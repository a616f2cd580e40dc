import { REFERENCE_DESCRIPTIONS } from "../../losses/reference.js";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import {
  buildPairs,
  describeFilters,
  EXPORT_FORMATS,
  type ExportFormat,
  exportPairs,
  besideInput,
  checkExportPath,
  loadFiltered,
  PAIR_STRATEGIES,
  type PairStrategy,
} from "../../pairing/index.js";
import { asUsage, FILTER_OPTIONS, FILTER_USAGE, filterOptions, INPUT_OPTIONS, INPUT_USAGE, inputProblems, intOption, referenceOption, requireInput } from "../trajectory-input.js";

const usage = `usage: mathagent pairs --input rollouts.jsonl [--strategy random] [--format trl] [--out pairs.jsonl] [options]

Build M-DPO pairs (one correct, one wrong trajectory of the same problem) after the paper's
filters, and export them. Problems with only correct or only wrong trajectories give no pair
and are counted.

options:
${INPUT_USAGE}
  --strategy NAME    ${PAIR_STRATEGIES.join(" | ")} (default random: the paper's one random
                     correct and one random wrong per problem; all: every correct × wrong,
                     at most --max-per-problem; max-length-margin: shortest correct vs longest
                     wrong; min-length-margin: the correct and wrong closest in length)
  --max-per-problem N   cap for --strategy all (default 8)
  --format NAME      ${EXPORT_FORMATS.join(" | ")} (default paper)
  --out FILE         .jsonl or .parquet (default: beside the input, *.pairs.<strategy>.<format>.jsonl);
                     a .meta.json file beside it records the seed, the filters and the counts
  --seed N           seed of the random choices (default 0)
${FILTER_USAGE}`;

export const command: Command = {
  name: "pairs",
  summary: "build M-DPO preference pairs from a rollout file and export them (JSONL / Parquet)",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      ...INPUT_OPTIONS,
      strategy: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
      seed: { type: "string" },
      "max-per-problem": { type: "string" },
      ...FILTER_OPTIONS,
    });
    const input = requireInput(values.input);
    const strategy = (values.strategy ?? "random") as PairStrategy;
    if (!PAIR_STRATEGIES.includes(strategy)) throw new UsageError(`unknown --strategy "${strategy}": one of ${PAIR_STRATEGIES.join(", ")}`);
    const format = (values.format ?? "paper") as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`unknown --format "${format}": one of ${EXPORT_FORMATS.join(", ")}`);
    const seed = intOption(values.seed, "seed", 0);
    const maxPerProblem = intOption(values["max-per-problem"], "max-per-problem", 8, 1);
    const filters = filterOptions(values);
    const reference = referenceOption(values.reference);
    const out = values.out ?? besideInput(input, `pairs.${strategy}.${format}.jsonl`);
    asUsage(() => checkExportPath(input, out));
    const problems = await inputProblems(values);
    const { kept, filterSummary, skippedLines } = await loadFiltered(input, { lenient: values.lenient ?? false, ...(problems ? { problems } : {}), stderr: io.stderr, progress: !values.quiet }, filters);
    const { pairs, summary } = buildPairs(kept, { strategy, seed, maxPerProblem });
    exportPairs(out, pairs, format, { meta: { source: input, seed, reference, referenceNote: REFERENCE_DESCRIPTIONS[reference], strategy, maxPerProblem, filters: filterSummary, pairs: summary, skippedLines } });
    io.stdout.write(`filters: ${describeFilters(filterSummary)}\n`);
    io.stdout.write(
      `pairs: ${summary.pairs} from ${summary.problemsWithPairs} of ${summary.problems} problems (${summary.onlyCorrect} only correct, ${summary.onlyWrong} only wrong: no pair); strategy ${strategy}, seed ${seed}\n`,
    );
    io.stdout.write(`wrote ${out} (${format})\n`);
    return 0;
  },
};
