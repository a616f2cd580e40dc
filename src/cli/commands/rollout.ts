import { defineCommand } from "../command.js";
import { rollout } from "../../rollout/index.js";
import { fastReward } from "../../trajectory/index.js";
import { interpreterOf, interruptible, loadRolloutProblems, makePolicies, progressDisplay, protocolLine, resolveRolloutProtocol, rolloutOptions, samplesOf, templateOf } from "../rollout-setup.js";

export const command = defineCommand({
  name: "rollout",
  summary: "sample multi-turn tool-integrated trajectories from a policy server into a resumable JSONL file",
  description: `Samples N trajectories per problem with the Python interpreter in the loop, as the paper's code does: the model writes a \`\`\`python block and stops at "\`\`\`output"; every closed block of the conversation so far re-runs in a fresh sandboxed interpreter and the last block's output is appended; the model continues, up to --horizon model calls or a turn without code (a \\boxed{} answer). The settings come from a preset (--protocol, default paper-collect: T = 1.0, H = 6, N = 30), each overridable; the preset is recorded in every trajectory. Each finished trajectory is appended to --out as one JSON line; rerunning the same command skips the finished (problem, sample) pairs, so an interrupted or crashed run resumes where it stopped.

example:
  mathagent rollout --server http://127.0.0.1:8000 --family gemma --dataset gsm8k --split train --samples 8 --concurrency 128 --out runs/iter1.jsonl
  mathagent rollout --server cur=http://a:8000 --server prev=http://b:8000 --mix cur:20,prev:10 --family gemma --problems prompts-iter2.jsonl --out runs/iter2.jsonl`,
  options: rolloutOptions("paper-collect"),
  async run({ values, io }) {
    const p = resolveRolloutProtocol(values);
    const problems = await loadRolloutProblems(values);
    const policies = makePolicies(values, io);
    const samples = samplesOf(policies, p, values.samples);
    const template = templateOf(values);
    const { close, ...interpreter } = interpreterOf(values, p, template, io);
    const display = progressDisplay(values.quiet, io, "rollout");
    const finishes: Record<string, number> = {};
    const result = await interruptible(values.out, (signal) =>
      rollout({
        problems,
        ...policies,
        template,
        ...interpreter,
        execution: p.execution,
        samples,
        horizon: p.horizon,
        maxTokens: p.maxTokens,
        temperature: p.temperature,
        topP: p.topP,
        topK: p.topK,
        seed: p.seed,
        seedMode: p.seedMode,
        protocol: p.protocol,
        concurrency: values.concurrency,
        mode: values.mode,
        codeTimeoutMs: p.codeTimeoutS * 1000,
        out: values.out,
        signal,
        grade: (t) => fastReward(t),
        collect: false,
        onWarning: (w) => io.stderr.write(`\nwarning: ${w}\n`),
        onTrajectory: (t) => void (finishes[t.finish] = (finishes[t.finish] ?? 0) + 1),
        onProgress: display.onProgress,
      }),
    ).finally(async () => {
      display.finish();
      await close();
    });
    const progress = display.last();
    const total = result.written + result.resumed;
    const acc = progress && progress.graded > 0 ? ` · answers correct (fast check) ${progress.correct}/${progress.graded}` : "";
    const fin = Object.entries(finishes)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    io.stdout.write(
      `${total} trajectories in ${values.out} (${result.written} new, ${result.resumed} resumed) in ${(result.elapsedMs / 1000).toFixed(1)} s${fin ? ` · new: ${fin}` : ""}${acc} · protocol ${protocolLine(p)}\n`,
    );
    return 0;
  },
});
