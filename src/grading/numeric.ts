/**
 * Numbers written in (normalised) LaTeX: integers, decimals, scientific notation, fractions,
 * mixed numbers, roots, π and simple arithmetic (`\frac{\sqrt{3}}{2}`, `2\pi`, `3\times10^{5}`).
 * Anything with a variable, a function or a structure is not a number here (null) and goes on
 * to the structural or symbolic step.
 */

/** Inputs longer than this are not parsed as numbers: no real answer is that long. */
const MAX_LENGTH = 2000;
/** Nesting deeper than this is hostile, not arithmetic. */
const MAX_DEPTH = 64;

class NotNumeric extends Error {}

/** The value of `s` when it is plain arithmetic, else null. Never throws. */
export function parseNumeric(s: string): number | null {
  if (s.length === 0 || s.length > MAX_LENGTH) return null;
  try {
    const p = new Parser(s);
    const v = p.parseExpression(0);
    p.skipSpaces();
    if (p.i !== s.length) return null;
    // Overflow (2^{2005}) is not a value: equal-looking infinities would compare equal.
    return Number.isFinite(v) ? v : null;
  } catch (err) {
    if (err instanceof NotNumeric || err instanceof RangeError) return null;
    throw err;
  }
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  skipSpaces(): void {
    while (this.s[this.i] === " ") this.i++;
  }

  private fail(): never {
    throw new NotNumeric();
  }

  private peekCommand(): string | null {
    if (this.s[this.i] !== "\\") return null;
    const m = /^\\[a-zA-Z]+/.exec(this.s.slice(this.i, this.i + 20));
    return m ? m[0] : null;
  }

  parseExpression(depth: number): number {
    if (depth > MAX_DEPTH) this.fail();
    let v = this.parseTerm(depth);
    for (;;) {
      this.skipSpaces();
      const c = this.s[this.i];
      if (c === "+") {
        this.i++;
        v += this.parseTerm(depth);
      } else if (c === "-") {
        this.i++;
        v -= this.parseTerm(depth);
      } else return v;
    }
  }

  private parseTerm(depth: number): number {
    let v = this.parseUnary(depth);
    for (;;) {
      this.skipSpaces();
      const c = this.s[this.i];
      const cmd = this.peekCommand();
      if (c === "*") {
        this.i++;
        v *= this.parseUnary(depth);
      } else if (c === "/") {
        this.i++;
        v /= this.parseUnary(depth);
      } else if (cmd === "\\cdot" || cmd === "\\times") {
        this.i += cmd.length;
        v *= this.parseUnary(depth);
      } else if (cmd === "\\div") {
        this.i += cmd.length;
        v /= this.parseUnary(depth);
      } else if (this.startsFactor()) {
        // Implicit product (`2\pi`, `3\sqrt{2}`), or a mixed number (`1\frac{1}{10}`).
        const mixed = cmd === "\\frac" && this.lastWasInteger;
        const before = v;
        const f = this.parseUnary(depth);
        v = mixed && this.lastFracWasPlain ? before + Math.sign(before || 1) * f : before * f;
      } else return v;
    }
  }

  private startsFactor(): boolean {
    const c = this.s[this.i];
    if (c === undefined) return false;
    if (c === "(" || c === "{" || /[0-9.]/.test(c)) return true;
    const cmd = this.peekCommand();
    return cmd === "\\frac" || cmd === "\\sqrt" || cmd === "\\pi";
  }

  /** Whether the last factor parsed was an integer literal (for mixed numbers). */
  private lastWasInteger = false;
  /** Whether the last `\frac` had two integer literals (a mixed number's fraction part). */
  private lastFracWasPlain = false;

  private parseUnary(depth: number): number {
    this.skipSpaces();
    const c = this.s[this.i];
    if (c === "-") {
      this.i++;
      return -this.parseUnary(depth + 1);
    }
    if (c === "+") {
      this.i++;
      return this.parseUnary(depth + 1);
    }
    return this.parsePower(depth);
  }

  private parsePower(depth: number): number {
    const base = this.parseAtom(depth);
    this.skipSpaces();
    if (this.s[this.i] !== "^") return base;
    this.i++;
    this.lastWasInteger = false;
    this.skipSpaces();
    let exp: number;
    if (this.s[this.i] === "{") exp = this.parseGroup(depth + 1);
    else if (/[0-9]/.test(this.s[this.i] ?? "")) exp = Number(this.s[this.i++]); // x^23 is x^2·3 in LaTeX
    else exp = this.parseAtom(depth + 1);
    return Math.pow(base, exp);
  }

  private parseGroup(depth: number): number {
    this.skipSpaces();
    if (this.s[this.i] !== "{") this.fail();
    this.i++;
    const v = this.parseExpression(depth + 1);
    this.skipSpaces();
    if (this.s[this.i] !== "}") this.fail();
    this.i++;
    return v;
  }

  private parseAtom(depth: number): number {
    if (depth > MAX_DEPTH) this.fail();
    this.skipSpaces();
    const c = this.s[this.i];
    if (c === undefined) this.fail();
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (num) {
      this.i += num[0].length;
      this.lastWasInteger = /^\d+$/.test(num[0]);
      return Number(num[0]);
    }
    this.lastWasInteger = false;
    if (c === "(" || c === "{") {
      const close = c === "(" ? ")" : "}";
      this.i++;
      const v = this.parseExpression(depth + 1);
      this.skipSpaces();
      if (this.s[this.i] !== close) this.fail();
      this.i++;
      this.lastWasInteger = false;
      return v;
    }
    const cmd = this.peekCommand();
    if (cmd === "\\pi") {
      this.i += cmd.length;
      return Math.PI;
    }
    if (cmd === "\\frac") {
      this.i += cmd.length;
      const start = this.i;
      const n = this.parseGroup(depth + 1);
      const d = this.parseGroup(depth + 1);
      this.lastFracWasPlain = /^\{\d+\}\{\d+\}$/.test(this.s.slice(start, this.i).replace(/ /g, ""));
      this.lastWasInteger = false;
      return n / d;
    }
    if (cmd === "\\sqrt") {
      this.i += cmd.length;
      this.skipSpaces();
      let index = 2;
      if (this.s[this.i] === "[") {
        this.i++;
        index = this.parseExpression(depth + 1);
        this.skipSpaces();
        if (this.s[this.i] !== "]") this.fail();
        this.i++;
      }
      const v = this.parseGroup(depth + 1);
      this.lastWasInteger = false;
      if (index === 2) return Math.sqrt(v);
      // Odd roots of negatives are real.
      return v < 0 && index % 2 === 1 ? -Math.pow(-v, 1 / index) : Math.pow(v, 1 / index);
    }
    this.fail();
  }
}

