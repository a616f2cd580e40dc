/**
 * The paper's findings as differences between two rows of the miniature table, beside the same
 * difference in the paper's Gemma-1.1-it-7B rows: computed from the table, so the notebook and the
 * docs state what the saved results say, not what an earlier run said.
 */
import { meanSd, type SummaryRow } from "./methods.js";

/** A finding: row `a` minus row `b`, each named by (method, iteration). */
interface FindingSpec {
  finding: string;
  a: [string, number];
  b: [string, number];
}

const FINDINGS: readonly FindingSpec[] = [
  { finding: "M-DPO iteration 3 − SFT", a: ["mdpo", 3], b: ["sft", 0] },
  { finding: "M-DPO iteration 1 − SFT", a: ["mdpo", 1], b: ["sft", 0] },
  { finding: "M-DPO iteration 2 − iteration 1", a: ["mdpo", 2], b: ["mdpo", 1] },
  { finding: "M-DPO iteration 3 − iteration 2", a: ["mdpo", 3], b: ["mdpo", 2] },
  { finding: "masking: M-DPO − single-turn DPO", a: ["mdpo", 3], b: ["st-dpo", 3] },
  { finding: "masking: M-KTO − single-turn KTO", a: ["mkto", 3], b: ["st-kto", 3] },
  { finding: "reference: updated − fixed", a: ["mdpo", 3], b: ["mdpo-fixed", 3] },
  { finding: "M-DPO − RAFT", a: ["mdpo", 3], b: ["raft", 3] },
  { finding: "M-DPO − M-KTO", a: ["mdpo", 3], b: ["mkto", 3] },
  { finding: "η: 0.1 − 0.01", a: ["mdpo", 3], b: ["eta-0.01", 3] },
  { finding: "η: 0.1 − 0.5", a: ["mdpo", 3], b: ["eta-0.5", 3] },
  { finding: "NLL loss: with − without", a: ["mdpo-nll", 3], b: ["mdpo", 3] },
];

export interface Finding {
  finding: string;
  /** Mean over seeds of the per-seed difference (points), its sample sd, and each seed's. */
  tiny: number;
  sd: number;
  perSeed: (number | null)[];
  paperGsm8k: number;
  paperMath: number;
  /** The tiny difference has the sign of both paper differences (a 0 counts as either sign). */
  sameSign: boolean;
}

const sign = (x: number) => Math.sign(Math.round(x * 10));

/** Every finding whose two rows are in the table; per-seed differences pair the runs of the same seed. */
export function tableFindings(rows: readonly SummaryRow[]): Finding[] {
  const at = ([method, iteration]: [string, number]) => rows.find((r) => r.method === method && r.iteration === iteration);
  const out: Finding[] = [];
  for (const f of FINDINGS) {
    const a = at(f.a);
    const b = at(f.b);
    if (!a || !b) continue;
    const perSeed = a.perSeed.map((x, i) => (x === null || b.perSeed[i] === null || b.perSeed[i] === undefined ? null : x - b.perSeed[i]!));
    const got = perSeed.filter((x): x is number => x !== null);
    if (!got.length) continue;
    const { mean, sd } = meanSd(got);
    const paperGsm8k = a.gsm8k - b.gsm8k;
    const paperMath = a.math - b.math;
    const s = sign(mean);
    out.push({ finding: f.finding, tiny: mean, sd, perSeed, paperGsm8k, paperMath, sameSign: [paperGsm8k, paperMath].every((p) => s === 0 || sign(p) === 0 || sign(p) === s) });
  }
  return out;
}

/** The findings as the notebook shows them (points, one decimal). */
export function findingsView(fs: readonly Finding[]): Record<string, string | number | boolean>[] {
  const f = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`;
  return fs.map((x) => ({
    finding: x.finding,
    "tiny: mean ± sd of the per-seed difference": `${f(x.tiny)} ± ${x.sd.toFixed(1)}`,
    "tiny: per seed": x.perSeed.map((d) => (d === null ? "–" : f(d))).join(", "),
    "paper GSM8K": f(x.paperGsm8k),
    "paper MATH": f(x.paperMath),
    "same sign as the paper": x.sameSign,
  }));
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

/**
 * The targets of issue 19 for the default setting, checked on a summary. A difference is the finding's
 * (the mean of the per-seed differences); its "seed sd" is the larger sd of the two rows, as the issue states it.
 */
export function checkTargets(rows: readonly SummaryRow[]): TargetCheck[] {
  const at = (method: string, iteration: number) => rows.find((r) => r.method === method && r.iteration === iteration);
  const found = new Map(tableFindings(rows).map((x) => [x.finding, x]));
  const rowSd = (...rs: (SummaryRow | undefined)[]) => Math.max(...rs.map((r) => r?.sd ?? 0));
  const sft = at("sft", 0);
  const m = [1, 2, 3].map((i) => at("mdpo", i));
  const out: TargetCheck[] = [];
  const gain = found.get("M-DPO iteration 3 − SFT");
  if (gain && m[2]?.sd != null) {
    out.push({ target: "M-DPO iteration 3 − SFT ≥ 10 points and ≥ 3 seed sd", measured: `${gain.tiny.toFixed(1)} points, sd ${m[2].sd.toFixed(1)}`, met: gain.tiny >= 10 && gain.tiny >= 3 * m[2].sd });
  }
  const curve = [sft, ...m].map((r) => r?.mean ?? null);
  if (curve.every((x) => x !== null)) {
    out.push({ target: "the M-DPO curve rises in the mean at every iteration", measured: curve.map((x) => x!.toFixed(1)).join(" → "), met: curve.every((x, i) => i === 0 || x! > curve[i - 1]!) });
  }
  const masking = found.get("masking: M-DPO − single-turn DPO");
  if (masking) {
    const sd = rowSd(m[2], at("st-dpo", 3));
    out.push({ target: "masked − unmasked (M-DPO − single-turn DPO) ≥ 2 seed sd", measured: `${masking.tiny.toFixed(1)} points, larger sd ${sd.toFixed(1)}`, met: masking.tiny >= 2 * sd });
  }
  const reference = found.get("reference: updated − fixed");
  if (reference) {
    out.push({ target: "updated reference ≥ fixed reference", measured: `${m[2]!.mean!.toFixed(1)} vs ${at("mdpo-fixed", 3)!.mean!.toFixed(1)}`, met: reference.tiny >= 0 });
  }
  return out;
}
