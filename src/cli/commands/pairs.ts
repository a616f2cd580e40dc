import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { buildPairs, describeFilters, loadFiltered, besideInput, PAIR_STRATEGIES, type PairStrategy } from "../../pairing/index.js";
import { EXPORT_OPTIONS, exportUsage, resolveExportRequest, runExport } from "../../export/index.js";
import { REFERENCE_DESCRIPTIONS } from "../../losses/reference.js";
import { FILTER_OPTIONS, FILTER_USAGE, filterOptions, INPUT_OPTIONS, INPUT_USAGE, inputProblems, intOption, referenceOption, requireInput } from "../trajectory-input.js";

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
${exportUsage("pairs")}
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
      ...EXPORT_OPTIONS,
      seed: { type: "string" },
      "max-per-problem": { type: "string" },
      ...FILTER_OPTIONS,
    });
    const input = requireInput(values.input);
    const strategy = (values.strategy ?? "random") as PairStrategy;
    if (!PAIR_STRATEGIES.includes(strategy)) throw new UsageError(`unknown --strategy "${strategy}": one of ${PAIR_STRATEGIES.join(", ")}`);
    const request = resolveExportRequest("pairs", values, input, besideInput(input, `pairs.${strategy}`), (m) => new UsageError(m));
    const seed = intOption(values.seed, "seed", 0);
    const maxPerProblem = intOption(values["max-per-problem"], "max-per-problem", 8, 1);
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
};
