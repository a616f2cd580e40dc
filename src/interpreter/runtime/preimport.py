# Imported once per interpreter before any snippet (and frozen into the memory snapshot), so the
# first snippet does not pay for them. Leaves no names behind in __main__.
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
    sympy.solve(x**2 - 4, x); sympy.solve([x + y - 3, x - y - 1], [x, y]); sympy.factorint(360)
    sympy.simplify((x**2 - 1) / (x - 1)); sympy.expand((x + 1)**3); sympy.integrate(x**2, x)
    sympy.Rational(1, 3) + sympy.Rational(1, 6); sympy.isprime(97); sympy.N(sympy.pi, 30)
    parse_expr("x**2 + 1"); sympy.latex(x**2); str(sympy.sqrt(8)); sympy.nsimplify(0.5)
    sympy.Matrix([[1, 2], [3, 4]]).det(); sympy.binomial(10, 3); sympy.factor(x**2 - 1)
_preimport()
del _preimport, _work
