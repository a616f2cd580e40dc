/** Trajectories and preference pairs as chat transcripts: what the model wrote in green, the rest in grey. */
import { HORIZON_NOTE } from "../chat/templates.js";
import type { Step, Trajectory } from "../rollout/types.js";
import { MATH_RENDERED, mathHtml, proseMathHtml } from "./math.js";
import { displaySink, escapeHtml, type MimeBundle } from "./sink.js";
import { CAPTION, CORRECT, MASKED, MONO, WRITTEN, WRONG } from "./style.js";

/** The parts of a trajectory the view reads; a graded one (with `correct`, `pred`) also shows its reward. */
export type TrajectoryView = Pick<Trajectory, "problemId" | "sample" | "question" | "gold" | "finish" | "toolCalls" | "horizonNote" | "transcript"> & {
  steps: readonly Pick<Step, "text" | "observationText" | "error">[];
  correct?: boolean;
  pred?: string | null;
};

/** A preference pair (src/pairing's `Pair` fits). */
export interface PairView {
  problemId: string;
  chosen: TrajectoryView;
  rejected: TrajectoryView;
}

export interface TrajectoryOptions {
  /** Longest text shown per message; longer ones are cut with a note. Default 4,000 characters. */
  maxChars?: number;
  title?: string;
}

interface Message {
  who: "question" | "model" | "output" | "note" | "error";
  text: string;
}

/** The messages of a trajectory in order: question, each model turn and its interpreter output, the horizon note, errors. */
export function trajectoryViewMessages(t: TrajectoryView): Message[] {
  const out: Message[] = [{ who: "question", text: t.question }];
  for (const s of t.steps) {
    if (s.text !== "") out.push({ who: "model", text: s.text });
    if (s.observationText !== null && s.observationText !== undefined) out.push({ who: "output", text: s.observationText });
    if (s.error !== undefined) out.push({ who: "error", text: s.error });
  }
  if (t.horizonNote) out.push({ who: "note", text: HORIZON_NOTE.trim() });
  return out;
}

const LABEL: Record<Message["who"], string> = { question: "question", model: "model", output: "interpreter output", note: "horizon note", error: "error" };

/** How each kind of message becomes HTML: LaTeX in the question and in the model's prose as MathML; code, interpreter output and errors verbatim. */
const RENDER: Record<Message["who"], (text: string) => string> = { question: mathHtml, model: proseMathHtml, output: escapeHtml, note: escapeHtml, error: escapeHtml };

function clip(text: string, max: number, render: (text: string) => string): string {
  return text.length <= max ? render(text) : `${render(text.slice(0, max))}<em style="color:#888"> … ${(text.length - max).toLocaleString("en-US")} more characters</em>`;
}

function messageHtml(m: Message, max: number): string {
  const bg = m.who === "model" ? WRITTEN : m.who === "error" ? "#f8d7da" : MASKED;
  return (
    `<div class="mathagent-msg mathagent-${m.who}" style="margin:2px 0;padding:4px 8px;border-radius:4px;background:${bg};${MONO}">` +
    `<span style="color:#666">${LABEL[m.who]}</span>\n${clip(m.text, max, RENDER[m.who])}</div>`
  );
}

/** One line about the trajectory: problem, sample, how it ended, tool calls, gold answer and, when graded, the verdict. */
export function trajectorySummary(t: TrajectoryView): string {
  const parts = [`problem ${t.problemId}`, `sample ${t.sample}`, `finish ${t.finish}`, `${t.toolCalls} tool call${t.toolCalls === 1 ? "" : "s"}`, `gold ${t.gold}`];
  if (t.pred !== undefined) parts.push(`answer ${t.pred ?? "none"}`);
  if (t.correct !== undefined) parts.push(t.correct ? "correct" : "wrong");
  return parts.join(" · ");
}

function verdictHtml(t: TrajectoryView): string {
  if (t.correct === undefined) return "";
  return ` · <strong style="color:${t.correct ? CORRECT : WRONG}">${t.correct ? "correct" : "wrong"}</strong>`;
}

/** The trajectory as HTML: a summary line, then each message, model-written ones in green. */
export function trajectoryHtml(t: TrajectoryView, options: TrajectoryOptions = {}): string {
  const max = options.maxChars ?? 4000;
  const summary = escapeHtml(trajectorySummary(t).replace(/ · (correct|wrong)$/, ""));
  const title = options.title ? `<strong>${escapeHtml(options.title)}</strong> · ` : "";
  return (
    `<div class="mathagent-trajectory ${MATH_RENDERED}"><div style="${CAPTION}">${title}${summary}${verdictHtml(t)}</div>` +
    trajectoryViewMessages(t).map((m) => messageHtml(m, max)).join("") +
    `</div>`
  );
}

export function trajectoryBundle(t: TrajectoryView, options: TrajectoryOptions = {}): MimeBundle {
  const head = options.title ? `${options.title} — ${trajectorySummary(t)}` : trajectorySummary(t);
  return { "text/html": trajectoryHtml(t, options), "text/plain": `${head}\n${t.transcript}` };
}

/** Shows one trajectory as a chat transcript. */
export function showTrajectory(t: TrajectoryView, options: TrajectoryOptions = {}): void {
  displaySink().show(trajectoryBundle(t, options));
}

export function pairBundle(p: PairView, options: Omit<TrajectoryOptions, "title"> = {}): MimeBundle {
  const side = (t: TrajectoryView, title: string) => `<div style="flex:1;min-width:0">${trajectoryHtml(t, { ...options, title })}</div>`;
  return {
    "text/html": `<div class="mathagent-pair" style="display:flex;gap:12px">${side(p.chosen, "chosen")}${side(p.rejected, "rejected")}</div>`,
    "text/plain": `chosen — ${trajectorySummary(p.chosen)}\n${p.chosen.transcript}\n\nrejected — ${trajectorySummary(p.rejected)}\n${p.rejected.transcript}`,
  };
}

/** Shows a preference pair side by side: chosen on the left, rejected on the right. */
export function showPair(p: PairView, options: Omit<TrajectoryOptions, "title"> = {}): void {
  displaySink().show(pairBundle(p, options));
}