/** Relative tolerance of the reference graders (`math.isclose(a, b, rel_tol=1e-4)`). */
export const RELATIVE_TOLERANCE = 1e-4;

/** `math.isclose` with a relative tolerance only; infinities equal only themselves. */
export function numbersClose(a: number, b: number, relTol = RELATIVE_TOLERANCE): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= relTol * Math.max(Math.abs(a), Math.abs(b));
}

/** An integer written out in digits ("42", "-7"). */
export function isIntegerLiteral(s: string): boolean {
  return /^-?\d+$/.test(s);
}

/**
 * Numeric equality as the reference graders decide it: with `percentVariants`, the prediction may
 * also equal gt/100 or gt·100 (a "25%" answer written as 0.25, or the reverse).
 *
 * When both sides are written as integers the match is exact: the tolerance is there for rounded
 * decimals, and with it 9999 would pass for 10000 and 120006 for 120000 (a GSM8K label says no).
 */
export function numericEqual(pred: number, gt: number, percentVariants: boolean, bothIntegers = false): boolean {
  const same = bothIntegers ? (a: number, b: number) => a === b : (a: number, b: number) => numbersClose(a, b);
  if (same(pred, gt)) return true;
  return percentVariants && (same(pred, gt / 100) || same(pred, gt * 100));
}

/** Robust mode: numbers are equal up to floating-point noise (relative 1e-9), not 1e-4. */
export const ROBUST_RELATIVE_TOLERANCE = 1e-9;

/**
 * Half a unit in the last place of a ground truth written as a decimal with two or more places
 * ("3.14", "0.067"): such a value is taken as rounded, so a more precise prediction that rounds
 * to it is right. One place ("0.5") is too often exact to be read as rounded. Null otherwise.
 */
export function statedHalfUnit(gtText: string): number | null {
  const m = /^-?\d*\.(\d{2,})$/.exec(gtText);
  return m ? 0.5 * 10 ** -m[1]!.length : null;
}

/**
 * Robust numeric equality: the same value up to floating-point noise, or, when the ground truth
 * states its precision (`statedHalfUnit`), within half a unit of its last place. A rounded
 * prediction of an exact ground truth is not accepted (0.067 is not 3125/46656, 9999.857 is not
 * 10000); the ground truth sets the precision. Percent variants as in `numericEqual`.
 */
export function robustNumericEqual(pred: number, gt: number, gtText: string, percentVariants: boolean): boolean {
  const half = statedHalfUnit(gtText);
  const same = (p: number, g: number, h: number | null) =>
    numbersClose(p, g, ROBUST_RELATIVE_TOLERANCE) || (h !== null && Math.abs(p - g) <= h * (1 + 1e-9));
  if (same(pred, gt, half)) return true;
  return percentVariants && (same(pred, gt / 100, half === null ? null : half / 100) || same(pred, gt * 100, half === null ? null : half * 100));
}
