import { seededRandom } from "../../src/random.js";
// A deterministic corpus of realistic model-written snippets (the kinds the paper's agents write:
// sympy solve/simplify/Rational, fractions, itertools counting, printing, last-expression values,
// syntax errors and exceptions). Used by the CPython parity test and by bench/interpreter.ts.

export interface Snippet {
  id: string;
  kind: string;
  code: string;
}


type Gen = (r: () => number, int: (lo: number, hi: number) => number) => string;

const GENERATORS: Record<string, Gen[]> = {
  arith: [
    (_, i) => `a = ${i(2, 999)}\nb = ${i(2, 99)}\nprint(a * b + ${i(1, 50)})`,
    (_, i) => `total = sum(range(1, ${i(10, 5000)} + 1))\nprint(total)`,
    (_, i) => `n = ${i(100, 99999)}\nprint(n // ${i(2, 13)}, n % ${i(2, 13)})`,
    (_, i) => `price = ${i(10, 500)}\ndiscount = 0.${i(10, 45)}\nfinal = price * (1 - discount)\nprint(f"{final:.2f}")`,
    (_, i) => `import math\nprint(math.comb(${i(5, 30)}, ${i(1, 5)}), math.gcd(${i(10, 900)}, ${i(10, 900)}), math.factorial(${i(3, 20)}))`,
    (_, i) => `import math\nr = ${i(1, 20)}\narea = math.pi * r ** 2\nprint(round(area, 4))`,
    (_, i) => `eggs = ${i(10, 30)}\neaten = ${i(1, 5)}\nbaked = ${i(1, 5)}\nsold = (eggs - eaten - baked) * ${i(2, 4)}\nprint(sold)`,
    (_, i) => `speed = ${i(20, 90)}\nhours = ${i(1, 9)}.5\ndistance = speed * hours\nprint(distance)`,
    (_, i) => `x = ${i(2, 40)}\nx ** ${i(2, 12)}`,
    (_, i) => `def f(n):\n    return n * (n + 1) // 2\n[f(k) for k in range(${i(3, 12)})]`,
    (_, i) => `nums = [${Array.from({ length: 6 }, () => i(1, 99)).join(", ")}]\nprint(sorted(nums), max(nums) - min(nums), sum(nums) / len(nums))`,
    (_, i) => `print(divmod(${i(1000, 99999)}, ${i(7, 97)}))\nprint(pow(${i(2, 9)}, ${i(10, 200)}, ${i(11, 1000)}))`,
    (_, i) => `count = 0\nfor k in range(1, ${i(100, 3000)}):\n    if k % ${i(3, 7)} == 0 or k % ${i(8, 11)} == 0:\n        count += 1\nprint(count)`,
    (_, i) => `s = 0\nfor a in range(1, ${i(20, 60)}):\n    for b in range(a, ${i(20, 60)}):\n        if (a * b) % ${i(5, 9)} == 1:\n            s += a + b\nprint(s)`,
    (_, i) => `digits = sum(int(d) for d in str(2 ** ${i(50, 400)}))\ndigits`,
    (_, i) => `print(bin(${i(1, 9999)}), hex(${i(1, 99999)}), int("${i(100, 999)}", 8))`,
    (_, i) => `words = "the quick brown fox jumps over the lazy dog".split()\nprint(len(words), sorted(set(words))[:${i(2, 6)}])`,
    (_, i) => `d = {k: k ** 2 for k in range(${i(2, 8)})}\nd`,
    (_, i) => `print(${i(1, 9)} / ${i(2, 9)}, ${i(1, 99)} ** 0.5, 1e${i(3, 30)})`,
    (_, i) => `from decimal import Decimal, getcontext\ngetcontext().prec = ${i(10, 40)}\nprint(Decimal(1) / Decimal(${i(3, 97)}))`,
  ],
  fractions: [
    (_, i) => `from fractions import Fraction\nprint(Fraction(${i(1, 20)}, ${i(2, 30)}) + Fraction(${i(1, 20)}, ${i(2, 30)}))`,
    (_, i) => `from fractions import Fraction\nfrac = Fraction(${i(1, 99)}, ${i(2, 99)}) * ${i(2, 12)}\nprint(frac, float(frac))`,
    (_, i) => `from fractions import Fraction\nsum(Fraction(1, k * (k + 1)) for k in range(1, ${i(5, 60)}))`,
    (_, i) => `from fractions import Fraction\np = Fraction(${i(1, 5)}, 6) ** ${i(2, 4)}\nprint(p.numerator + p.denominator)`,
  ],
  itertools: [
    (_, i) => `from itertools import permutations\nn = ${i(4, 7)}\nprint(sum(1 for p in permutations(range(n)) if all(p[k] != k for k in range(n))))`,
    (_, i) => `from itertools import combinations\nprint(len([c for c in combinations(range(1, ${i(8, 16)}), 3) if sum(c) % ${i(3, 5)} == 0]))`,
    (_, i) => `from itertools import product\nways = sum(1 for a, b, c in product(range(1, 7), repeat=3) if a + b + c == ${i(5, 15)})\nprint(ways, ways / 216)`,
    (_, i) => `import itertools\nlist(itertools.islice(itertools.accumulate(range(1, 50)), ${i(3, 10)}))`,
    (_, i) => `from itertools import combinations_with_replacement\nprint(sum(1 for c in combinations_with_replacement(range(${i(3, 8)}), ${i(2, 4)})))`,
    (_, i) => `from collections import Counter\nc = Counter("${"mississippi banana".slice(0, i(6, 18))}")\nprint(sorted(c.items()))`,
    (_, i) => `from math import comb\nprint(sum(comb(${i(6, 14)}, k) for k in range(0, ${i(2, 6)})))`,
  ],
  sympy_solve: [
    (_, i) => `from sympy import symbols, solve\nx = symbols('x')\nprint(solve(x**2 - ${i(1, 12)}*x + ${i(-20, 30)}, x))`,
    (_, i) => `from sympy import *\nx, y = symbols('x y')\nsolve([${i(1, 9)}*x + ${i(1, 9)}*y - ${i(1, 50)}, x - ${i(1, 9)}*y + ${i(0, 9)}], [x, y])`,
    (_, i) => `import sympy as sp\nx = sp.symbols('x')\nroots = sp.solve(x**3 - ${i(1, 6)}*x**2 + ${i(-5, 9)}*x - ${i(-6, 6)}, x)\nprint(len(roots))`,
    (_, i) => `from sympy import symbols, Eq, solve\nx = symbols('x')\nsolution = solve(Eq(${i(2, 9)}*x + ${i(1, 20)}, ${i(20, 90)}), x)\nprint(solution[0])`,
    (_, i) => `from sympy import symbols, solve, sqrt\na = symbols('a', positive=True)\nprint(solve(a**2 - ${i(2, 50)}, a))`,
    (_, i) => `from sympy import symbols, solveset, S\nx = symbols('x')\nprint(solveset(x**2 - ${i(1, 30)}, x, domain=S.Reals))`,
  ],
  sympy_other: [
    (_, i) => `from sympy import symbols, simplify\nx = symbols('x')\nprint(simplify((x**2 - ${i(1, 9) ** 2})/(x - ${i(1, 9)})))`,
    (_, i) => `from sympy import Rational\nr = Rational(${i(1, 30)}, ${i(2, 40)}) + Rational(${i(1, 30)}, ${i(2, 40)})\nr`,
    (_, i) => `from sympy import factorint\nfactorint(${i(100, 999999)})`,
    (_, i) => `from sympy import symbols, expand\nx = symbols('x')\nexpand((x + ${i(1, 5)})**${i(2, 6)})`,
    (_, i) => `from sympy import symbols, integrate\nx = symbols('x')\nprint(integrate(x**${i(1, 5)} + ${i(1, 9)}*x, (x, 0, ${i(1, 5)})))`,
    (_, i) => `from sympy import isprime, primerange\nprint(isprime(${i(1000, 99999)}), len(list(primerange(1, ${i(50, 500)}))))`,
    (_, i) => `from sympy import divisors, divisor_count\nn = ${i(12, 5000)}\nprint(divisors(n)[:5], divisor_count(n))`,
    (_, i) => `from sympy import binomial, factorial\nbinomial(${i(5, 30)}, ${i(1, 5)}) * factorial(${i(2, 6)})`,
    (_, i) => `from sympy import symbols, summation, oo\nk = symbols('k', integer=True, positive=True)\nprint(summation(1/k**2, (k, 1, oo)), summation(k, (k, 1, ${i(5, 100)})))`,
    (_, i) => `from sympy import Matrix\nM = Matrix([[${i(1, 9)}, ${i(1, 9)}], [${i(1, 9)}, ${i(1, 9)}]])\nprint(M.det(), M.T)`,
    (_, i) => `from sympy import N, pi, E, sqrt\nprint(N(pi, ${i(10, 40)}), N(sqrt(${i(2, 99)}), 12))`,
    (_, i) => `from sympy import symbols, limit, sin, oo\nx = symbols('x')\nprint(limit(sin(${i(1, 9)}*x)/x, x, 0), limit((1 + 1/x)**x, x, oo))`,
    (_, i) => `from sympy import symbols, factor\nx = symbols('x')\nfactor(x**2 + ${i(3, 15)}*x + ${i(2, 8)})`,
    (_, i) => `from sympy import sqrt, nsimplify, Rational\nprint(nsimplify(${i(1, 99)}/${i(2, 9)}), sqrt(${i(2, 200)}), Rational(${i(1, 9)}, ${i(2, 9)}) ** 2)`,
    (_, i) => `from sympy import symbols, diff, sin, cos\nx = symbols('x')\ndiff(sin(x)**${i(1, 4)} * cos(${i(1, 3)}*x), x)`,
    (_, i) => `from sympy import gcd, lcm, mod_inverse\nprint(gcd(${i(10, 999)}, ${i(10, 999)}), lcm(${i(2, 99)}, ${i(2, 99)}), mod_inverse(${i(2, 30)}, 97))`,
    (_, i) => `from sympy import symbols, series, exp\nx = symbols('x')\nprint(series(exp(x), x, 0, ${i(3, 7)}))`,
    (_, i) => `from sympy import latex, symbols, Rational\nx = symbols('x')\nlatex(Rational(${i(1, 9)}, ${i(2, 9)}) * x**${i(2, 5)})`,
  ],
  values: [
    () => `x = None\nx`,
    () => `"hello" + " world"`,
    () => `[1, "two", 3.0, None, (4, 5)]`,
    () => `{"a": 1, "b": [1, 2]}`,
    () => `print("done")\n42`,
    () => `import math\nmath.pi`,
    () => `def f():\n    pass\nf()`,
    () => `x = 3`,
    () => `for i in range(3):\n    print(i)`,
    () => `print()`,
    () => `print("a", "b", sep="-", end="!\\n")`,
    () => `import sys\nprint("warning text", file=sys.stderr)\nprint("out")`,
    () => `1 + 1; 2 + 2`,
    () => `True and False`,
    () => `b"bytes\\x00"`,
    () => `set([3, 1, 2])`,
    () => `frozenset()`,
    () => `3 + 4j`,
    () => `range(5)`,
    () => `print("\\u00e9t\\u00e9 \\u2211 \\u03c0")`,
  ],
  errors: [
    () => `1 / 0`,
    () => `x = [1, 2, 3]\nprint(x[10])`,
    () => `d = {"a": 1}\nd["b"]`,
    () => `int("abc")`,
    () => `undefined_name + 1`,
    () => `"a" + 1`,
    () => `def f(n):\n    return g(n)\nf(1)`,
    () => `import numpy_not_here`,
    () => `from sympy import nonexistent_function`,
    () => `None.attr`,
    () => `[].pop()`,
    () => `raise ValueError("custom message")`,
    () => `assert 1 == 2, "assertion text"`,
    () => `def rec(n):\n    return rec(n + 1)\nrec(0)`,
    () => `import sympy\nx = sympy.symbols('x')\nsympy.solve(x**2, y)`,
    () => `from fractions import Fraction\nFraction(1, 0)`,
    () => `class A:\n    pass\nA().missing`,
    () => `print("partial output")\n1 / 0`,
    () => `tuple()[0]`,
    () => `float("1.2.3")`,
  ],
  syntax: [
    () => `print("unclosed"`,
    () => `def f(:\n    pass`,
    () => `x = = 1`,
    () => `if True\n    pass`,
    () => `for i in range(3):\nprint(i)`,
    () => `return 5`,
    () => `x = 1\n  y = 2`,
    () => `print "old style"`,
    () => `a = [1, 2`,
    () => `lambda x: = x`,
  ],
};

