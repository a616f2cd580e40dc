# Imported once per interpreter before any snippet (and frozen into the memory snapshot), so the
# first snippet does not pay for them. Leaves no names behind in __main__.
# Besides the imports, one call of each sympy operation the agents use most: its first call in a
# fresh interpreter costs 10-70 ms more in wasm (lazy submodule imports, rule tables, caches), and
# workers are replaced every few hundred snippets, so the warm-up is paid here, once, at setup.
def _preimport():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _work()

def _work():
    import math, cmath, fractions, decimal, itertools, functools, collections, statistics, random, re, json, string, heapq, bisect, operator, numbers, typing, dataclasses
    import mpmath, sympy
    from sympy.parsing.sympy_parser import parse_expr
    x, y = sympy.symbols("x y")
    k = sympy.symbols("k", integer=True, positive=True)
    a = sympy.symbols("a", positive=True)
    sympy.solve(x**2 - 4, x); sympy.solve([x + y - 3, x - y - 1], [x, y]); sympy.factorint(360)
    sympy.solve(x**2 - 2*x + 5, x); sympy.solve(x**3 - 2*x**2 + 3*x - 7, x); sympy.solve(a**2 - 8, a)
    sympy.solve(sympy.Eq(3*x + 2, 11), x); sympy.solveset(x**2 - 3, x, domain=sympy.S.Reals)
    sympy.simplify((x**2 - 1) / (x - 1)); sympy.expand((x + 1)**3); sympy.integrate(x**2, x)
    sympy.integrate(x**3 + 2*x, (x, 0, 2)); sympy.diff(sympy.sin(x)**2 * sympy.cos(2*x), x)
    sympy.series(sympy.exp(x), x, 0, 6); sympy.series(sympy.sin(x), x, 0, 6)
    sympy.limit(sympy.sin(3*x) / x, x, 0); sympy.limit((1 + 1/x)**x, x, sympy.oo)
    sympy.summation(1 / k**2, (k, 1, sympy.oo)); sympy.summation(k, (k, 1, 10))
    sympy.Rational(1, 3) + sympy.Rational(1, 6); sympy.isprime(97); sympy.N(sympy.pi, 30)
    parse_expr("x**2 + 1"); sympy.latex(x**2); str(sympy.sqrt(8)); sympy.nsimplify(0.5)
    sympy.Matrix([[1, 2], [3, 4]]).det(); sympy.binomial(10, 3); sympy.factor(x**2 - 1)
_preimport()
del _preimport, _work
# Everything alive now lives for the interpreter's lifetime: move it out of the cyclic collector's
# reach, so that it scans only what snippets allocate (a full scan of these ~80k objects costs
# 30-120 ms in wasm and would otherwise land inside random snippets).
__import__("gc").collect()
__import__("gc").freeze()
