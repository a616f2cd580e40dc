/**
 * What ToRA's `symbolic_equal` can compare. It parses each side with sympy's `parse_latex`, then
 * `parse_expr`, else keeps the string; a string, a tuple or a relation makes both of its tests
 * (`simplify(a - b) == 0`, `isclose(N(a), N(b))`) raise, which counts as not equal. This module
 * says which normalised answers end that way without asking the CAS, and rewrites the one LaTeX
 * reading where sympy and the Compute Engine differ.
 */

/**
 * Commas (`1,2`, `10{,}000`: sympy's LaTeX grammar has no lists, and `parse_expr` makes a tuple),
 * ratios and separators (`4:30`), characters neither parser reads (`?`, `#`, quotes), relations (`y=2x`, `x\le 3`: sympy builds an `Eq`, which
 * cannot be subtracted), and set or interval operators.
 */
const NOT_AN_EXPRESSION = /[,:;=<>?#&@'"]|\\(?:le|ge|ne|lt|gt|leq|geq|neq|in|cup|cap|setminus|pm|mp|approx|equiv)(?![a-zA-Z])/;

/**
 * Longer than this, sympy would run past ToRA's 3 s limit (a wrong verdict there too) long before
 * an answer this long could be equal to a real one.
 */
const MAX_SYMPY_LENGTH = 2000;

/** The text to give the CAS for ToRA's `symbolic_equal`, or null when ToRA's test cannot succeed. */
export function sympyComparable(s: string): string | null {
  if (s === "" || s.length > MAX_SYMPY_LENGTH || NOT_AN_EXPRESSION.test(s)) return null;
  // sympy reads `2\frac{1}{3}` as 2·(1/3); the Compute Engine would read a mixed number.
  return s.replace(/(\d)(?=\\frac(?![a-zA-Z]))/g, "$1\\cdot ");
}
