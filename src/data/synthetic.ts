/**
 * Built-in synthetic tasks: seeded GSM8K-like word problems with 1–3 arithmetic steps and integer
 * answers, and a teacher that writes tool-integrated solutions in the paper's format (a sentence, a
 * ```python block, the interpreter's output, a sentence with \boxed{}), some with realistic mistakes.
 *
 * Each template has a "misconception" (a wrong operation a student plausibly makes); the teacher
 * uses it with a per-template rate, and makes a few random slips (a miscopied number, a boxed number
 * taken from the question), so that a model imitating the teacher leaves room for preference learning
 * to improve. Some correct solutions recover from a NameError in a second tool call (multi-turn).
 *
 * Splits are made from disjoint seeds: `syntheticProblems({split: "test"})` is the fixed test set
 * (300 problems by default, up to SYNTHETIC_TEST_MAX); training problems never repeat any of them.
 */
import type { Problem } from "./problem.js";
import { type Rng, seededRandom } from "../random.js";



const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const NAMES = ["Ann", "Ben", "Cal", "Dia", "Eve", "Fay", "Gus", "Ida", "Jo", "Kim", "Leo", "Mia", "Ned", "Ola", "Pam", "Sam", "Tom", "Uma"] as const;
const ITEMS = ["apples", "pens", "cards", "books", "eggs", "coins", "shells", "stamps", "beads", "cups"] as const;

/** One template instance: the question, the correct expression and the misconception's expression. */
export interface SyntheticInstance {
  template: string;
  steps: number;
  question: string;
  /** Python expression of the correct solution (integers, + - * //). */
  expr: string;
  /** The sentence the teacher writes before the correct code. */
  say: string;
  /** The misconception: a wrong expression and the sentence that goes with it. */
  wrongExpr: string;
  wrongSay: string;
  /** Numbers that appear in the question (for boxing slips). */
  numbers: number[];
}

interface Template {
  name: string;
  steps: number;
  /** How often the teacher uses this template's misconception. */
  misconceptionRate: number;
  make(r: Rng): SyntheticInstance;
}

function names2(r: Rng): [string, string] {
  const a = pick(r, NAMES);
  let b = pick(r, NAMES);
  while (b === a) b = pick(r, NAMES);
  return [a, b];
}

