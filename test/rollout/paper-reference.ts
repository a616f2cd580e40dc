/**
 * A reference of the paper's prompt construction, written from its inference loop
 * (`inference/infer_data/infer_eval.py` and `inference/utils/parser.py` of Xiong et al.'s
 * repository, as quoted in shared/research/paper-spec.md §2.4), independent of src/chat and
 * src/rollout: its own string table, its own strip and its own program extraction.
 *
 * Per call: the query is sent; the output is right-stripped and appended; when it has no "boxed"
 * and contains "```python", the programs of the whole query are extracted and executed (the
 * caller's `execute`, which returns the last program's output text), the observation is appended,
 * and after the last allowed call "\nReach max function call limit." is appended; otherwise the
 * trajectory ends.
 */

const TOOL_INSTRUCTION =
  "\nPlease integrate natural language reasoning with programs to solve the problem above, and put your final answer within \\boxed{}.";

/** gemma and mistral: paper-spec.md §2.4 verbatim; deepseek and llama3 as the paper's code formats them. */
export const PAPER_FORMATS = {
  gemma: {
    prompt: (q: string) => `<bos><start_of_turn>user\n${q}<end_of_turn>\n<start_of_turn>model\n`,
    observation: (r: string) => `<end_of_turn>\n<start_of_turn>user\n\`\`\`output\n${r}\n\`\`\`<end_of_turn>\n<start_of_turn>model\n`,
    stop: ["<end_of_turn>", "<eos>", "```output", "<start_of_turn>"],
  },
  mistral: {
    prompt: (q: string) => `<s> [INST] ${q} [/INST]`,
    observation: (r: string) => `</s> [INST] \`\`\`output\n${r}\n\`\`\` [/INST]`,
    stop: ["<s>", "</s>", "[INST]", "```output"],
  },
  deepseek: {
    prompt: (q: string) => `User: ${q}${TOOL_INSTRUCTION}\n\nAssistant: `,
    observation: (r: string) => `\n\`\`\`output\n${r}\n\`\`\`\n`,
    stop: null,
  },
  llama3: {
    prompt: (q: string) =>
      `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n${q}${TOOL_INSTRUCTION}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
    observation: (r: string) =>
      `<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n\`\`\`output\n${r}\n\`\`\`<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
    stop: null,
  },
} as const;

export type PaperFamily = keyof typeof PAPER_FORMATS;

/** Python's str.isspace() set, written out (U+001C–U+001F and U+0085 are white space to Python, U+FEFF is not). */
const PY_WS = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;
const PY_WS_START = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

export const rstrip = (s: string): string => s.replace(PY_WS, "");
export const strip = (s: string): string => rstrip(s.replace(PY_WS_START, ""));

/** parser.py's extraction over a whole query: a line with "```python" starts a program afresh; a line starting with "```" ends it. */
export function extractPrograms(query: string): string[] {
  const programs: string[] = [];
  let program = "";
  let start = false;
  for (const line of query.split("\n")) {
    if (line.indexOf("```python") !== -1) {
      program = "";
      start = true;
    } else if (line.slice(0, 3) === "```") {
      if (start) programs.push(program);
      start = false;
    } else if (start) {
      program += line + "\n";
    }
  }
  return programs;
}

export interface PaperRun {
  /** Every query sent to the model, in order. */
  queries: string[];
  /** The final query (the transcript). */
  final: string;
}

/** The paper's loop for one question. */
export async function paperTrajectory(
  family: PaperFamily,
  question: string,
  horizon: number,
  generate: (query: string) => Promise<string>,
  execute: (programs: string[]) => Promise<string>,
): Promise<PaperRun> {
  const f = PAPER_FORMATS[family];
  let query = f.prompt(strip(question));
  const queries: string[] = [];
  for (let epoch = 0; epoch < horizon; epoch++) {
    queries.push(query);
    const output = rstrip(await generate(query));
    query += output;
    if (!(output.indexOf("boxed") === -1 && output.indexOf("```python") !== -1)) break;
    const programs = extractPrograms(query);
    const result = programs.length === 0 ? "Undefined error:" : await execute(programs);
    query += f.observation(result);
    if (epoch === horizon - 1) query += "\nReach max function call limit.";
  }
  return { queries, final: query };
}

/** What directly precedes a model turn in each family's transcript (deepseek: its prompt or an observation block). */
const MODEL_TURN_START: Record<PaperFamily, RegExp> = {
  gemma: /<start_of_turn>model\n/g,
  mistral: /\[\/INST\]/g,
  deepseek: /Assistant: |\n```output\n[\s\S]*?\n```\n/g,
  llama3: /<\|start_header_id\|>assistant<\|end_header_id\|>\n\n/g,
};

/**
 * The text the paper's evaluation reads the answer from: after the last model-turn start of the
 * final transcript; "" when the horizon note ends it (the paper's split gives "" there for gemma
 * and mistral, and that behaviour is the rule for every family).
 */
export function paperAnswerSegment(family: PaperFamily, final: string): string {
  if (final.endsWith("\nReach max function call limit.")) return "";
  let end = 0;
  for (const m of final.matchAll(MODEL_TURN_START[family])) end = m.index! + m[0].length;
  return final.slice(end);
}