/** The corpus: `n` generated snippets (default 320), spread over every kind, same on every call. */
export function corpus(n = 320, seed = 1234): Snippet[] {
  const r = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  // realistic mix: mostly arithmetic and sympy, a few values, errors and syntax errors
  const weights: [string, number][] = [
    ["arith", 30],
    ["fractions", 6],
    ["itertools", 10],
    ["sympy_solve", 17],
    ["sympy_other", 22],
    ["values", 7],
    ["errors", 5],
    ["syntax", 3],
  ];
  const total = weights.reduce((s, [, w]) => s + w, 0);
  const out: Snippet[] = [];
  // every fixed snippet appears at least once
  for (const kind of ["values", "errors", "syntax"]) {
    GENERATORS[kind]!.forEach((g, j) => out.push({ id: `${kind}-${j}`, kind, code: g(r, int) }));
  }
  for (const kind of Object.keys(GENERATORS)) {
    if (["values", "errors", "syntax"].includes(kind)) continue;
    GENERATORS[kind]!.forEach((g, j) => out.push({ id: `${kind}-fixed-${j}`, kind, code: g(r, int) }));
  }
  let k = 0;
  while (out.length < n) {
    let pick = r() * total;
    let kind = weights[0]![0];
    for (const [name, w] of weights) {
      if ((pick -= w) < 0) {
        kind = name;
        break;
      }
    }
    const gens = GENERATORS[kind]!;
    out.push({ id: `${kind}-${k++}`, kind, code: gens[Math.floor(r() * gens.length)]!(r, int) });
  }
  return out.slice(0, Math.max(n, out.length));
}