/** The templates; the misconception rates above 0.5 make greedy imitation of the teacher wrong there. */
export const SYNTHETIC_TEMPLATES: readonly Template[] = [
  {
    name: "add",
    steps: 1,
    misconceptionRate: 0.1,
    make(r) {
      const [A] = names2(r);
      const it = pick(r, ITEMS);
      const a = int(r, 5, 60);
      const b = int(r, 2, 40);
      return {
        template: "add", steps: 1,
        question: `${A} has ${a} ${it} and buys ${b} more. How many ${it} now?`,
        expr: `${a}+${b}`, say: "Buying adds.",
        wrongExpr: `${a}-${b}`, wrongSay: "Take the difference.",
        numbers: [a, b],
      };
    },
  },
  {
    name: "give",
    steps: 1,
    misconceptionRate: 0.6,
    make(r) {
      const [A, B] = names2(r);
      const it = pick(r, ITEMS);
      const a = int(r, 20, 90);
      const b = int(r, 2, 19);
      return {
        template: "give", steps: 1,
        question: `${A} has ${a} ${it} and gives ${b} to ${B}. How many ${it} are left?`,
        expr: `${a}-${b}`, say: "Giving subtracts.",
        wrongExpr: `${a}+${b}`, wrongSay: "Add them.",
        numbers: [a, b],
      };
    },
  },
  {
    name: "boxes",
    steps: 1,
    misconceptionRate: 0.3,
    make(r) {
      const [A] = names2(r);
      const it = pick(r, ITEMS);
      const a = int(r, 2, 12);
      const b = int(r, 3, 15);
      return {
        template: "boxes", steps: 1,
        question: `${A} buys ${a} boxes of ${b} ${it}. How many ${it} in all?`,
        expr: `${a}*${b}`, say: "Multiply.",
        wrongExpr: `${a}+${b}`, wrongSay: "Add them.",
        numbers: [a, b],
      };
    },
  },
  {
    name: "share",
    steps: 1,
    misconceptionRate: 0.3,
    make(r) {
      const [A] = names2(r);
      const it = pick(r, ITEMS);
      const b = int(r, 2, 9);
      const n = b * int(r, 2, 12);
      return {
        template: "share", steps: 1,
        question: `${A} splits ${n} ${it} among ${b} kids. How many ${it} each?`,
        expr: `${n}//${b}`, say: "Divide.",
        wrongExpr: `${n}-${b}`, wrongSay: "Take the difference.",
        numbers: [n, b],
      };
    },
  },
  {
    name: "times",
    steps: 2,
    misconceptionRate: 0.65,
    make(r) {
      const [A, B] = names2(r);
      const it = pick(r, ITEMS);
      const a = int(r, 3, 20);
      const k = int(r, 2, 5);
      return {
        template: "times", steps: 2,
        question: `${A} has ${a} ${it}. ${B} has ${k} times as many. How many ${it} in all?`,
        expr: `${a}+${k}*${a}`, say: "Add both counts.",
        wrongExpr: `${k}*${a}`, wrongSay: "Multiply.",
        numbers: [a, k],
      };
    },
  },
  {
    name: "more",
    steps: 2,
    misconceptionRate: 0.6,
    make(r) {
      const [A, B] = names2(r);
      const it = pick(r, ITEMS);
      const a = int(r, 5, 40);
      const b = int(r, 2, 20);
      return {
        template: "more", steps: 2,
        question: `${A} has ${a} ${it}. ${B} has ${b} more. How many ${it} in all?`,
        expr: `${a}+(${a}+${b})`, say: "Add both counts.",
        wrongExpr: `${a}+${b}`, wrongSay: "Add them.",
        numbers: [a, b],
      };
    },
  },
  {
    name: "packs",
    steps: 3,
    misconceptionRate: 0.45,
    make(r) {
      const [A, B] = names2(r);
      const it = pick(r, ITEMS);
      const a = int(r, 5, 30);
      const b = int(r, 2, 6);
      const c = int(r, 2, 9);
      const d = int(r, 1, a);
      return {
        template: "packs", steps: 3,
        question: `${A} has ${a} ${it}, buys ${b} packs of ${c}, gives ${d} to ${B}. How many ${it} now?`,
        expr: `${a}+${b}*${c}-${d}`, say: "Add packs, then subtract.",
        wrongExpr: `${a}+${b}+${c}-${d}`, wrongSay: "Add, then subtract.",
        numbers: [a, b, c, d],
      };
    },
  },
];

export type SyntheticSplit = "train" | "test";

/** The seed of the fixed test set. */
export const SYNTHETIC_TEST_SEED = 20240917;
/** The test split's default size (the quick checks); the tables use its first 1,000. */
export const SYNTHETIC_TEST_SIZE = 300;
/** The most test problems there are: no training question equals any of them. */
export const SYNTHETIC_TEST_MAX = 2000;

export interface SyntheticOptions {
  split?: SyntheticSplit;
  /** Number of problems (default: 300 for test, 1000 for train). */
  n?: number;
  /** Seed of the train split (default 1); the test split always uses SYNTHETIC_TEST_SEED. */
  seed?: number;
}

/** A synthetic problem: a `Problem` whose subject is the template name and level the number of steps. */
export interface SyntheticProblem extends Problem {
  subject: string;
  level: number;
  /** The correct Python expression. */
  expr: string;
  /** The teacher's sentences and the template's misconception (see `SyntheticInstance`). */
  say: string;
  wrongExpr: string;
  wrongSay: string;
  numbers: number[];
  /** How often the teacher uses the misconception on this template. */
  misconceptionRate: number;
}

/** Evaluate a teacher expression (integers, + - * // and parentheses) with Python's semantics. */
export function evalExpr(expr: string): number {
  const toks = expr.match(/\d+|\/\/|[-+*()]/g) ?? [];
  let i = 0;
  const atom = (): number => {
    const t = toks[i++];
    if (t === "(") {
      const v = sum();
      i++;
      return v;
    }
    if (t === "-") return -atom();
    return Number(t);
  };
  const prod = (): number => {
    let v = atom();
    while (toks[i] === "*" || toks[i] === "//") {
      const op = toks[i++];
      const w = atom();
      v = op === "*" ? v * w : Math.floor(v / w);
    }
    return v;
  };
  const sum = (): number => {
    let v = prod();
    while (toks[i] === "+" || toks[i] === "-") {
      const op = toks[i++];
      const w = prod();
      v = op === "+" ? v + w : v - w;
    }
    return v;
  };
  return sum();
}

