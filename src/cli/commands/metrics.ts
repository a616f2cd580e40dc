import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { Grader } from "../../grading/index.js";
import { MathagentError } from "../../errors.js";
import { computeMetrics, metricTables } from "../../metrics/index.js";
import { describeIssues, loadAnnotated } from "../../pairing/index.js";
import { INPUT_OPTIONS, INPUT_USAGE, inputProblems, intOption, requireInput } from "../trajectory-input.js";

const usage = `usage: mathagent metrics --input rollouts.jsonl [options]

Print accuracy, unbiased pass@k, maj@k (majority vote over equivalent answers), prompt coverage
(share of prompts with at least one correct and one wrong trajectory), and accuracy per level,
subject, dataset and number of tool calls, each with a bootstrap 95% interval over problems.
Every trajectory counts (no filters); the reward is the paper's answer rule.

options:
${INPUT_USAGE}
  --k LIST           k values for pass@k and maj@k, e.g. 1,2,4,8 (default powers of two up to n)
  --bootstrap N      bootstrap resamples (default 1000; 0: no intervals)
  --seed N           bootstrap seed (default 0)
  --symbolic         let the CAS decide answer classes the fast steps cannot (slower)
  --json             print the tables as JSON instead of Markdown`;

function parseKs(v: string | undefined): number[] | undefined {
  return v?.split(",").map((s) => {
    const k = Number(s.trim());
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`--k ${v}: a comma-separated list of positive integers`);
    return k;
  });
}

export const command: Command = {
  name: "metrics",
  summary: "accuracy, pass@k, maj@k, prompt coverage and per-level / subject / tool-call tables of a rollout file",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      ...INPUT_OPTIONS,
      k: { type: "string" },
      bootstrap: { type: "string" },
      seed: { type: "string" },
      symbolic: { type: "boolean" },
      json: { type: "boolean" },
    });
    const input = requireInput(values.input);
    const ks = parseKs(values.k);
    const resamples = intOption(values.bootstrap, "bootstrap", 1000);
    const seed = intOption(values.seed, "seed", 0);
    const problems = await inputProblems(values);
    const grader = new Grader();
    try {
      const loaded = await loadAnnotated(input, { grader, lenient: values.lenient ?? false, progress: values.quiet ? false : { stream: io.stderr }, ...(problems ? { problems } : {}) });
      io.stderr.write(describeIssues(loaded.issues));
      if (loaded.rows.length === 0) throw new MathagentError(`${input}: no trajectories to measure`);
      const m = await computeMetrics(loaded.rows, { bootstrap: { resamples, seed }, ...(ks ? { ks } : {}), ...(values.symbolic ? { grader } : {}) });
      const nMin = Math.min(...m.problems.map((p) => p.n));
      if (ks && ks.some((k) => k > nMin)) io.stderr.write(`note: k above ${nMin} (the fewest samples of a problem) uses only the problems with n ≥ k\n`);
      const tables = metricTables(m);
      if (values.json) {
        io.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(tables).map(([k, t]) => [k, t.objects()])), null, 2) + "\n");
      } else {
        io.stdout.write(`${loaded.rows.length} trajectories of ${m.problems.length} problems from ${input}; 95% bootstrap intervals (${resamples} resamples, seed ${seed})\n`);
        for (const [name, t] of Object.entries(tables)) io.stdout.write(`\n## ${name}\n\n${t.toMarkdown({ limit: Infinity, maxdigits: 4 } as never)}`);
      }
      return 0;
    } finally {
      await grader.close();
    }
  },
};
