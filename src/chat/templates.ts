/**
 * Chat templates per model family: ONE table of strings, ONE renderer (see render.ts).
 *
 * The tool-integrated strings reproduce the paper's inference code byte for byte (Xiong et al. 2024,
 * arXiv 2409.02392, repository scripts); the Llama-3 prompt keeps `{question}`, which the paper's
 * code forgets. A chain-of-thought variant exists for every family (no tools, one turn).
 */
import { isTableKey, tableNames } from "../table.js";

/** A model family: a row of `FAMILY_TABLE`. */
export type Family = keyof typeof FAMILY_TABLE;
export type TemplateMode = "tool" | "cot";

/** Stop string at which every tool-integrated family hands over to the interpreter. */
export const OUTPUT_FENCE = "```output";

/** What the paper appends to a transcript whose tool-call budget (horizon) is spent. */
export const HORIZON_NOTE = "\nReach max function call limit.";

export const TOOL_INSTRUCTION =
  "Please integrate natural language reasoning with programs to solve the problem above, and put your final answer within \\boxed{}.";
export const COT_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}.";

/**
 * A fully resolved template: the prompt is `promptPrefix + question + instruction + promptSuffix`;
 * an observation with interpreter text `r` is `observationPrefix + r + observationSuffix`.
 */
export interface ChatTemplate {
  family: Family;
  mode: TemplateMode;
  promptPrefix: string;
  /** Appended to the question inside the user message ("" when the family's prompt has none). */
  instruction: string;
  promptSuffix: string;
  /** Empty in `cot` mode (one turn, no tools). */
  observationPrefix: string;
  observationSuffix: string;
  /** Stop strings to send with every completion request. */
  stop: string[];
  /** The family's end-of-sequence / end-of-turn token, for tools that close a finished transcript. */
  eos: string;
}

interface FamilyRow {
  promptPrefix: string;
  /** Separator between question and instruction, and whether tool mode has an instruction. */
  toolInstruction: string;
  cotInstruction: string;
  promptSuffix: string;
  observationPrefix: string;
  observationSuffix: string;
  /** Stop strings in tool mode (cot mode drops "```output"). */
  stop: string[];
  eos: string;
}

const llamaUser = "<|start_header_id|>user<|end_header_id|>\n\n";
const llamaAssistant = "<|start_header_id|>assistant<|end_header_id|>\n\n";

/** The one table. */
export const FAMILY_TABLE = {
  gemma: {
    promptPrefix: "<bos><start_of_turn>user\n",
    toolInstruction: "",
    cotInstruction: "\n" + COT_INSTRUCTION,
    promptSuffix: "<end_of_turn>\n<start_of_turn>model\n",
    observationPrefix: "<end_of_turn>\n<start_of_turn>user\n```output\n",
    observationSuffix: "\n```<end_of_turn>\n<start_of_turn>model\n",
    stop: ["<end_of_turn>", "<eos>", OUTPUT_FENCE, "<start_of_turn>"],
    eos: "<end_of_turn>",
  },
  mistral: {
    promptPrefix: "<s> [INST] ",
    toolInstruction: "",
    cotInstruction: "\n" + COT_INSTRUCTION,
    promptSuffix: " [/INST]",
    observationPrefix: "</s> [INST] ```output\n",
    observationSuffix: "\n``` [/INST]",
    stop: ["<s>", "</s>", "[INST]", OUTPUT_FENCE],
    eos: "</s>",
  },
  llama3: {
    promptPrefix: "<|begin_of_text|>" + llamaUser,
    toolInstruction: "\n" + TOOL_INSTRUCTION,
    cotInstruction: "\n" + COT_INSTRUCTION,
    promptSuffix: "<|eot_id|>" + llamaAssistant,
    observationPrefix: "<|eot_id|>" + llamaUser + "```output\n",
    observationSuffix: "\n```<|eot_id|>" + llamaAssistant,
    stop: ["<|eot_id|>", "<|start_header_id|>user", OUTPUT_FENCE],
    eos: "<|eot_id|>",
  },
  deepseek: {
    promptPrefix: "User: ",
    toolInstruction: "\n" + TOOL_INSTRUCTION,
    cotInstruction: "\n" + COT_INSTRUCTION,
    promptSuffix: "\n\nAssistant: ",
    observationPrefix: "\n```output\n",
    observationSuffix: "\n```\n",
    stop: ["<｜end▁of▁sentence｜>", "User", OUTPUT_FENCE],
    eos: "<｜end▁of▁sentence｜>",
  },
  qwen: {
    promptPrefix: "<|im_start|>user\n",
    toolInstruction: "\n" + TOOL_INSTRUCTION,
    cotInstruction: "\n" + COT_INSTRUCTION,
    promptSuffix: "<|im_end|>\n<|im_start|>assistant\n",
    observationPrefix: "<|im_end|>\n<|im_start|>user\n```output\n",
    observationSuffix: "\n```<|im_end|>\n<|im_start|>assistant\n",
    stop: ["<|im_end|>", "<|endoftext|>", "<|im_start|>", OUTPUT_FENCE],
    eos: "<|im_end|>",
  },
  plain: {
    promptPrefix: "Question: ",
    toolInstruction: "\n" + TOOL_INSTRUCTION,
    cotInstruction: "\n" + COT_INSTRUCTION,
    promptSuffix: "\n\nAnswer: ",
    observationPrefix: "\n```output\n",
    observationSuffix: "\n```\n",
    stop: ["\n\nQuestion:", OUTPUT_FENCE],
    eos: "",
  },
  // The built-in tiny policy (src/train): `plain` without the long instruction, since every character
  // costs compute in a character model, and the observation opening on "```output" itself, so what the
  // model writes before that stop string is exactly a model turn of its training data.
  tiny: {
    promptPrefix: "Question: ",
    toolInstruction: "",
    cotInstruction: "\n" + COT_INSTRUCTION,
    promptSuffix: "\n\nAnswer: ",
    observationPrefix: OUTPUT_FENCE + "\n",
    observationSuffix: "\n```\n",
    stop: [OUTPUT_FENCE, "\n\nQuestion:"],
    eos: "",
  },
} satisfies Record<string, FamilyRow>;

/** The families, in table order. */
export const FAMILIES: readonly Family[] = tableNames(FAMILY_TABLE);

export function isFamily(name: string): name is Family {
  return isTableKey(FAMILY_TABLE, name);
}

/** The template for a family in tool-integrated (default) or chain-of-thought mode. */
export function getTemplate(family: Family, mode: TemplateMode = "tool"): ChatTemplate {
  if (!isFamily(family)) {
    throw new Error(`unknown chat template family "${String(family)}"; choose one of ${FAMILIES.join(", ")}`);
  }
  const row = FAMILY_TABLE[family];
  const tool = mode === "tool";
  return {
    family,
    mode,
    promptPrefix: row.promptPrefix,
    instruction: tool ? row.toolInstruction : row.cotInstruction,
    promptSuffix: row.promptSuffix,
    observationPrefix: tool ? row.observationPrefix : "",
    observationSuffix: tool ? row.observationSuffix : "",
    stop: tool ? [...row.stop] : row.stop.filter((s) => s !== OUTPUT_FENCE),
    eos: row.eos,
  };
}
