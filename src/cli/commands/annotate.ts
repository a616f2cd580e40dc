import { type Command, parseCommandArgs } from "../command.js";
import { annotatedPath, annotateFile, describeIssues } from "../../pairing/index.js";
import { INPUT_OPTIONS, INPUT_USAGE, inputProblems, requireInput } from "../trajectory-input.js";

const usage = `usage: mathagent annotate --input rollouts.jsonl [--out FILE] [options]

Grade every trajectory with the paper's answer rule (the answer is read from the last model turn
only; a trajectory that ended at the horizon has no answer) against the ground truth, and write
the rows with their reward fields {correct, pred, gt, rule} beside the input, as
rollouts.annotated.jsonl. The input is never changed.

options:
${INPUT_USAGE}
  --out FILE         output JSONL (default: beside the input, *.annotated.jsonl)
  --force            let a run with no rows replace a non-empty output (refused otherwise; nothing is written)`;

export const command: Command = {
  name: "annotate",
  summary: "grade a rollout file: reward (correct, pred, gt) per trajectory, written beside it",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { ...INPUT_OPTIONS, out: { type: "string" }, force: { type: "boolean" } });
    const input = requireInput(values.input);
    const problems = await inputProblems(values);
    const s = await annotateFile(input, {
      out: values.out ?? annotatedPath(input),
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
};
