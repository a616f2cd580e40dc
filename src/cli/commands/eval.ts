import * as fs from "node:fs";
import { type Command, parseCommandArgs } from "../command.js";
import { Grader } from "../../grading/index.js";
import type { Trajectory } from "../../rollout/index.js";
import { finishSummary, gradingDataset, modelText, ROLLOUT_OPTIONS, ROLLOUT_USAGE_OPTIONS, runRollout } from "./rollout.js";

export interface AccuracyRow {
  group: string;
  problems: number;
  trajectories: number;
  correct: number;
  /** Mean accuracy over trajectories, in percent. */
  accuracy: number;
  /** Problems with at least one correct sample, in percent (pass@n with n = samples). */
  passAtN: number;
}

/** Accuracy overall and per level / subject from graded trajectories. */
export function accuracyTable(graded: { t: Trajectory; correct: boolean }[]): AccuracyRow[] {
  const groups = new Map<string, { t: Trajectory; correct: boolean }[]>();
  const add = (k: string, x: { t: Trajectory; correct: boolean }) => {
    const g = groups.get(k);
    if (g) g.push(x);
    else groups.set(k, [x]);
  };
  for (const x of graded) {
    add("overall", x);
    if (x.t.level !== undefined) add(`level ${x.t.level}`, x);
    if (x.t.subject !== undefined) add(`subject ${x.t.subject}`, x);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === "overall" ? -1 : b === "overall" ? 1 : a.localeCompare(b)));
  return keys.map((group) => {
    const xs = groups.get(group)!;
    const byProblem = new Map<string, boolean>();
    for (const x of xs) byProblem.set(x.t.problemId, (byProblem.get(x.t.problemId) ?? false) || x.correct);
    const correct = xs.filter((x) => x.correct).length;
    return {
      group,
      problems: byProblem.size,
      trajectories: xs.length,
      correct,
      accuracy: (100 * correct) / xs.length,
      passAtN: (100 * [...byProblem.values()].filter(Boolean).length) / byProblem.size,
    };
  });
}

export function formatTable(rows: AccuracyRow[], samples: number): string {
  const head = ["group", "problems", "trajectories", "correct", "accuracy %", ...(samples > 1 ? [`pass@${samples} %`] : [])];
  const body = rows.map((r) => [r.group, String(r.problems), String(r.trajectories), String(r.correct), r.accuracy.toFixed(1), ...(samples > 1 ? [r.passAtN.toFixed(1)] : [])]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export const command: Command = {
  name: "eval",
  summary: "evaluate a policy server: rollout (greedy by default), grade, accuracy overall and per level / subject",
  usage: `usage: mathagent eval --server URL[,URL…] --family NAME (--dataset NAME [--split S] | --problems FILE)
                      --out FILE [--json FILE] [options]

The paper's evaluation: greedy decoding (temperature 0, one sample), horizon 6, 1024 new tokens per
model call. Runs (or resumes) the rollout into --out, grades every trajectory's final answer
against the reference with the project's grader, and prints the accuracy table.

options:
${ROLLOUT_USAGE_OPTIONS.replace("SAMPLES", "1").replace("TEMPERATURE", "0")}
  --json FILE            also write the table and settings as JSON

example:
  mathagent eval --server http://127.0.0.1:8000 --family gemma --dataset math500 --out runs/eval-math500.jsonl
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { ...ROLLOUT_OPTIONS, json: { type: "string" } });
    const { result, out } = await runRollout(values, io, { samples: 1, temperature: 0, label: "eval", collect: true });
    const grader = new Grader();
    const graded: { t: Trajectory; correct: boolean }[] = [];
    try {
      for (const t of result.trajectories) {
        const v = await grader.grade(modelText(t), t.gold, { dataset: gradingDataset(t.dataset), extract: true });
        graded.push({ t, correct: v.correct });
      }
    } finally {
      await grader.close();
    }
    const samples = Math.max(1, ...result.trajectories.map((t) => t.sample + 1));
    const rows = accuracyTable(graded);
    io.stdout.write(`${result.trajectories.length} trajectories in ${out} (${result.written} new, ${result.resumed} resumed) · ${finishSummary(result.trajectories)}\n\n`);
    io.stdout.write(formatTable(rows, samples) + "\n");
    if (values.json) {
      const first = result.trajectories[0];
      const settings = first
        ? { family: first.family, mode: first.mode, policy: first.policy, temperature: first.temperature, topP: first.topP, maxTokens: first.maxTokens, horizon: first.horizon, runSeed: first.runSeed }
        : {};
      fs.writeFileSync(values.json, JSON.stringify({ trajectories: out, samples, settings, rows }, null, 2) + "\n");
    }
    return 0;
  },
};
