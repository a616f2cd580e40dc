/**
 * The policy update of one iteration, one entry per loss: M-DPO on the paper's random pairs, M-KTO on
 * both members of each pair, RAFT (SFT on one random correct trajectory per prompt). Each trains `next`
 * in place against the reference `ref`; `mask: false` counts every token after the prompt (the paper's
 * "single-turn" rows).
 */
import { ReferenceLogProbCache } from "../losses/index.js";
import type { Annotated } from "../trajectory/index.js";
import type { TinyModel, Weights } from "../tiny/model.js";
import { encodeTrajectory, tinyTemplate, type EncodedSequence } from "./encode.js";
import type { AdamOptions } from "./optim.js";
import { ktoReference, TRAINABLE, mdpoTrain, mktoTrain, pairReference, sft, type KtoItem, type PreferencePair, type TrainResult } from "./trainer.js";
import { ktoFromPairs, raftPicks, randomPairs } from "./iteration-data.js";

export type LossName = "mdpo" | "mkto" | "raft";

/** The settings an update reads (the loop's `IterateSettings` extends these). */
export interface UpdateSettings {
  /** mdpo: M-DPO on random pairs; mkto: M-KTO on both members of each pair; raft: SFT on one random correct trajectory per prompt. */
  loss: LossName;
  /** true (the paper): prompt and observation tokens are masked out of the log-probs; false: the "single-turn" rows. */
  mask: boolean;
  /** η (the code's β). */
  beta: number;
  /** Peak learning rate of the updates. */
  lr: number;
  /** Passes over each iteration's data. */
  epochs: number;
  /** Pairs per step (M-DPO); M-KTO and RAFT take twice as many sequences. */
  batchSize: number;
  /** NLL coefficient on the chosen trajectories (M-DPO; see docs/train.md). */
  nllCoef: number;
  /** Which parameters the updates train: "all" or "mlp" (attention and embeddings frozen). */
  trainable: "all" | "mlp";
  seed: number;
}

export interface UpdateInput {
  s: UpdateSettings;
  next: TinyModel;
  ref: TinyModel;
  kept: readonly Annotated[];
  it: number;
  optimizer?: AdamOptions;
  signal?: AbortSignal;
  /** Called with the weights every `every` steps of the update (before its last step). */
  checkpoints?: { every: number; on: (step: number, weights: Weights) => Promise<void> };
}

export interface UpdateResult {
  tr: TrainResult;
  /** Pairs (M-DPO), labelled trajectories (M-KTO) or correct trajectories (RAFT) trained on. */
  used: number;
}

const NONE: TrainResult = { steps: 0, losses: [], logs: [], ms: 0 };

function common(u: UpdateInput) {
  const { s } = u;
  return {
    lr: s.lr,
    epochs: s.epochs,
    seed: s.seed * 1000 + u.it,
    mask: s.mask ? ("model" as const) : ("all" as const),
    warmupRatio: 0.1,
    trainable: TRAINABLE[s.trainable],
    ...u.optimizer,
    ...(u.signal ? { signal: u.signal } : {}),
    ...(u.checkpoints ? { checkpointEvery: u.checkpoints.every, onCheckpoint: u.checkpoints.on } : {}),
  };
}

function encoder(u: UpdateInput): (t: Annotated) => EncodedSequence {
  const tpl = tinyTemplate();
  return (t) => encodeTrajectory(u.next.tokenizer, tpl, t, u.next.config.maxLen);
}

async function mdpo(u: UpdateInput): Promise<UpdateResult> {
  const enc = encoder(u);
  const raw = randomPairs(u.kept, u.s.seed * 1000 + u.it);
  const pairs: PreferencePair[] = raw.map((p, i) => ({ key: `${u.it}:${i}`, chosen: enc(p.chosen), rejected: enc(p.rejected) }));
  if (pairs.length === 0) return { tr: NONE, used: 0 };
  const cache = await pairReference(u.ref, pairs, new ReferenceLogProbCache());
  return { tr: await mdpoTrain(u.next, pairs, cache, { ...common(u), beta: u.s.beta, batchSize: u.s.batchSize, nllCoef: u.s.nllCoef }), used: pairs.length };
}

async function mkto(u: UpdateInput): Promise<UpdateResult> {
  const enc = encoder(u);
  const examples = ktoFromPairs(randomPairs(u.kept, u.s.seed * 1000 + u.it));
  const items: KtoItem[] = examples.map((e, i) => ({ key: `${u.it}:${i}`, seq: enc(e.trajectory), desirable: e.desirable }));
  if (items.length === 0) return { tr: NONE, used: 0 };
  const cache = await ktoReference(u.ref, items);
  return { tr: await mktoTrain(u.next, items, cache, { ...common(u), beta: u.s.beta, batchSize: 2 * u.s.batchSize }), used: items.length };
}

async function raft(u: UpdateInput): Promise<UpdateResult> {
  const enc = encoder(u);
  const data = raftPicks(u.kept, u.s.seed * 1000 + u.it).map(enc);
  if (data.length === 0) return { tr: NONE, used: 0 };
  return { tr: await sft(u.next, data, { ...common(u), batchSize: 2 * u.s.batchSize }), used: data.length };
}

/** One entry per loss. */
export const UPDATES: Record<LossName, (u: UpdateInput) => Promise<UpdateResult>> = { mdpo, mkto, raft };
