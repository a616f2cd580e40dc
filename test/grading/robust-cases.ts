/**
 * Labelled cases for robust mode, by the categories of issue 14: whole model outputs in English
 * (`output`: the prediction is extracted) and answers given as such. Every category has cases
 * that must be unequal.
 */
export interface RobustCase {
  category: string;
  pred: string;
  gt: string;
  equal: boolean;
  /** The prediction is a whole model output. */
  output: boolean;
  dataset?: "math" | "gsm8k";
}

const out = (category: string, pred: string, gt: string, equal: boolean, dataset?: "math" | "gsm8k"): RobustCase => ({
  category,
  pred,
  gt,
  equal,
  output: true,
  ...(dataset ? { dataset } : {}),
});
const ans = (category: string, pred: string, gt: string, equal: boolean, dataset?: "math" | "gsm8k"): RobustCase => ({
  category,
  pred,
  gt,
  equal,
  output: false,
  ...(dataset ? { dataset } : {}),
});

export const ROBUST_CASES: RobustCase[] = [
  // The same extraction on both sides.
  ans("same extraction", "$[0,1)$", "$[0,1)$", true),
  out("same extraction", "$[0,1)$", "$[0,1)$", true),
  ans("same extraction", "x \\in \\boxed{[0,7)}.", "x \\in \\boxed{[0,7)}.", true),
  out("same extraction", "x \\in \\boxed{[0,7)}.", "x \\in \\boxed{[0,7)}.", true),
  out("same extraction", "so \\boxed{[0,7)}", "[0,7)", true),
  out("same extraction", "so \\boxed{[0,7]}", "[0,7)", false),
  ans("same extraction", "\\(\\frac{3}{4}\\)", "$\\frac34$", true),
  ans("same extraction", "\\(\\frac{3}{5}\\)", "$\\frac34$", false),
  out("same extraction", "The total is 18.\n#### 18", "Janet has 16 - 3 - 4 = 9 eggs, 9 * 2 = 18.\n#### 18", true, "gsm8k"),
  out("same extraction", "The total is 19.\n#### 19", "Janet has 16 - 3 - 4 = 9 eggs, 9 * 2 = 18.\n#### 18", false, "gsm8k"),

  // Labelled answers in English.
  out("labelled", "We add them up.\nAnswer: $9$", "9", true),
  out("labelled", "We add them up.\nAnswer: $8$", "9", false),
  out("labelled", "Thus the answer is \\( 9 \\).", "9", true),
  out("labelled", "Thus the answer is \\( 9.5 \\).", "9", false),
  out("labelled", "Putting it together:\n\\[ 9 \\]", "9", true),
  out("labelled", "Putting it together:\n$$ 9 $$", "9", true),
  out("labelled", "Putting it together:\n$$ 10 $$", "9", false),
  out("labelled", "Some work with 3 and 4.\n**Final answer:** 9", "9", true),
  out("labelled", "Some work with 3 and 4.\n**Final Answer**: 9", "9", true),
  out("labelled", "Some work with 3 and 4.\n**Final answer:** 7", "9", false),
  out("labelled", "After simplifying, the final answer is 12.", "12", true),
  out("labelled", "After simplifying, the final answer is 12 apples.", "12", true),
  out("labelled", "After simplifying, the final answer is 13.", "12", false),
  out("labelled", "The answer is $\\frac{1}{2}$. We check: 2 times 1/2 is 1.", "\\frac12", true),
  out("labelled", "The answer is $\\frac{1}{3}$. We check: 3 times 1/3 is 1.", "\\frac12", false),
  out("labelled", "Answer: 42", "42", true),
  out("labelled", "Final answer: x = 5", "5", true),
  out("labelled", "Final answer: x = 6", "5", false),
  out("labelled", "So she has 3 + 4 = 7 apples left.\nA: 7", "7", true, "gsm8k"),
  out("labelled", "So she has 3 + 4 = 7 apples left.\nA: 8", "7", false, "gsm8k"),
  out("labelled", "There is no answer yet, we keep going", "3", false),

  // An answer at the end of a sentence, and the last math span before the last bare number.
  out("last span", "So $x = \\frac{1+\\sqrt{5}}{2}$.", "\\frac{1+\\sqrt5}{2}", true),
  out("last span", "So $x = \\frac{1+\\sqrt{5}}{2}$.", "2", false),
  out("last span", "The point is (1,4.5)", "(1,4.5)", true),
  out("last span", "The point is (1,4.5)", "14.5", false),
  out("last span", "The point is $(1, 4.5)$.", "(1,4.5)", true),
  out("last span", "Multiplying, we get $6 \\cdot 7 = 42$, so the total is 42.", "42", true),
  out("last span", "We have $x=3$, so the total is 15 apples.", "15", true),
  out("last span", "We have $x=3$, so the total is 15 apples.", "3", false),
  out("last span", "It costs $5 and $7, so 12 dollars in all", "12", true),
  out("last span", "Hence the value is $\\sqrt{2}$", "\\sqrt2", true),
  out("last span", "Hence the value is $\\sqrt{3}$", "\\sqrt2", false),
  out("last span", "The sum is 1,000 in the end", "1000", true),
  out("last span", "The sum is 1,000 in the end", "1", false),
  out("last span", "no number and no math here at all", "1", false),

  // Several boxes in one answer.
  out("several boxes", "The roots are \\boxed{-2} and \\boxed{1}.", "-2, 1", true),
  out("several boxes", "The roots are \\boxed{-2} and \\boxed{1}.", "1, -2", true),
  out("several boxes", "The roots are \\boxed{-2} and \\boxed{1}.", "1", false),
  out("several boxes", "The roots are \\boxed{-2} and \\boxed{3}.", "-2, 1", false),
  out("several boxes", "The roots are \\boxed{-2}, \\boxed{1}", "-2,1", true),
  out("several boxes", "so $a = \\boxed{-1}$ and $a = \\boxed{2}.$", "-1, 2", true),
  out("several boxes", "First \\boxed{3}.\n\nOn reflection the answer is \\boxed{4}.", "4", true),
  out("several boxes", "First \\boxed{3}.\n\nOn reflection the answer is \\boxed{4}.", "3, 4", false),
  out("several boxes", "We get \\boxed{x+11} or \\boxed{11+x}.", "x+11", true),
  out("several boxes", "We get $\\boxed{15\\frac{39}{40}} = \\boxed{\\frac{639}{40}}$", "\\frac{639}{40}", true),

  // Labelled answers and equations.
  ans("equations", "z^3 = -1", "-1", true),
  ans("equations", "z^3 = -1", "1", false),
  ans("equations", "y=-\\frac{1}{2}x+\\frac{3}{4}", "2x+4y-3=0", true),
  ans("equations", "y=-\\frac{1}{2}x+\\frac{3}{4}", "2x+4y+3=0", false),
  ans("equations", "y=2x", "2x-y=0", true),
  ans("equations", "y=2x", "2x+y=0", false),
  ans("equations", "y = 3x - 2", "3x - 2", true),
  ans("equations", "y = 3x - 2", "3x + 2", false),
  ans("equations", "f(x) = x^2", "x^2", true),
  ans("equations", "x^2+y^2=25", "y^2+x^2=25", true),
  ans("equations", "x^2+y^2=25", "x^2+y^2=5", false),
  ans("equations", "x = 4", "4", true),
  ans("equations", "x = 4", "-4", false),

  // Sets and lists.
  ans("sets", "\\{1, 2, 3\\}", "\\{3, 2, 1\\}", true),
  ans("sets", "\\{1, 2, 3\\}", "\\{1, 2\\}", false),
  ans("sets", "1, 2, 3", "\\{1,2,3\\}", true),
  ans("sets", "x = 2 or x = 3", "2, 3", true),
  ans("sets", "x = 2 or x = 4", "2, 3", false),
  ans("sets", "\\pm 2", "2, -2", true),
  ans("sets", "\\pm 2", "2", false),
  ans("sets", "\\emptyset", "\\varnothing", true),
  ans("sets", "\\{\\}", "\\emptyset", true),
  ans("sets", "\\{0\\}", "\\emptyset", false),

  // Intervals.
  ans("intervals", "[0, 1)", "[0,1)", true),
  ans("intervals", "[0, 1]", "[0,1)", false),
  ans("intervals", "(-\\infty, 2] \\cup [3, \\infty)", "(-\\infty,2]\\cup[3,\\infty)", true),
  ans("intervals", "[3, \\infty) \\cup (-\\infty, 2]", "(-\\infty,2]\\cup[3,\\infty)", true),
  ans("intervals", "(-\\infty, 2) \\cup [3, \\infty)", "(-\\infty,2]\\cup[3,\\infty)", false),
  ans("intervals", "(-\\infty, \\infty)", "\\mathbb{R}", true),
  ans("intervals", "\\left( \\frac{1}{2}, 3 \\right]", "(0.5, 3]", true),
  ans("intervals", "(0.5, 3)", "(0.5, 3]", false),

  // Tuples and points.
  ans("tuples", "(1, 2)", "(1,2)", true),
  ans("tuples", "(2, 1)", "(1,2)", false),
  ans("tuples", "(\\frac12, -3)", "(0.5,-3)", true),
  ans("tuples", "(\\frac12, 3)", "(0.5,-3)", false),
  ans("tuples", "(1, 2, 3)", "(1,2)", false),
  ans("tuples", "\\left(3, \\frac{\\pi}{2}\\right)", "(3,\\frac{\\pi}{2})", true),

  // Matrices and vectors.
  ans("matrices", "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}", true),
  ans("matrices", "\\begin{pmatrix} 1 & 2 \\\\ 3 & 5 \\end{pmatrix}", "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}", false),
  ans("matrices", "\\begin{pmatrix} 1 \\\\ -2 \\end{pmatrix}", "(1,-2)", true),
  ans("matrices", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(1,-2)", false),
  ans("matrices", "\\begin{pmatrix} \\frac12 & 0 \\\\ 0 & 1 \\end{pmatrix}", "\\begin{pmatrix}0.5&0\\\\0&1\\end{pmatrix}", true),
  ans("matrices", "\\begin{pmatrix} 1 & 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", false), // a row is not a column

  // Units and \text{}.
  ans("units", "5 \\text{ cm}", "5", true),
  ans("units", "6 \\text{ cm}", "5", false),
  ans("units", "12\\text{ inches}^2", "12", true),
  ans("units", "17 square units", "17", true),
  ans("units", "18 square units", "17", false),
  ans("units", "8\\sqrt{3} \\text { square inches}", "8\\sqrt3", true),
  ans("units", "\\text{Evelyn}", "Evelyn", true),
  ans("units", "\\text{Evelyn}", "Bob", false),
  ans("units", "\\$12.50", "12.50", true),
  ans("units", "\\$12.50", "12.05", false),
  ans("units", "5 meters", "5", true),
  ans("units", "\\textbf{(C)}", "C", true),

  // Percent.
  ans("percent", "25\\%", "25", true),
  ans("percent", "25%", "0.25", true),
  ans("percent", "26\\%", "25", false),
  ans("percent", "50", "0.5", false, "gsm8k"),
  ans("percent", "12.5\\%", "12.5", true),

  // Degrees.
  ans("degrees", "30^\\circ", "30", true),
  ans("degrees", "30^{\\circ}", "30", true),
  ans("degrees", "30°", "30", true),
  ans("degrees", "31^\\circ", "30", false),
  ans("degrees", "30 degrees", "30", true),

  // π.
  ans("pi", "2\\pi", "2\\pi", true),
  ans("pi", "\\pi \\cdot 2", "2\\pi", true),
  ans("pi", "6.283185307179586", "2\\pi", true),
  ans("pi", "6.28", "2\\pi", false),
  ans("pi", "\\frac{\\pi}{3}", "\\frac13\\pi", true),
  ans("pi", "\\frac{\\pi}{4}", "\\frac13\\pi", false),
  ans("pi", "3\\pi", "2\\pi", false),

  // Thousands separators.
  ans("thousands", "1,000", "1000", true),
  ans("thousands", "1 000", "1000", true),
  ans("thousands", "1{,}000", "1000", true),
  ans("thousands", "1\\,000", "1000", true),
  ans("thousands", "10{,}000", "10000", true),
  ans("thousands", "1,000,000", "1000000", true),
  ans("thousands", "1,001", "1000", false),
  ans("thousands", "1,2", "12", false),

  // Mixed numbers.
  ans("mixed numbers", "1\\frac{1}{10}", "\\frac{11}{10}", true),
  ans("mixed numbers", "2\\frac{1}{2}", "2.5", true),
  ans("mixed numbers", "-2\\frac{1}{2}", "-2.5", true),
  ans("mixed numbers", "2\\frac{1}{2}", "1", false),
  ans("mixed numbers", "1\\frac{1}{9}", "1\\frac{1}{10}", false),
  ans("mixed numbers", "3 \\frac{1}{4}", "3.25", true),

  // Numeric tolerance: the ground truth sets the precision.
  ans("tolerance", "9999.857142857143", "10{,}000", false),
  ans("tolerance", "9999\\frac{6}{7}", "10{,}000", false),
  ans("tolerance", "9999", "10000", false),
  ans("tolerance", "10000.0", "10{,}000", true),
  ans("tolerance", "0.067", "\\frac{3125}{46656}", false),
  ans("tolerance", "0.0669795953360768", "\\frac{3125}{46656}", true),
  ans("tolerance", "0.3333", "\\frac13", false),
  ans("tolerance", "3.1416", "3.14", true),
  ans("tolerance", "3.15", "3.14", false),
  ans("tolerance", "0.54", "0.5", false),
  ans("tolerance", "120006", "120000", false, "gsm8k"),
  ans("tolerance", "0.30000000000000004", "0.3", true),
  ans("tolerance", "1e-3", "0.001", true),
  ans("tolerance", "2.0", "2", true),

  // Whole outputs mixing the above.
  out("outputs", "Let me compute. $\\frac{3}{4}$ of 12 is 9, so the answer is $\\boxed{9}$.", "9", true),
  out("outputs", "Let me compute. $\\frac{3}{4}$ of 12 is 9, so the answer is $\\boxed{8}$.", "9", false),
  out("outputs", "The angle is $30^\\circ$.", "30", true),
  out("outputs", "She sold 1,250 tickets.", "1250", true),
  out("outputs", "She sold 1,250 tickets.", "125", false),
  out("outputs", "The interval is $[2, 5)$.", "[2,5)", true),
  out("outputs", "The interval is $[2, 5]$.", "[2,5)", false),
  out("outputs", "It grows by 25%.", "25", true),
  out("outputs", "Therefore, the area is $12\\pi$ square units.", "12\\pi", true),
  out("outputs", "Therefore, the area is $12\\pi$ square units.", "12", false),
  out("outputs", "The answer is: \\(\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}\\)", "(1,2)", true),
  out("outputs", "So the roots are $x=2$ and $x=3$, and the answer is $2, 3$.", "2,3", true),
];
