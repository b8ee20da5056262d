"""SymPy expressions evaluated at mpmath numbers by walking the tree (quick, and nothing is sympified)."""

from __future__ import annotations

import mpmath
import sympy as sp

from ...algebra import Sigmoid
from .to_sympy import Activation, Dv, Iverson, Unverifiable

PRECISION = 50


def evaluate(expr: sp.Expr, env: dict):
    """The value of expr with its symbols taken from env."""
    if expr.is_Symbol:
        return env[expr]
    if expr.is_Integer:
        return mpmath.mpf(int(expr))
    if expr.is_Rational:
        return mpmath.mpf(expr.p) / expr.q
    if expr.is_Float:
        return mpmath.mpf(str(expr))
    if expr is sp.E:
        return mpmath.e
    if expr.is_Add:
        return mpmath.fsum(evaluate(a, env) for a in expr.args)
    if expr.is_Mul:
        out = mpmath.mpf(1)
        for a in expr.args:
            out *= evaluate(a, env)
        return out
    if expr.is_Pow:
        base, e = expr.args
        return evaluate(base, env) ** evaluate(e, env)
    if isinstance(expr, sp.exp):
        return mpmath.exp(evaluate(expr.args[0], env))
    if isinstance(expr, sp.log):
        return mpmath.log(evaluate(expr.args[0], env))
    if isinstance(expr, sp.tanh):
        return mpmath.tanh(evaluate(expr.args[0], env))
    if isinstance(expr, Sigmoid):
        return 1 / (1 + mpmath.exp(-evaluate(expr.args[0], env)))
    if isinstance(expr, (sp.Max, sp.Min)):
        values = [evaluate(a, env) for a in expr.args]
        return max(values) if isinstance(expr, sp.Max) else min(values)
    if isinstance(expr, sp.Heaviside):
        x = evaluate(expr.args[0], env)
        return mpmath.mpf(1) if x > 0 else (mpmath.mpf(0) if x < 0 else mpmath.mpf(1) / 2)
    if isinstance(expr, Iverson):
        a, b = evaluate(expr.args[0], env), evaluate(expr.args[1], env)
        return mpmath.mpf(1) if abs(a - b) <= mpmath.mpf(10) ** (-30) * max(1, abs(a)) else mpmath.mpf(0)
    if isinstance(expr, Activation):
        k, n, x = expr.args
        return _sample(int(k), int(n), evaluate(x, env))
    if isinstance(expr, Dv):
        raise Unverifiable("an unresolved derivative")
    raise Unverifiable(f"cannot evaluate {type(expr).__name__}")


def _sample(k: int, n: int, x):
    """The n-th derivative at x of the smooth function that stands for undefined function number k:
    a·tanh(b·x + c) + d·x, its constants drawn from k, so that no identity of σ or tanh holds for it."""
    a = mpmath.mpf(6 + k % 7) / 10
    b = mpmath.mpf(7 + k % 5) / 10
    c = mpmath.mpf(k % 11 - 5) / 10
    d = mpmath.mpf(1 + k % 3) / 10

    def g(t):
        return a * mpmath.tanh(b * t + c) + d * t

    return g(x) if n == 0 else mpmath.diff(g, x, n)
