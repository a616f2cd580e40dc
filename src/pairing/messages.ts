/**
 * A trajectory as the `[{role, content}]` messages form (the paper's preference-data format):
 * the question is the first `user` message, each model turn an `assistant` message, each
 * observation a `user` message "```output\n…\n```". Every message carries `model_written`: whether the
 * policy wrote it, so the training masks survive export.
 */
import { type Conversation, getTemplate, HORIZON_NOTE, isFamily, render, type Turn } from "../chat/index.js";
import type { Trajectory } from "../rollout/index.js";
import type { ExportMessage } from "./types.js";

/** The conversation of a trajectory, rebuilt from its steps exactly as the rollout engine built it. */
export function conversationOf(t: Trajectory): Conversation {
  const turns: Turn[] = [];
  for (const s of t.steps) {
    // A failed model call leaves a step with no text and no turn.
    if (s.finishReason === null && s.error !== undefined && s.text === "") continue;
    turns.push({ role: "model", text: s.text });
    if (s.observationText !== null && s.observationText !== undefined) turns.push({ role: "observation", text: s.observationText });
  }
  return t.horizonNote ? { question: t.question, turns, trailer: HORIZON_NOTE } : { question: t.question, turns };
}

/** The template a trajectory was rolled out with (`plain` when its family is unknown). */
function templateOf(t: Trajectory) {
  return getTemplate(isFamily(t.family) ? t.family : "plain", t.mode === "cot" ? "cot" : "tool");
}

/** The messages form of a trajectory, each message flagged model-written or not. */
export function trajectoryMessages(t: Trajectory): ExportMessage[] {
  return render(templateOf(t), conversationOf(t)).messages.map((m) => ({ role: m.role, content: m.content, model_written: m.role === "assistant" }));
}

/** The text the model wrote, turn by turn. */
export function modelTurns(t: Trajectory): string[] {
  return conversationOf(t)
    .turns.filter((x) => x.role === "model")
    .map((x) => x.text);
}

/**
 * Length of a trajectory for length-based pairing and charts: completion tokens when the server
 * reported them for every turn, else characters the model wrote.
 */
export function trajectoryLength(t: Trajectory): number {
  if (typeof t.completionTokens === "number") return t.completionTokens;
  return modelTurns(t).reduce((a, s) => a + s.length, 0);
}
