import { type ChatTemplate, HORIZON_NOTE } from "./templates.js";

/** One turn after the prompt: text the model wrote, or the interpreter's output shown to it. */
export interface Turn {
  role: "model" | "observation";
  /** Model text verbatim, or the interpreter result (without the ```output fence). */
  text: string;
}

/** What a template renders: the question, the turns in order, and an optional closing note. */
export interface Conversation {
  question: string;
  /** Alternating, starting with `model`: model, observation, model, … */
  turns: Turn[];
  /** Text appended after the last turn that nobody "wrote" (the paper's horizon note). */
  trailer?: string;
}

/** `[start, end)` character offsets into the rendered text. */
export interface Span {
  start: number;
  end: number;
}

export interface Message {
  role: "user" | "assistant";
  content: string;
}

export interface Rendered {
  /** The exact text: the prompt the model sees next (when the last turn is an observation) or the transcript. */
  text: string;
  /** Stop strings for the next completion request. */
  stop: string[];
  /** Offsets of the characters the model wrote (the un-masked part for M-DPO / M-KTO losses). */
  spans: Span[];
  /** Length of the initial prompt (everything before the first model turn). */
  promptLength: number;
  /** The `[{role, content}]` form used by preference datasets; observations are user messages. */
  messages: Message[];
}

/** The content of an observation as a `user` message in the messages form. */
export function observationMessage(result: string): string {
  return "```output\n" + result + "\n```";
}

/** Build the user prompt's first message content (question plus the family's instruction). */
export function userContent(template: ChatTemplate, question: string): string {
  return question + template.instruction;
}

function checkTurns(turns: Turn[]): void {
  turns.forEach((t, i) => {
    const expected = i % 2 === 0 ? "model" : "observation";
    if (t.role !== expected) {
      throw new TypeError(`turn ${i} has role "${t.role}"; turns alternate model, observation, … starting with model`);
    }
    if (typeof t.text !== "string") throw new TypeError(`turn ${i} has no text`);
  });
}

/** THE renderer: one code path for every family, driven by the template table. */
export function render(template: ChatTemplate, conv: Conversation): Rendered {
  checkTurns(conv.turns);
  const user = userContent(template, conv.question);
  let text = template.promptPrefix + user + template.promptSuffix;
  const promptLength = text.length;
  const spans: Span[] = [];
  const messages: Message[] = [{ role: "user", content: user }];
  for (const turn of conv.turns) {
    if (turn.role === "model") {
      spans.push({ start: text.length, end: text.length + turn.text.length });
      text += turn.text;
      messages.push({ role: "assistant", content: turn.text });
    } else {
      if (template.mode !== "tool") throw new TypeError(`a ${template.mode} template has no observation turns`);
      text += template.observationPrefix + turn.text + template.observationSuffix;
      messages.push({ role: "user", content: observationMessage(turn.text) });
    }
  }
  if (conv.trailer) {
    text += conv.trailer;
    const last = messages[messages.length - 1]!;
    if (last.role === "user") last.content += conv.trailer;
    else messages.push({ role: "user", content: conv.trailer });
  }
  return { text, stop: [...template.stop], spans, promptLength, messages };
}

/** The prompt for a fresh question. */
export function renderPrompt(template: ChatTemplate, question: string): string {
  return template.promptPrefix + userContent(template, question) + template.promptSuffix;
}

/**
 * Split a rendered text back into the conversation: `split(t, render(t, x).text)` equals `x` whenever
 * the model's text contains no observation prefix (it cannot: generation stops at "```output") and
 * no interpreter result contains the observation suffix. A final segment equal to the horizon note
 * right after an observation is read back as the trailer; an empty final model turn is not
 * representable (it renders to the same text as no turn) and is not returned.
 */
export function split(template: ChatTemplate, text: string): Conversation {
  const { promptPrefix, promptSuffix, instruction, observationPrefix, observationSuffix } = template;
  if (!text.startsWith(promptPrefix)) {
    throw new Error(`text does not start with the ${template.family} prompt prefix ${JSON.stringify(promptPrefix)}`);
  }
  const marker = instruction + promptSuffix;
  const qEnd = text.indexOf(marker, promptPrefix.length);
  if (qEnd < 0) throw new Error(`text has no ${template.family} prompt end ${JSON.stringify(marker)}`);
  const question = text.slice(promptPrefix.length, qEnd);
  let pos = qEnd + marker.length;
  const turns: Turn[] = [];
  let trailer: string | undefined;
  const tool = template.mode === "tool" && observationPrefix.length > 0;
  for (;;) {
    const obs = tool ? text.indexOf(observationPrefix, pos) : -1;
    if (obs < 0) {
      const rest = text.slice(pos);
      const afterObservation = turns.length > 0 && turns[turns.length - 1]!.role === "observation";
      if (afterObservation && rest === HORIZON_NOTE) trailer = rest;
      else if (rest.length > 0) turns.push({ role: "model", text: rest });
      break;
    }
    turns.push({ role: "model", text: text.slice(pos, obs) });
    const resStart = obs + observationPrefix.length;
    const resEnd = text.indexOf(observationSuffix, resStart);
    if (resEnd < 0) throw new Error(`observation at offset ${obs} is not closed by ${JSON.stringify(observationSuffix)}`);
    turns.push({ role: "observation", text: text.slice(resStart, resEnd) });
    pos = resEnd + observationSuffix.length;
    if (pos === text.length) break;
  }
  return trailer === undefined ? { question, turns } : { question, turns, trailer };
}
