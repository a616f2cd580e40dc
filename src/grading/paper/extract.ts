/**
 * ToRA's `extract_answer` (microsoft/ToRA src/utils/parser.py) and the way its evaluation calls
 * it: the last `boxed`, else "he answer is", else the last non-empty ```output block, else the
 * last number; then the first line, one leading ":", one trailing "." and one trailing "/" go,
 * and `strip_string` runs — once inside `extract_answer` and once more in `run_execute`.
 */
import type { DatasetName } from "../datasets.js";
import { firstPart, lastPart, pyStrip } from "./python.js";
import { toraStripString } from "./strip-string.js";

/** ToRA's brace matching: no escapes; an unclosed group runs to the end of the text. */
function braceContent(after: string): string {
  let depth = 1;
  for (let i = 1; i < after.length; i++) {
    const c = after[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return after.slice(1, i);
  }
  return after.slice(1);
}

/** ToRA's `extract_program_output`: the text after the last ```output up to the next ```, stripped. */
export function extractProgramOutput(text: string): string {
  if (!text.includes("```output")) return "";
  return pyStrip(firstPart(lastPart(text, "```output"), "```"));
}

/** The last match of `-?\d*\.?\d+` once commas are gone (Python `\d` is Unicode-aware). */
const NUMBER = /-?\p{Nd}*\.?\p{Nd}+/gu;

function lastNumber(text: string): string {
  let last = "";
  for (const m of text.replace(/,/g, "").matchAll(NUMBER)) last = m[0];
  return last;
}

/** Which rule of `extract_answer` applies to `text`. */
export type PaperSource = "boxed" | "answer-is" | "program-output" | "last-number";

/** The raw answer `extract_answer` takes, before the first-line rule and `strip_string`. */
export function toraRawAnswer(text: string): { source: PaperSource; raw: string } {
  if (text.includes("boxed")) {
    const after = lastPart(text, "boxed");
    if (after.length === 0) return { source: "boxed", raw: "" };
    return { source: "boxed", raw: after[0] === "{" ? braceContent(after) : pyStrip(firstPart(after, "$")) };
  }
  if (text.includes("he answer is")) return { source: "answer-is", raw: pyStrip(lastPart(text, "he answer is")) };
  const output = extractProgramOutput(text);
  if (output !== "") return { source: "program-output", raw: output };
  return { source: "last-number", raw: lastNumber(text) };
}

/** ToRA's `extract_answer(text)`: the raw answer cut to one line and passed through `strip_string`. */
export function toraExtractAnswer(text: string): string {
  let pred = firstPart(toraRawAnswer(text).raw, "\n");
  if (pred.startsWith(":")) pred = pred.slice(1);
  if (pred.endsWith(".")) pred = pred.slice(0, -1);
  if (pred.endsWith("/")) pred = pred.slice(0, -1);
  return toraStripString(pred);
}

/**
 * The prediction ToRA's evaluation grades for a whole model output (`run_execute` with
 * prompt_type "cot"): `strip_string(extract_answer(text))`. ToRA's extraction does not depend on
 * the dataset; the argument keeps the call sites honest about which ground-truth rule pairs with it.
 */
export function extractPaperAnswer(text: string, _dataset: DatasetName = "math"): string {
  return toraStripString(toraExtractAnswer(text));
}

/**
 * ToRA's normalised ground truth from a bare gold answer: for MATH (the content of the solution's
 * last box) `strip_string(extract_answer("\boxed{" + gt + "}"))`, for GSM8K `strip_string` of the
 * text after "####" (a whole GSM8K answer) or of the whole text (the number alone).
 */
export function paperGroundTruth(gt: string, dataset: DatasetName = "math"): string {
  if (dataset === "gsm8k") return toraStripString(gt.includes("####") ? gt.split("####")[1]! : gt);
  return toraStripString(toraExtractAnswer(`\\boxed{${gt}}`));
}
