import { defineCommand } from "../command.js";
import { Grader } from "../../grading/index.js";
import { MathagentError } from "../../errors.js";
import { computeMetrics, metricTables } from "../../metrics/index.js";
import { describeIssues, loadAnnotated } from "../../pairing/index.js";
import { INPUT_OPTIONS } from "../common-options.js";
import { inputProblems } from "../trajectory-input.js";

export const command = defineCommand({
  name: "metrics",
  summary: "accuracy, pass@k, maj@k, prompt coverage and per-level / subject / tool-call tables of a rollout file",
  description: `Print accuracy, unbiased pass@k, maj@k (majority vote over equivalent answers), prompt coverage (share of prompts with at least one correct and one wrong trajectory), and accuracy per level, subject, dataset and number of tool calls, each with a bootstrap 95% interval over problems. Every trajectory counts (no filters); the reward is the paper's answer rule.`,
  options: {
    ...INPUT_OPTIONS,
    k: { type: "ints", min: 1, metavar: "LIST", help: "k values for pass@k and maj@k, e.g. 1,2,4,8", defaultText: "powers of two up to n" },
    bootstrap: { type: "int", min: 0, default: 1000, help: "bootstrap resamples (0: no intervals)" },
    seed: { type: "int", min: 0, default: 0, help: "bootstrap seed" },
    symbolic: { type: "boolean", help: "let the CAS decide answer classes the fast steps cannot (slower)" },
    json: { type: "boolean", help: "print the tables as JSON instead of Markdown" },
  },
  async run({ values, io }) {
    const input = values.input;
    const ks = values.k;
    const resamples = values.bootstrap;
    const seed = values.seed;
    const problems = await inputProblems(values);
    const grader = new Grader();
    try {
      const loaded = await loadAnnotated(input, { grader, lenient: values.lenient, progress: values.quiet ? false : { stream: io.stderr }, ...(problems ? { problems } : {}) });
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
});
