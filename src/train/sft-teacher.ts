/**
 * SFT of the tiny policy on the synthetic teacher's tool-integrated solutions.
 */
import { syntheticProblems, type SyntheticProblem } from "../data/synthetic.js";
import { teacherDataset, type TeacherRates } from "../data/synthetic-teacher.js";
import { encodeConversation, tinyTemplate, type EncodedSequence } from "./encode.js";
import { TinyModel, type TinyConfig } from "../tiny/model.js";
import { pyRstrip } from "../rollout/index.js";
import type { Turn } from "../chat/index.js";
import { sft, type TrainOptions, type TrainResult } from "./trainer.js";

/** Model sizes: "quick" for tests, "small" the shipped default. */
export const TINY_SIZES: Record<"quick" | "small", Omit<TinyConfig, "vocabSize">> = {
  quick: { dModel: 32, nLayers: 1, nHeads: 2, dFF: 64, maxLen: 256 },
  small: { dModel: 64, nLayers: 2, nHeads: 4, dFF: 256, maxLen: 256 },
};

export interface TeacherSftOptions extends TrainOptions {
  /** Model sizes (default TINY_SIZES.small); ignored when `model` is given. */
  size?: Omit<TinyConfig, "vocabSize">;
  /** Start from this model instead of a fresh one. */
  model?: TinyModel;
  /** Training problems (default: `syntheticProblems({ n: problems, seed: dataSeed })`). */
  problems?: readonly SyntheticProblem[];
  /** Number of training problems when `problems` is not given (default 6000). */
  n?: number;
  /** Seed of the problems and of the teacher's choices (default 1). */
  dataSeed?: number;
  /** Seed of the model's initial weights (default 1). */
  initSeed?: number;
  rates?: TeacherRates;
}

/**
 * A teacher solution's turns as the rollout engine records a model's: each model turn right-stripped
 * (Python's `rstrip`, as the paper's loop does), so the SFT sequences are byte for byte what the
 * engine renders when the model writes the same turns.
 */
export function asRolledOut(turns: readonly Turn[]): Turn[] {
  return turns.map((t) => (t.role === "model" ? { ...t, text: pyRstrip(t.text) } : t));
}

/** The SFT sequences: one teacher solution per problem, masked to the model-written tokens. */
export function teacherSequences(model: TinyModel, problems: readonly SyntheticProblem[], seed: number, rates?: TeacherRates): EncodedSequence[] {
  const sols = teacherDataset(problems, seed, rates);
  const tpl = tinyTemplate();
  return problems.map((p, i) => encodeConversation(model.tokenizer, tpl, { question: p.question, turns: asRolledOut(sols[i]!.turns) }, model.config.maxLen));
}

/** Train a tiny policy from scratch (or continue one) on teacher solutions. */
export async function trainTeacherSft(o: TeacherSftOptions = {}): Promise<{ model: TinyModel; result: TrainResult }> {
  const model = o.model ?? TinyModel.create(o.size ?? TINY_SIZES.small, o.initSeed ?? 1);
  const dataSeed = o.dataSeed ?? 1;
  const problems = o.problems ?? syntheticProblems({ n: o.n ?? 6000, seed: dataSeed });
  const data = teacherSequences(model, problems, dataSeed, o.rates);
  const result = await sft(model, data, { lr: 2e-3, batchSize: 16, epochs: 1, ...o });
  const earlier = model.meta["sft"];
  model.meta = { ...model.meta, name: "sft", sft: { ...(earlier ? { continued: earlier } : {}), problems: problems.length, dataSeed, epochs: o.epochs ?? 1, lr: o.lr ?? 2e-3, steps: result.steps, finalLoss: result.losses.slice(-20).reduce((a, b) => a + b, 0) / Math.max(1, Math.min(20, result.losses.length)) } };
  return { model, result };
}
