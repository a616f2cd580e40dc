/**
 * The teacher of the synthetic tasks: writes a tool-integrated solution for a synthetic problem as
 * alternating model / observation turns (render them with any chat template from src/chat).
 *
 * Model turns end right before the interpreter's fence ("...\n```\n"), so with the tiny model's
 * template (observation prefix "```output\n") what the model writes before the stop string is exactly
 * the turn's text. Observations are what the paper's executor prints for these snippets: the value
 * printed, or the last line of the traceback; they are computed here without Python (the teacher's
 * code is integer arithmetic), and a test checks them against the real Pyodide interpreter.
 */
import type { Turn } from "../chat/index.js";
import { evalExpr, type SyntheticProblem } from "./synthetic.js";
import { type Rng, seededRandom } from "../random.js";

export type TeacherKind = "correct" | "recover" | "misconception" | "slip" | "box-slip";

export interface TeacherSolution {
  kind: TeacherKind;
  /** Alternating model / observation turns, starting and ending with a model turn. */
  turns: Turn[];
  /** Whether the boxed answer equals the ground truth. */
  correct: boolean;
  /** The boxed answer. */
  boxed: string;
}

export interface TeacherRates {
  /** Random slips, in addition to each template's misconception rate. */
  slip: number;
  boxSlip: number;
  /** Correct solutions that first hit a NameError and fix it in a second tool call. */
  recover: number;
}

export const DEFAULT_TEACHER_RATES: TeacherRates = { slip: 0.06, boxSlip: 0.04, recover: 0.12 };

const code = (body: string) => "```python\n" + body + "\n```\n";
const final = (v: string) => `So \\boxed{${v}}.`;

/** Change one number of an expression by a small amount (a miscopied number). */
function slipExpr(expr: string, r: Rng): string {
  const nums = [...expr.matchAll(/\d+/g)];
  const m = nums[Math.floor(r() * nums.length)]!;
  const v = Number(m[0]);
  const w = v + (r() < 0.5 ? -1 : 1) * (1 + Math.floor(r() * 3));
  return expr.slice(0, m.index) + String(Math.max(1, w === v ? v + 1 : w)) + expr.slice(m.index! + m[0].length);
}

/** One solution from a given kind. */
export function teacherSolutionOfKind(p: SyntheticProblem, kind: TeacherKind, r: Rng = seededRandom(1)): TeacherSolution {
  const gold = p.answer;
  const one = (say: string, expr: string): { turns: Turn[]; boxed: string } => {
    const v = String(evalExpr(expr));
    return { turns: [{ role: "model", text: `${say}\n${code(`print(${expr})`)}` }, { role: "observation", text: v }, { role: "model", text: final(v) }], boxed: v };
  };
  let res: { turns: Turn[]; boxed: string };
  switch (kind) {
    case "correct":
      res = one(p.say, p.expr);
      break;
    case "misconception":
      res = one(p.wrongSay, p.wrongExpr);
      break;
    case "slip":
      res = one(p.say, slipExpr(p.expr, r));
      break;
    case "box-slip": {
      const c = one(p.say, p.expr);
      const q = String(p.numbers[Math.floor(r() * p.numbers.length)]);
      c.turns[2] = { role: "model", text: final(q) };
      res = { turns: c.turns, boxed: q };
      break;
    }
    case "recover": {
      const v = String(evalExpr(p.expr));
      res = {
        turns: [
          { role: "model", text: `${p.say}\n${code("print(total)")}` },
          { role: "observation", text: "NameError: name 'total' is not defined" },
          { role: "model", text: `Define total.\n${code(`total = ${p.expr}\nprint(total)`)}` },
          { role: "observation", text: v },
          { role: "model", text: final(v) },
        ],
        boxed: v,
      };
      break;
    }
  }
  return { kind, turns: res.turns, boxed: res.boxed, correct: Number(res.boxed) === Number(gold) };
}

/** A teacher solution drawn with the template's misconception rate and the random slip rates. */
export function teacherSolution(p: SyntheticProblem, r: Rng, rates: TeacherRates = DEFAULT_TEACHER_RATES): TeacherSolution {
  let kind: TeacherKind = "correct";
  if (r() < p.misconceptionRate) kind = "misconception";
  else {
    const u = r();
    if (u < rates.slip) kind = "slip";
    else if (u < rates.slip + rates.boxSlip) kind = "box-slip";
    else if (u < rates.slip + rates.boxSlip + rates.recover) kind = "recover";
  }
  return teacherSolutionOfKind(p, kind, r);
}

/** One teacher solution per problem (seeded): the SFT data. */
export function teacherDataset(problems: readonly SyntheticProblem[], seed = 0, rates: TeacherRates = DEFAULT_TEACHER_RATES): TeacherSolution[] {
  const r = seededRandom(seed ^ 0x5eed);
  return problems.map((p) => teacherSolution(p, r, rates));
}
