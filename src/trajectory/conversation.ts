/**
 * The one steps → conversation function, and what follows from it: the model's turns, the length of
 * what the model wrote, and the messages form of a trajectory.
 */
import { type Conversation, getTemplate, HORIZON_NOTE, isFamily, render, type Turn } from "../chat/index.js";
import type { Step, Trajectory } from "./types.js";

/** A step whose model call failed: it has no text and no turn in the transcript. */
export function isFailedCall(s: Pick<Step, "finishReason" | "error" | "text">): boolean {
  return s.finishReason === null && s.error !== undefined && s.text === "";
}

/** The conversation of a trajectory, rebuilt from its steps exactly as the rollout engine built it. */
export function conversationOf(t: Pick<Trajectory, "steps" | "question" | "horizonNote">): Conversation {
  const turns: Turn[] = [];
  for (const s of t.steps) {
    if (isFailedCall(s)) continue;
    turns.push({ role: "model", text: s.text });
    if (s.observationText !== null && s.observationText !== undefined) turns.push({ role: "observation", text: s.observationText });
  }
  return t.horizonNote ? { question: t.question, turns, trailer: HORIZON_NOTE } : { question: t.question, turns };
}

/** The text the model wrote, turn by turn. */
export function modelTurns(t: Pick<Trajectory, "steps" | "question" | "horizonNote">): string[] {
  return conversationOf(t)
    .turns.filter((x) => x.role === "model")
    .map((x) => x.text);
}

/** What length-based pairing and charts need of a trajectory. */
export type LengthFields = { completionTokens?: number; steps?: readonly Pick<Step, "finishReason" | "error" | "text">[] };

/**
 * Length of a trajectory: completion tokens when the server reported them for every turn, else the
 * characters the model wrote.
 */
export function trajectoryLength(t: LengthFields): number {
  if (typeof t.completionTokens === "number") return t.completionTokens;
  return (t.steps ?? []).reduce((a, s) => a + (isFailedCall(s) ? 0 : s.text.length), 0);
}

/** One message of a conversation; `model_written` tells whether the policy wrote it (un-masked in training). */
export interface TrajectoryMessage {
  role: "user" | "assistant";
  content: string;
  /** True for text the model wrote (assistant turns); false for the prompt and every observation. */
  model_written: boolean;
}

/** The template a trajectory was rolled out with (`plain` when its family is unknown). */
function templateOf(t: Pick<Trajectory, "family" | "mode">) {
  return getTemplate(isFamily(t.family) ? t.family : "plain", t.mode === "cot" ? "cot" : "tool");
}

/** The messages form of a trajectory, each message flagged model-written or not. */
export function trajectoryMessages(t: Trajectory): TrajectoryMessage[] {
  return render(templateOf(t), conversationOf(t)).messages.map((m) => ({ role: m.role, content: m.content, model_written: m.role === "assistant" }));
}
