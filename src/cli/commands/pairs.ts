import { defineCommand, UsageError } from "../command.js";
import { INPUT_OPTIONS, SEED_OPTION } from "../common-options.js";
import { exportOptions, exportValues, FILTER_SPECS } from "../pairing-options.js";
import { buildPairs, describeFilters, loadFiltered, besideInput, PAIR_STRATEGIES, type PairStrategy } from "../../pairing/index.js";
import { resolveExportRequest, runExport } from "../../export/index.js";
import { REFERENCE_DESCRIPTIONS } from "../../losses/reference.js";
import { filterOptions, inputProblems, referenceOption } from "../trajectory-input.js";

export const command = defineCommand({
  name: "pairs",
  summary: "build M-DPO preference pairs from a rollout file and export them (JSONL / Parquet)",
  description: `Build M-DPO pairs (one correct, one wrong trajectory of the same problem) after the paper's filters, and export them. Problems with only correct or only wrong trajectories give no pair and are counted. A bad row stops the run naming FILE:LINE (--lenient skips and counts it); a run that leaves no pairs does not replace an earlier non-empty export unless --force is given.`,
  options: {
    ...INPUT_OPTIONS,
    strategy: {
      type: "string",
      metavar: "NAME",
      default: "random",
      help: `${PAIR_STRATEGIES.join(" | ")}; random: the paper's one random correct and one random wrong per problem; all: every correct × wrong, at most --max-per-problem; max-length-margin: shortest correct vs longest wrong; min-length-margin: the correct and wrong closest in length`,
    },
    "max-per-problem": { type: "int", min: 1, default: 8, help: "cap for --strategy all" },
    ...exportOptions("pairs"),
    seed: SEED_OPTION,
    ...FILTER_SPECS,
  },
  async run({ values, io }) {
    const input = values.input;
    const strategy = values.strategy as PairStrategy;
    if (!PAIR_STRATEGIES.includes(strategy)) throw new UsageError(`unknown --strategy "${strategy}": one of ${PAIR_STRATEGIES.join(", ")}`);
    const request = resolveExportRequest("pairs", exportValues(values), input, besideInput(input, `pairs.${strategy}`), (m) => new UsageError(m));
    const { seed, "max-per-problem": maxPerProblem } = values;
    const filters = filterOptions(values);
    const reference = referenceOption(values.reference);
    const problems = await inputProblems(values);
    const { kept, filterSummary, skippedLines } = await loadFiltered(input, { lenient: values.lenient ?? false, ...(problems ? { problems } : {}), stderr: io.stderr, progress: !values.quiet }, filters);
    const { pairs, summary } = buildPairs(kept, { strategy, seed, maxPerProblem });
    io.stdout.write(`filters: ${describeFilters(filterSummary)}\n`);
    io.stdout.write(
      `pairs: ${summary.pairs} from ${summary.problemsWithPairs} of ${summary.problems} problems (${summary.onlyCorrect} only correct, ${summary.onlyWrong} only wrong: no pair); strategy ${strategy}, seed ${seed}\n`,
    );
    const meta = { source: input, seed, reference, referenceNote: REFERENCE_DESCRIPTIONS[reference], strategy, maxPerProblem, filters: filterSummary, pairs: summary, skippedLines };
    await runExport(request, { kind: "pairs", pairs }, meta, seed, io);
    return 0;
  },
});
