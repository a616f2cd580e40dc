import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { annotatedPath, annotateFile } from "../../pairing/index.js";
import { INPUT_OPTIONS, INPUT_USAGE, problemsFor, reportIssues, requireInput } from "../../pairing/cli-support.js";

const usage = `usage: mathagent annotate --input rollouts.jsonl [--out FILE] [options]

Grade every trajectory (final answer of the last model turn against the ground truth) and write
the rows with their reward fields {correct, pred, gt, rule} beside the input, as
rollouts.annotated.jsonl. The input is never changed.

options:
${INPUT_USAGE}
  --out FILE         output JSONL (default: beside the input, *.annotated.jsonl)
  --answer-from last-turn|all-turns   where the final answer is read (default last-turn)`;

export const command: Command = {
  name: "annotate",
  summary: "grade a rollout file: reward (correct, pred, gt) per trajectory, written beside it",
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { ...INPUT_OPTIONS, out: { type: "string" }, "answer-from": { type: "string" } });
    const input = requireInput(values.input);
    const from = values["answer-from"] ?? "last-turn";
    if (from !== "last-turn" && from !== "all-turns") throw new UsageError(`--answer-from ${from}: use last-turn or all-turns`);
    const problems = await problemsFor(values.dataset, values.split);
    const s = await annotateFile(input, {
      out: values.out ?? annotatedPath(input),
      lenient: values.lenient ?? false,
      answerFrom: from,
      progress: values.quiet ? false : { stream: io.stderr },
      ...(problems ? { problems } : {}),
    });
    reportIssues(s.issues, io.stderr);
    const pct = s.rows ? ((100 * s.correct) / s.rows).toFixed(1) : "0";
    io.stdout.write(`${s.rows} trajectories graded, ${s.correct} correct (${pct}%) in ${(s.elapsedMs / 1000).toFixed(1)}s\n`);
    io.stdout.write(`decided by: ${Object.entries(s.byRule).map(([r, n]) => `${r} ${n}`).join(", ") || "—"}\n`);
    io.stdout.write(`wrote ${s.out}\n`);
    return 0;
  },
};
