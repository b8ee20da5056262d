"""Arithmetic as written: the numbers of a formula, exactly, and as intervals where a number was
rounded (a number with d decimals stands for everything within half a unit of its last place)."""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import mpmath

from .ir import Exp, Func, Juxt, Num, Op, Paren, Ref
from .sym import Unverifiable

iv = mpmath.iv


def half_unit(decimals: int) -> Fraction:
    return Fraction(1, 2 * 10 ** decimals)


def exact(node) -> mpmath.mpf:
    """The value with every number taken as written."""
    with mpmath.workdps(40):
        return _eval(node, lambda n: mpmath.mpf(n.value.numerator) / n.value.denominator, mpmath)


def interval(node, rounded: Callable[[Num], bool]):
    """An interval holding the value, each rounded number widened to its half-unit interval."""
    iv.dps = 30

    def num(n: Num):
        lo = n.value - (half_unit(n.decimals) if rounded(n) else 0)
        hi = n.value + (half_unit(n.decimals) if rounded(n) else 0)
        return iv.mpf([mpmath.mpf(lo.numerator) / lo.denominator, mpmath.mpf(hi.numerator) / hi.denominator])

    return _eval(node, num, iv)


def _eval(node, num, m):
    if isinstance(node, Num):
        return num(node)
    if isinstance(node, Paren) and len(node.items) == 1:
        return _eval(node.items[0], num, m)
    if isinstance(node, Op):
        a = [_eval(x, num, m) for x in node.args]
        if node.kind == "+":
            return a[0] + a[1]
        if node.kind == "-":
            return a[0] - a[1]
        if node.kind == "*":
            return a[0] * a[1]
        if node.kind == "/":
            return a[0] / a[1]
        if node.kind == "neg":
            return -a[0]
        if node.kind == "pow":
            return _power(a[0], a[1], node.args[1], m)
    if isinstance(node, Exp):
        return m.exp(_eval(node.arg, num, m))
    if isinstance(node, Juxt):
        f = node.left
        if isinstance(node.right, Paren) and len(node.right.items) == 1 and (
                isinstance(f, Func) or (isinstance(f, Ref) and f.key in (("sigma",), ("sigmoid",), ("S",)))):
            x = _eval(node.right.items[0], num, m)
            name = f.name if isinstance(f, Func) else "sigma"
            if name == "sigma":
                return 1 / (1 + m.exp(-x))
            if name in ("exp", "log"):
                return {"exp": m.exp, "log": m.log}[name](x)
            if name == "tanh":
                return _tanh(x, m)
            raise Unverifiable(f"the function {name}")
        return _eval(node.left, num, m) * _eval(node.right, num, m)
    raise Unverifiable("not plain arithmetic")


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


def contains(interval_value, x) -> bool:
    return interval_value.a <= x <= interval_value.b


def overlaps(interval_value, lo, hi) -> bool:
    return not (interval_value.b < lo or interval_value.a > hi)
