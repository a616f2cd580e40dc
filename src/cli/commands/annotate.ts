import { defineCommand } from "../command.js";
import { FORCE_OPTION, INPUT_OPTIONS } from "../common-options.js";
import { annotatedPath, annotateFile, describeIssues } from "../../pairing/index.js";
import { inputProblems } from "../trajectory-input.js";

export const command = defineCommand({
  name: "annotate",
  summary: "grade a rollout file: reward (correct, pred, gt) per trajectory, written beside it",
  description: `Grade every trajectory with the paper's answer rule (the answer is read from the last model turn only; a trajectory that ended at the horizon has no answer) against the ground truth, and write the rows with their reward fields {correct, pred, gt, rule} beside the input, as rollouts.annotated.jsonl. The input is never changed. A bad row stops the run naming FILE:LINE (--lenient skips and counts it); a torn last line is skipped with a warning; a run that leaves no rows does not replace an earlier non-empty output unless --force is given.`,
  options: {
    ...INPUT_OPTIONS,
    out: { type: "string", metavar: "FILE", defaultText: "beside the input, *.annotated.jsonl", help: "output JSONL" },
    ...FORCE_OPTION,
  },
  async run({ values, io }) {
    const problems = await inputProblems(values);
    const s = await annotateFile(values.input, {
      out: values.out ?? annotatedPath(values.input),
      lenient: values.lenient ?? false,
      force: values.force ?? false,
      onIssues: (issues) => io.stderr.write(describeIssues(issues)),
      progress: values.quiet ? false : { stream: io.stderr },
      ...(problems ? { problems } : {}),
    });
    const pct = s.rows ? ((100 * s.correct) / s.rows).toFixed(1) : "0";
    io.stdout.write(`${s.rows} trajectories graded, ${s.correct} correct (${pct}%) in ${(s.elapsedMs / 1000).toFixed(1)}s\n`);
    io.stdout.write(`decided by: ${Object.entries(s.byRule).map(([r, n]) => `${r} ${n}`).join(", ") || "—"}\n`);
    io.stdout.write(`wrote ${s.out}\n`);
    return 0;
  },
});
