"""SymPy symbols for a network's quantities and the few functions teachers write (σ, ReLU, its step,
the route of a max), with the unevaluated sums and products that keep a teacher's order."""

from __future__ import annotations

from functools import lru_cache

import sympy as sp


class Sigmoid(sp.Function):
    """σ(z) = 1 / (1 + e^(-z))."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = Sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_evalf(self, prec):
        z = self.args[0]._eval_evalf(prec)
        if z is None:
            return None
        return (1 / (1 + sp.exp(-z)))._eval_evalf(prec)


class Step(sp.Function):
    """The slope of ReLU: 1 where z > 0, else 0 (0 at z = 0 by convention)."""

    nargs = 1


class Relu(sp.Function):
    nargs = 1


class MaxRoute(sp.Function):
    """1 when x is the input a max-pool passes on (its maximum; the first one at a tie), else 0."""

    nargs = 2


@lru_cache(maxsize=None)
def symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name)


@lru_cache(maxsize=None)
def delta_symbol(name: str) -> sp.Symbol:
    return sp.Symbol("delta__" + name)


def plus(*terms) -> sp.Expr:
    """A sum in the order given (0 terms dropped)."""
    terms = [t for t in terms if t != 0]
    if not terms:
        return sp.Integer(0)
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


def times(*factors) -> sp.Expr:
    """A product in the order given: factors equal to 1 dropped, nested products flattened."""
    flat: list = []
    for f in factors:
        if f == 1:
            continue
        if f == 0:
            return sp.Integer(0)
        if isinstance(f, sp.Mul) and not f.args[0].is_Number:
            flat.extend(f.args)
        else:
            flat.append(f)
    if not flat:
        return sp.Integer(1)
    return flat[0] if len(flat) == 1 else sp.Mul(*flat, evaluate=False)


def minus(a, b) -> sp.Expr:
    return sp.Add(a, sp.Mul(-1, b, evaluate=False) if not b.is_Symbol else -b, evaluate=False)


def one_minus(a) -> sp.Expr:
    return sp.Add(1, -a, evaluate=False)