function instanceRng(split: SyntheticSplit, seed: number): Rng {
  return seededRandom((split === "test" ? SYNTHETIC_TEST_SEED : seed * 7919 + 104729) >>> 0);
}

let testQuestions: Set<string> | undefined;

function generate(split: SyntheticSplit, n: number, seed: number): SyntheticProblem[] {
  const r = instanceRng(split, seed);
  const avoid = split === "train" ? (testQuestions ??= new Set(generate("test", SYNTHETIC_TEST_MAX, 0).map((p) => p.question))) : new Set<string>();
  const seen = new Set<string>();
  const out: SyntheticProblem[] = [];
  let k = 0;
  while (out.length < n) {
    const tpl = SYNTHETIC_TEMPLATES[k++ % SYNTHETIC_TEMPLATES.length]!;
    const inst = tpl.make(r);
    if (seen.has(inst.question) || avoid.has(inst.question)) continue;
    seen.add(inst.question);
    out.push({
      id: `synthetic/${split}${split === "train" ? `-${seed}` : ""}/${out.length}`,
      dataset: "synthetic",
      question: inst.question,
      answer: String(evalExpr(inst.expr)),
      subject: inst.template,
      level: inst.steps,
      expr: inst.expr,
      say: inst.say,
      wrongExpr: inst.wrongExpr,
      wrongSay: inst.wrongSay,
      numbers: inst.numbers,
      misconceptionRate: tpl.misconceptionRate,
    });
  }
  return out;
}

/** Seeded synthetic problems; the test split is fixed (its first `n` of one stream). */
export function syntheticProblems(opts: SyntheticOptions = {}): SyntheticProblem[] {
  const split = opts.split ?? "train";
  if (split !== "train" && split !== "test") throw new Error(`unknown synthetic split "${String(split)}"; use train or test`);
  const n = opts.n ?? (split === "test" ? SYNTHETIC_TEST_SIZE : 1000);
  if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a non-negative integer, got ${n}`);
  if (split === "test" && n > SYNTHETIC_TEST_MAX) throw new Error(`the synthetic test split has ${SYNTHETIC_TEST_MAX} problems, asked for ${n}`);
  return generate(split, n, opts.seed ?? 1);
}


/** A run's problem seed is offset so that run seed 1 does not replay the SFT data's problem stream (seed 1). */
const RUN_SEED_OFFSET = 100;

/**
 * The training prompts of a tiny-loop run with seed `seed`: `promptsPerIteration` new prompts for each
 * iteration. The CLI, the bench and notebook 05 read them here, so a seed names the same run everywhere.
 */
export function syntheticRunProblems(promptsPerIteration: number, iterations: number, seed: number): SyntheticProblem[] {
  return syntheticProblems({ n: promptsPerIteration * Math.max(1, iterations), seed: RUN_SEED_OFFSET + seed });
}

/** Test problems `from + 1` … `from + n` of the fixed synthetic test set. */
export function syntheticTestProblems(n: number, from = 0): SyntheticProblem[] {
  return syntheticProblems({ split: "test", n: from + n }).slice(from);
}

/** Where the held-out (validation) problems start in the test split: the tables test on the problems before it. */
export const SYNTHETIC_VALIDATION_FROM = 1000;
/** How many held-out problems a checkpoint choice reads by default. */
export const SYNTHETIC_VALIDATION_SIZE = 300;

/**
 * `n` held-out problems (test problems 1,000 and up) for choosing settings or checkpoints, never the
 * tables' test problems; `testProblems` (how many test problems the run uses, from the first) must end before them.
 */
export function syntheticValidationProblems(n: number, testProblems: number): SyntheticProblem[] {
  if (testProblems > SYNTHETIC_VALIDATION_FROM) throw new Error(`validation problems start at test problem ${SYNTHETIC_VALIDATION_FROM + 1}: use at most ${SYNTHETIC_VALIDATION_FROM} test problems beside them, got ${testProblems}`);
  return syntheticTestProblems(n, SYNTHETIC_VALIDATION_FROM);
}
