"""Arithmetic as written: the numbers of a formula, exactly, and as intervals where a number was
rounded (a number with d decimals stands for everything within half a unit of its last place)."""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import mpmath

from ..model.to_sympy import Unverifiable
from ..read.ir import Exp, Func, Juxt, Matrix, Num, Op, Paren, Ref, indicator

iv = mpmath.iv


def half_unit(decimals: int) -> Fraction:
    return Fraction(1, 2 * 10 ** decimals)


def exact(node) -> mpmath.mpf:
    """The value with every number taken as written."""
    with mpmath.workdps(40):
        return _eval(node, lambda n: mpmath.mpf(n.value.numerator) / n.value.denominator, mpmath)


def interval(node, rounded: Callable[[Num], bool]):
    """An interval holding the value, each rounded number widened to its half-unit interval."""
    iv.dps = 40

    def num(n: Num):
        lo = n.value - (half_unit(n.decimals) if rounded(n) else 0)
        hi = n.value + (half_unit(n.decimals) if rounded(n) else 0)
        return iv.mpf([_mpf(lo), _mpf(hi)])

    return _eval(node, num, iv)


def _mpf(x: Fraction):
    with mpmath.workdps(50):
        return mpmath.mpf(x.numerator) / x.denominator


class Mat:
    """A matrix of numbers (or intervals) for arithmetic as written: [0.4 0.45; 0.5 0.55] [x; y] + [b; b]."""

    def __init__(self, rows):
        self.rows = [list(r) for r in rows]

    @property
    def shape(self):
        return len(self.rows), len(self.rows[0]) if self.rows else 0

    def entries(self):
        return [e for r in self.rows for e in r]

    def map(self, f):
        return Mat([[f(e) for e in r] for r in self.rows])

    def zip(self, other, f):
        if not isinstance(other, Mat):
            return self.map(lambda e: f(e, other))
        if self.shape != other.shape:
            raise Unverifiable("matrices of different shapes")
        return Mat([[f(x, y) for x, y in zip(r, q)] for r, q in zip(self.rows, other.rows)])

    def T(self):
        return Mat(list(map(list, zip(*self.rows))))

    def matmul(self, other):
        if self.shape[1] != other.shape[0]:
            raise Unverifiable("a matrix product of shapes that do not fit")
        cols = other.T().rows
        return Mat([[sum((x * y for x, y in zip(r, c)), 0 * r[0]) for c in cols] for r in self.rows])


_SCALAR = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
           "/": lambda x, y: x / y, "hadamard": lambda x, y: x * y}


def _combine(kind: str, a, b):
    """a (kind) b for numbers, intervals and matrices: a scalar acts on every entry."""
    op = _SCALAR[kind]
    if kind == "*" and isinstance(a, Mat) and isinstance(b, Mat):
        return a.matmul(b)
    if isinstance(a, Mat):
        return a.zip(b, op)
    if isinstance(b, Mat):
        return b.map(lambda y: op(a, y))
    return op(a, b)


def _eval(node, num, m):
    if isinstance(node, Num):
        return num(node)
    if (parts := indicator(node)) is not None:  # (…) 1[a = b]: 1 when the numbers as written are equal
        before, a, b, rel = parts
        x, y = exact(a), exact(b)
        holds = {"=": x == y, ">": x > y, "<": x < y, ">=": x >= y, "<=": x <= y}[rel]
        bracket = num(Num(Fraction(int(holds)), "", 0))
        return bracket if before is None else _combine("*", _eval(before, num, m), bracket)
    if isinstance(node, Matrix):
        return Mat([[_eval(e, num, m) for e in row] for row in node.rows])
    if isinstance(node, Paren) and len(node.items) == 1:
        return _eval(node.items[0], num, m)
    if isinstance(node, Op):
        a = [_eval(x, num, m) for x in node.args]
        if node.kind == "neg":
            return a[0].map(lambda e: -e) if isinstance(a[0], Mat) else -a[0]
        if node.kind == "T":
            return a[0].T() if isinstance(a[0], Mat) else a[0]
        if node.kind == "pow":
            if isinstance(a[0], Mat):
                raise Unverifiable("a power of a matrix")
            return _power(a[0], a[1], node.args[1], m)
        return _combine(node.kind, a[0], a[1])
    if isinstance(node, Exp):
        return m.exp(_eval(node.arg, num, m))
    if isinstance(node, Juxt) and isinstance(node.left, Func) and node.left.name in ("max", "min") \
            and isinstance(node.right, Paren) and len(node.right.items) > 1:
        values = [_eval(i, num, m) for i in node.right.items]
        return _extreme(values, node.left.name, m)
    if isinstance(node, Juxt):
        f = node.left
        if isinstance(node.right, Paren) and len(node.right.items) == 1 and (
                isinstance(f, Func) or (isinstance(f, Ref) and f.key in (("sigma",), ("sigmoid",), ("S",)))):
            x = _eval(node.right.items[0], num, m)
            name = f.name if isinstance(f, Func) else "sigma"
            return x.map(lambda e: _function(name, e, m)) if isinstance(x, Mat) else _function(name, x, m)
        return _combine("*", _eval(node.left, num, m), _eval(node.right, num, m))
    raise Unverifiable("not plain arithmetic")


def _extreme(values, name: str, m):
    """max or min of numbers, or of intervals (the ends taken end by end)."""
    if m is mpmath:
        return max(values) if name == "max" else min(values)
    ends = [_ends(v) for v in values]
    pick = max if name == "max" else min
    return iv.mpf([pick(a for a, _ in ends), pick(b for _, b in ends)])


def _function(name: str, x, m):
    if name == "sigma":
        return 1 / (1 + m.exp(-x))
    if name in ("exp", "log"):
        return {"exp": m.exp, "log": m.log}[name](x)
    if name == "tanh":
        return _tanh(x, m)
    raise Unverifiable(f"the function {name}")


def _tanh(x, m):
    """tanh, also for an interval (it is increasing, so the ends go to the ends)."""
    if m is mpmath:
        return mpmath.tanh(x)
    return iv.mpf([mpmath.tanh(mpmath.mpf(x.a)), mpmath.tanh(mpmath.mpf(x.b))])


def _power(base, exponent, exp_node, m):
    if isinstance(exp_node, Num) and exp_node.value.denominator == 1:
        k = int(exp_node.value)
        out = base ** k if m is mpmath else _iv_int_power(base, k)
        return out
    return base ** exponent


def _iv_int_power(x, k: int):
    """x**k for an interval, tight for even powers of an interval that straddles 0."""
    if k == 0:
        return iv.mpf(1)
    if k < 0:
        return 1 / _iv_int_power(x, -k)
    if k % 2 == 0 and x.a < 0 < x.b:
        top = max(abs(x.a), abs(x.b)) ** k
        return iv.mpf([0, top])
    return x ** k


def _ends(interval_value):
    """The exact endpoints of an interval (or a number as its own interval), as mpf."""
    if isinstance(interval_value, mpmath.ctx_iv.ivmpf):
        lo, hi = interval_value._mpi_
        return mpmath.mp.make_mpf(lo), mpmath.mp.make_mpf(hi)
    return interval_value, interval_value


def contains(interval_value, x) -> bool:
    lo, hi = _ends(interval_value)
    return lo <= x <= hi


def overlaps(interval_value, lo, hi) -> bool:
    a, b = _ends(interval_value)
    return not (b < lo or a > hi)
