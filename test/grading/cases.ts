/**
 * Hand-written (pred, gt, expected) cases, grouped by the answer types of the MATH test set
 * annotation (Real, Complex, Interval, Vector, Expression, Others, Set, Equation, Function,
 * Inequality, Matrix) plus GSM8K-style numbers. Every group has cases that must be UNEQUAL.
 */
export interface Case {
  pred: string;
  gt: string;
  equal: boolean;
  type: string;
  dataset?: "math" | "gsm8k";
}

const c = (type: string, pred: string, gt: string, equal: boolean, dataset?: "math" | "gsm8k"): Case => ({
  pred,
  gt,
  equal,
  type,
  ...(dataset ? { dataset } : {}),
});

export const CASES: Case[] = [
  // Real: integers, decimals, fractions, roots, π, units, percent, thousands separators.
  c("Real", "42", "42", true),
  c("Real", "42.0", "42", true),
  c("Real", "042", "42", true),
  c("Real", "-7", "-7", true),
  c("Real", "7", "-7", false),
  c("Real", "43", "42", false),
  c("Real", "9999", "10000", false),
  c("Real", "10,000", "10000", true),
  c("Real", "10{,}000", "10000", true),
  c("Real", "1,000,000", "10^6", true),
  c("Real", "\\frac{1}{2}", "0.5", true),
  c("Real", "\\frac12", "\\frac{1}{2}", true),
  c("Real", "\\dfrac{9}{7}", "\\frac{9}{7}", true),
  c("Real", "\\tfrac{9}{7}", "\\dfrac{9}{7}", true),
  c("Real", "9/7", "\\frac{9}{7}", true),
  c("Real", "\\frac{9}{7}", "\\frac{7}{9}", false),
  c("Real", "-\\frac{1}{8}", "-0.125", true),
  c("Real", "\\frac{1}{8}", "-\\frac{1}{8}", false),
  c("Real", "0.3333", "\\frac{1}{3}", false), // robust: a rounded value of an exact gt is not the answer
  c("Real", "3.1416", "3.14", true), // the gt states two places: a more precise value that rounds to it is right
  c("Real", "0.33", "\\frac{1}{3}", false),
  c("Real", ".5", "\\frac12", true),
  c("Real", "\\sqrt{2}", "\\sqrt2", true),
  c("Real", "2\\sqrt{2}", "\\sqrt{8}", true),
  c("Real", "\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}", true),
  c("Real", "\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt{2}}{2}", false),
  c("Real", "\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", true),
  c("Real", "2\\pi", "6.2832", true),
  c("Real", "2\\pi", "\\pi", false),
  c("Real", "\\pi^2", "9.8696", true),
  c("Real", "1\\frac{1}{10}", "\\frac{11}{10}", true),
  c("Real", "1\\frac{1}{9}", "1\\frac{1}{10}", false),
  c("Real", "-2\\frac{1}{2}", "-2.5", true),
  c("Real", "1.5\\times10^{3}", "1500", true),
  c("Real", "1.5e3", "1500", true),
  c("Real", "3\\cdot 10^4", "30000", true),
  c("Real", "5 \\text{ cm}", "5", true),
  c("Real", "12\\text{ inches}^2", "12", true),
  c("Real", "17 square units", "17", true),
  c("Real", "18 \\text{ cm}", "17", false),
  c("Real", "30^\\circ", "30", true),
  c("Real", "30^{\\circ}", "30", true),
  c("Real", "\\$18.90", "18.90", true),
  c("Real", "\\$18.90", "18.9", true),
  c("Real", "18.901", "18.90", true), // inside the 1e-4 relative tolerance of the reference graders
  c("Real", "18.95", "18.90", false),
  c("Real", "25\\%", "25", true),
  c("Real", "0.25", "25\\%", true), // percent variant x/100, as the MATH reference graders accept
  c("Real", "2500", "25", true), // percent variant 100x
  c("Real", "0.26", "25\\%", false),
  c("Real", "x = 5", "5", true),
  c("Real", "y=-3", "-3", true),
  c("Real", "x = 5", "-5", false),
  c("Real", "\\left(\\frac{3}{4}\\right)", "\\frac34", true),
  c("Real", "5.", "5", true),
  c("Real", "\\boxed{5}", "5", true), // a stray box around an answer does not change its value
  c("Real", "\\frac{3}{2004!}", "\\frac{1}{2004!}", false), // exact CAS arithmetic, not floats
  c("Real", "2^{2005}\\cdot2", "2^{2006}", true),
  c("Real", "2^{2005}", "2^{2006}", false),
  c("Real", "\\log_2 8", "3", true),
  c("Real", "\\sin\\frac{\\pi}{6}", "\\frac12", true),
  c("Real", "five", "5", true),
  c("Real", "1011_2", "1011_{2}", true), // base subscripts kept as written
  c("Real", "1011", "1011_2", false),
  c("Real", "11_2", "3", true), // the CAS reads a base-2 numeral as its value
  c("Real", "11_2", "11", false),
  c("Real", "\\infty", "infinity", true),
  c("Real", "-\\infty", "\\infty", false),
  // GSM8K numbers: no percent variants, thousands separators, dollars.
  c("Real", "18", "18", true, "gsm8k"),
  c("Real", "$18", "18", true, "gsm8k"),
  c("Real", "1,200", "1200", true, "gsm8k"),
  c("Real", "120,006", "120000", false, "gsm8k"),
  c("Real", "0.18", "18", false, "gsm8k"),
  c("Real", "18.00", "18", true, "gsm8k"),
  c("Real", "3.0", "3", true, "gsm8k"),
  c("Real", "-3", "3", false, "gsm8k"),

  // Complex
  c("Complex", "i", "i", true),
  c("Complex", "-i", "i", false),
  c("Complex", "6+9i", "9i+6", true),
  c("Complex", "6+9i", "6-9i", false),
  c("Complex", "-11 + 27i", "-11+27i", true),
  c("Complex", "\\frac{1}{5} + \\frac{3}{5}i", "\\frac{1+3i}{5}", true),
  c("Complex", "\\frac{1}{5} + \\frac{3}{5}i", "\\frac{1+2i}{5}", false),
  c("Complex", "0.2+0.6i", "\\frac{1}{5}+\\frac{3}{5}i", true),
  c("Complex", "\\frac{i}{5}", "0.2i", true),
  c("Complex", "292i", "292 i", true),
  c("Complex", "293i", "292i", false),

  // Interval
  c("Interval", "[-2,7]", "x \\in [-2,7]", true),
  c("Interval", "[-2, 7]", "[-2,7]", true),
  c("Interval", "(-2,7]", "[-2,7]", false), // open vs closed end
  c("Interval", "[-2,7)", "[-2,7]", false),
  c("Interval", "[0,\\infty)", "[0, \\infty)", true),
  c("Interval", "(0,\\infty)", "[0,\\infty)", false),
  c("Interval", "(-\\sqrt{3}, \\sqrt{3})", "(-\\sqrt3,\\sqrt3)", true),
  c("Interval", "\\left(-\\sqrt{3}, \\sqrt{3}\\right)", "(-\\sqrt{3}, \\sqrt{3})", true),
  c("Interval", "(-\\sqrt{3}, \\sqrt{2})", "(-\\sqrt{3}, \\sqrt{3})", false),
  c("Interval", "(-\\infty,-8)\\cup (8,\\infty)", "(-\\infty,-8)\\cup(8,\\infty)", true),
  c("Interval", "(8,\\infty)\\cup(-\\infty,-8)", "(-\\infty,-8)\\cup(8,\\infty)", true), // union is order-free
  c("Interval", "(-\\infty,-8]\\cup (8,\\infty)", "(-\\infty,-8)\\cup(8,\\infty)", false),
  c("Interval", "(-\\infty,-8)", "(-\\infty,-8)\\cup(8,\\infty)", false),
  c("Interval", "\\left[\\frac{1}{2}, \\frac{4}{3}\\right]", "[0.5, \\frac43]", true),
  c("Interval", "[\\frac{1}{2}, \\frac{5}{3}]", "\\left[\\frac{1}{2}, \\frac{4}{3}\\right]", false),
  c("Interval", "(-\\infty,\\infty)", "\\mathbb{R}", true),
  c("Interval", "(-\\infty, 2) \\cup (3, \\infty)", "(-\\infty,2)\\cup(3,\\infty)", true),
  c("Interval", "(-\\infty,0]\\cup[4,\\infty)", "(-\\infty,0)\\cup(4,\\infty)", false),
  c("Interval", "\\{-3\\} \\cup [0,7)", "\\{-3\\}\\cup[0,7)", true),
  c("Interval", "[0,7)\\cup\\{-3\\}", "\\{-3\\}\\cup[0,7)", true),
  c("Interval", "\\{-2\\}\\cup[0,7)", "\\{-3\\}\\cup[0,7)", false),

  // Vector / point / tuple
  c("Vector", "(9,11)", "(9,11)", true),
  c("Vector", "(9, 11)", "(9,11)", true),
  c("Vector", "(11,9)", "(9,11)", false), // a point is ordered
  c("Vector", "\\left(1,\\frac{9}{2}\\right)", "(1,4.5)", true),
  c("Vector", "(1,\\frac{7}{2})", "(1,4.5)", false),
  c("Vector", "(15,-11)", "(15,11)", false), // sign error
  c("Vector", "(2,12,3)", "(2,12)", false),
  c("Vector", "4,6,14,15", "4,6,14,15", true),
  c("Vector", "(4,6,14,15)", "4,6,14,15", true),
  c("Vector", "(-6, 10)", "(-6,10)", true),
  c("Vector", "(\\frac{1}{2}, \\sqrt{2})", "(0.5, \\sqrt2)", true),
  c("Vector", "(x,y)=(1,2)", "(1,2)", false), // not an answer shape the graders read
  c("Vector", "(1,4,3)", "\\begin{pmatrix} 1 \\\\ 4 \\\\ 3 \\end{pmatrix}", true), // column vector as a tuple
  c("Vector", "(1,4,4)", "\\begin{pmatrix} 1 \\\\ 4 \\\\ 3 \\end{pmatrix}", false),

  // Expression
  c("Expression", "x^2+2x+1", "(x+1)^2", true),
  c("Expression", "x^2+2x+1", "(x+2)^2", false),
  c("Expression", "\\frac{x+2}{7}", "\\frac{x}{7}+\\frac{2}{7}", true),
  c("Expression", "\\frac{x+3}{7}", "\\frac{x+2}{7}", false),
  c("Expression", "7(x+3) (x-3)", "7(x+3)(x-3)", true),
  c("Expression", "7x^2-63", "7(x+3)(x-3)", true),
  c("Expression", "7x^2+63", "7(x+3)(x-3)", false),
  c("Expression", "2x(15x^2-4x+10)", "30x^3-8x^2+20x", true),
  c("Expression", "\\sqrt{x}", "x^{1/2}", true),
  c("Expression", "\\sqrt{x}", "x^{1/3}", false),
  c("Expression", "3s^2", "3s^{2}", true),
  c("Expression", "3s^3", "3s^2", false),
  c("Expression", "-\\sqrt{x-3}+3", "3-\\sqrt{x-3}", true),
  c("Expression", "b-1", "b - 1", true),
  c("Expression", "b+1", "b-1", false),
  c("Expression", "-\\frac1{2x}", "-\\frac{1}{2x}", true),
  c("Expression", "\\frac{-1}{2x}", "-\\frac{1}{2x}", true),
  c("Expression", "\\frac{1}{2x}", "-\\frac{1}{2x}", false),
  c("Expression", "\\sin^2 x + \\cos^2 x", "1", true),
  c("Expression", "x", "2", false),
  c("Expression", "6r^2-4r-24", "2(3r^2-2r-12)", true),

  // Others: words, names, ratios, letters.
  c("Others", "\\text{Evelyn}", "\\text{Evelyn}", true),
  c("Others", "Evelyn", "\\text{Evelyn}", true),
  c("Others", "\\text{Monday}", "\\text{Tuesday}", false),
  c("Others", "\\text{odd}", "\\text{even}", false),
  c("Others", "odd", "\\text{odd}", true),
  c("Others", "3:1", "3:1", true),
  c("Others", "1:3", "3:1", false),
  c("Others", "\\text{(C)}", "C", true),
  c("Others", "(B)", "\\text{(C)}", false),
  c("Others", "B", "\\text{(B)}", true),
  c("Others", "\\text{neither}", "\\text{neither}", true),
  c("Others", "\\text{June 20}", "\\text{June 21}", false),

  // Set: order-free, words "and", ±.
  c("Set", "6, -2", "6,-2", true),
  c("Set", "-2, 6", "6, -2", true),
  c("Set", "-2, 5", "6, -2", false),
  c("Set", "-2", "6, -2", false),
  c("Set", "19 \\text{ and }43", "19,43", true),
  c("Set", "43,19", "19 \\text{ and }43", true),
  c("Set", "\\{1,3\\}", "1,3", true),
  c("Set", "\\{1,4\\}", "1,3", false),
  c("Set", "\\sqrt{5}, -\\sqrt{5}", "\\pm\\sqrt{5}", true),
  c("Set", "1\\pm\\sqrt{2}", "1+\\sqrt{2}, 1-\\sqrt{2}", true),
  c("Set", "1\\pm\\sqrt{3}", "1+\\sqrt{2}, 1-\\sqrt{2}", false),
  c("Set", "5 - 10i, 11, -3 + 6i", "11, -3+6i, 5-10i", true),
  c("Set", "5 - 10i, 11, -3 - 6i", "11, -3+6i, 5-10i", false),
  c("Set", "\\frac{5}{2},-3", "-3, 2.5", true),
  c("Set", "x=1, x=2", "1,2", true),
  c("Set", "x=2 \\text{ or } x=3", "3, 2", true),
  c("Set", "x = 2 and x = 4", "2,3", false),
  c("Set", "\\emptyset", "\\varnothing", true),
  c("Set", "\\emptyset", "0", false),

  // Equation
  c("Equation", "4x-5y=-50", "4x-5y=-50", true),
  c("Equation", "-4x+5y=50", "4x-5y=-50", true),
  c("Equation", "4x-5y=50", "4x-5y=-50", false),
  c("Equation", "x^2+y^2=13", "x^2 + y^2 = 13", true),
  c("Equation", "13=x^2+y^2", "x^2 + y^2 = 13", true),
  c("Equation", "x^2+y^2=14", "x^2 + y^2 = 13", false),
  c("Equation", "x = \\frac32", "x = \\frac{3}{2}", true),
  c("Equation", "1.5", "x = \\frac{3}{2}", true),
  c("Equation", "x - 3z = 0", "x-3z=0", true),
  c("Equation", "2x - 6z = 0", "x-3z=0", true),
  c("Equation", "x + 3z = 0", "x-3z=0", false),
  c("Equation", "20x + 23y + 26z - 69 = 0", "20x+23y+26z-69=0", true),
  c("Equation", "20x + 23y + 26z + 69 = 0", "20x+23y+26z-69=0", false),

  // Function
  c("Function", "y = 2x + 3", "y=2x+3", true),
  c("Function", "2x+3", "y = 2x + 3", true),
  c("Function", "y = 3 + 2x", "y = 2x + 3", true),
  c("Function", "y = 2x - 3", "y = 2x + 3", false),
  c("Function", "y = -\\frac{1}{2} x^2 + 4x - 6", "y=-\\frac12x^2+4x-6", true),
  c("Function", "y = x^2 + 2", "y = x^2 - 2", false),
  c("Function", "-\\sqrt{x-2}+2", "2-\\sqrt{x-2}", true),
  c("Function", "f(x) = x+3", "y = x+3", true),

  // Inequality
  c("Inequality", "f(2) < f(1) < f(4)", "f(2) < f(1) < f(4)", true),
  c("Inequality", "f(1) < f(2) < f(4)", "f(2) < f(1) < f(4)", false),

  // Matrix
  c("Matrix", "\\begin{pmatrix} 31 & 50 \\\\ -18 & -29 \\end{pmatrix}", "\\begin{pmatrix}31&50\\\\-18&-29\\end{pmatrix}", true),
  c("Matrix", "\\begin{bmatrix} 31 & 50 \\\\ -18 & -29 \\end{bmatrix}", "\\begin{pmatrix} 31 & 50 \\\\ -18 & -29 \\end{pmatrix}", true),
  c("Matrix", "\\begin{pmatrix} 31 & 50 \\\\ 18 & -29 \\end{pmatrix}", "\\begin{pmatrix} 31 & 50 \\\\ -18 & -29 \\end{pmatrix}", false),
  c("Matrix", "\\begin{pmatrix} 31 & -18 \\\\ 50 & -29 \\end{pmatrix}", "\\begin{pmatrix} 31 & 50 \\\\ -18 & -29 \\end{pmatrix}", false),
  c("Matrix", "\\begin{pmatrix} 48/65 \\\\ 6/65 \\end{pmatrix}", "\\begin{pmatrix} \\frac{48}{65} \\\\ \\frac{6}{65} \\end{pmatrix}", true),
  c("Matrix", "\\begin{pmatrix} 1/5 & 4/5 \\\\ 0 & 1 \\end{pmatrix}", "\\begin{pmatrix} 0.2 & 0.8 \\\\ 0 & 1 \\end{pmatrix}", true),
  c("Matrix", "\\begin{pmatrix} 1 & 4 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 4 \\end{pmatrix}", false),
  c("Matrix", "\\begin{pmatrix} 1 \\\\ 4 \\\\ 3 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 4 \\end{pmatrix}", false),
  c("Matrix", "\\begin{pmatrix} 0 & 0 & 0 \\\\ 0 & 1 & 0 \\\\ 0 & 0 & 0 \\end{pmatrix}", "\\begin{pmatrix} 0 & 0 & 0 \\\\ 0 & 1 & 0 \\\\ 0 & 0 & 0 \\end{pmatrix}", true),
  c("Matrix", "\\begin{pmatrix} x & 1 \\\\ 0 & x+1 \\end{pmatrix}", "\\begin{pmatrix} x & 1 \\\\ 0 & 1+x \\end{pmatrix}", true),

  // No answer
  c("Others", "", "5", false),
];
