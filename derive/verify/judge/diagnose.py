"""Why a symbolic claim is wrong, where a reason can be found: a sign, a factor 2 or ½, a missing or
extra factor, the derivative with respect to another parameter (swapped indices), or a derivative
that is zero because the quantity does not depend on the parameter at all."""

from __future__ import annotations

import mpmath
import sympy as sp

from ...algebra import Sigmoid
from ..model.to_sympy import Dv, Unverifiable
from ..read.ir import factors
from ..read.names import display

TOL = mpmath.mpf("1e-12")  # diagnosis compares values already judged unequal; a looser match is enough


def _values(ck, expr, points=(0, 1)):
    return [ck.at(expr, p) for p in points]


def _close(xs, ys) -> bool:
    return all(abs(x - y) <= TOL * max(1, abs(x), abs(y)) for x, y in zip(xs, ys))


def diagnose(ck, claimed_left, claimed_right, expected, claim, nodes=None) -> str:
    """A sentence on what is wrong with `claim` (the right side), `expected` being the left side."""
    try:
        e = _values(ck, expected)
        c = _values(ck, claim)
    except (Unverifiable, ZeroDivisionError, ValueError, TypeError):
        return "the two sides differ"
    zero = [mpmath.mpf(0)] * len(e)
    if _close(e, zero) and not _close(c, zero):
        swapped = _swapped(ck, claimed_left, c)
        return _zero_reason(ck, claimed_left) + (f"; {swapped}" if swapped else "")
    if nodes is not None:
        by_factor = _factor_by_factor(ck, *nodes)
        if by_factor:
            return by_factor
    if _close(c, [-x for x in e]):
        return "the sign is wrong"
    if all(x != 0 for x in e):
        ratio = [y / x for x, y in zip(e, c)]
        for k, word in ((2, "twice"), (mpmath.mpf(1) / 2, "half"), (4, "four times"),
                        (mpmath.mpf(1) / 4, "a quarter of")):
            if _close(ratio, [k] * len(ratio)):
                return f"this is {word} the right value: a factor 2 or ½ went astray"
        factor = _single_factor(ck, ratio, (expected, claim))
        if factor:
            return factor
    swapped = _swapped(ck, claimed_left, c)
    if swapped:
        return swapped
    return "the two sides differ (checked at random values of the inputs and parameters)"


def _candidates(ck, exprs) -> list[tuple[str, sp.Expr]]:
    """Factors a claim may have too many or too few of: the note's quantities, the sigmoids in the
    claim, and their slopes s(1 - s)."""
    out = [(display(q.key), q.symbol) for q in ck.model.quantities.values()]
    for e in exprs:
        for s_ in sorted(e.atoms(Sigmoid), key=str):
            shown = ck.text_of(ck.pretty(s_))
            out.append((shown, s_))
            out.append((f"{shown}(1 - {shown})", s_ * (1 - s_)))
    for q in ck.model.quantities.values():
        out.append((f"{display(q.key)}(1 - {display(q.key)})", q.symbol * (1 - q.symbol)))
    return out


def _single_factor(ck, ratio, exprs=()) -> str:
    """claim = expected × q or expected / q for one quantity (or sigmoid slope) q of the note."""
    for name, factor in _candidates(ck, exprs):
        try:
            v = [ck.at(factor, p) for p in range(len(ratio))]
        except (Unverifiable, KeyError, ZeroDivisionError, ValueError):
            continue
        if _close(ratio, v):
            return f"an extra factor {name}"
        if all(x != 0 for x in v) and _close(ratio, [1 / x for x in v]):
            return f"a factor {name} is missing"
    return ""


def fix_one_factor(ck, target, left_node, right_node) -> str:
    """The values written beside a chain of derivatives, factor for factor: the one factor that,
    replaced by its derivative, makes the product right."""
    lf, rf = factors(left_node), factors(right_node)
    if len(lf) != len(rf) or len(lf) < 2:
        return ""
    try:
        rs = [ck.resolve(ck.sym(f)) for f in rf]
        ls = [ck.resolve(ck.sym(f)) for f in lf]
    except (Unverifiable, ZeroDivisionError, ValueError, TypeError):
        return ""
    for k in range(len(rf)):
        trial = sp.Mul(*(ls[k] if j == k else rs[j] for j in range(len(rs))))
        if ck.equal(trial, target):
            return f"factor {k + 1}, {ck.text_of(ck.sym(rf[k]))}, should be {ck.text_of(ck.named(ck.sym(lf[k])))}"
    return ""


def _factor_by_factor(ck, left_node, right_node) -> str:
    """A chain of derivatives and its values written side by side, factor for factor: say which
    factors disagree."""
    lf, rf = factors(left_node), factors(right_node)
    if len(lf) != len(rf) or len(lf) < 2:
        return ""
    bad = []
    for k, (x, y) in enumerate(zip(lf, rf), start=1):
        try:
            ex, ey = ck.resolve(ck.sym(x)), ck.resolve(ck.sym(y))
            if not ck.equal(ex, ey):
                bad.append(f"factor {k}, {ck.text_of(ck.sym(y))}, should be {ck.text_of(ck.named(ck.sym(x)))}")
        except (Unverifiable, ZeroDivisionError, ValueError, TypeError):
            return ""
    if 0 < len(bad) < len(lf):
        return "; ".join(bad)
    return ""


def _derivatives(expr: sp.Expr) -> list[Dv]:
    return sorted(expr.atoms(Dv), key=str) if isinstance(expr, sp.Basic) else []


def _swapped(ck, left, claim_values) -> str:
    """The claim is the derivative with respect to another parameter: indices swapped."""
    ds = _derivatives(left)
    if len(ds) != 1 or left != ds[0]:
        return ""
    d = ds[0]
    of, wrt = d.args
    for q in ck.model.leaves():
        if q.symbol == wrt:
            continue
        try:
            other = ck.resolve(Dv(of, q.symbol))
            v = _values(ck, other)
        except (Unverifiable, ZeroDivisionError, ValueError, TypeError):
            continue
        if not _close(v, [0] * len(v)) and _close(v, claim_values):
            return f"this is d{ck.text_of(of)}/d{display(q.key)}: {display(q.key)} and " \
                   f"{ck.printer_names.get(wrt, str(wrt))} are swapped"
    return ""


def _zero_reason(ck, left) -> str:
    ds = _derivatives(left)
    if ds:
        of, wrt = ds[0].args
        if ck.resolve(ds[0]) == 0:
            where = ""
            if of.is_Symbol:
                q = ck.model.by_symbol(of)
                if q.definition is not None:
                    where = f" ({display(q.key)} = {ck.text_of(q.definition)})"
            return f"{ck.text_of(of)} does not depend on {ck.text_of(wrt)}{where}, so the derivative is 0"
    return "the right value is 0"


def diagnose_update(ck, q, lr, loss, claim) -> str:
    """p = p − η·(chain): say what is wrong with the chain."""
    grad = ck.resolve(Dv(loss, q.symbol))
    try:
        step = sp.expand((q.symbol - claim) / lr.symbol)
    except (TypeError, ValueError):
        return "this is not p − η ∂L/∂p"
    chain = step
    if ck.equal(chain, 0 * chain) and not ck.equal(grad, 0 * grad):
        return f"the chain of derivatives is 0: it does not reach {display(q.key)} " \
               f"(it goes through a quantity that {display(q.key)} does not feed)"
    try:
        c = _values(ck, chain)
        g = _values(ck, grad)
    except (Unverifiable, ZeroDivisionError, ValueError, TypeError):
        return f"the step is not ∂{display(loss_key(ck, loss))}/∂{display(q.key)}"
    if _close(c, [-x for x in g]):
        return "the sign of the step is wrong: gradient descent subtracts η ∂L/∂p"
    return f"the step is not ∂{display(loss_key(ck, loss))}/∂{display(q.key)}"


def loss_key(ck, loss_symbol):
    return ck.model.by_symbol(loss_symbol).key


def named_derivative(ck, of: sp.Expr, wrt: sp.Expr) -> sp.Expr:
    """d(of)/d(wrt) through the definitions, written in the note's own names: each quantity's
    definition is replaced by the quantity wherever it appears, so σ' reads a(1 - a)."""
    try:
        d = ck.resolve(Dv(of, wrt))
    except Unverifiable:
        return Dv(of, wrt)
    defs = {q.definition: q.symbol for q in ck.model.quantities.values() if q.definition is not None
            and not q.definition.is_Symbol}
    d = sigmoid_form(d)
    for _ in range(3):
        d = d.xreplace(defs)
    return d


def sigmoid_form(e: sp.Expr) -> sp.Expr:
    """e^{-u} (1 + e^{-u})^{-2}, the derivative of a sigmoid written out, as σ(u)(1 − σ(u)): the form
    a teacher writes, and one the note's names fold into (output(1 − output))."""
    def rewrite(m):
        if not m.is_Mul:
            return m
        factors = list(m.args)
        for i, f in enumerate(factors):
            if f.is_Pow and f.exp == -2 and f.base.is_Add and len(f.base.args) == 2 and 1 in f.base.args:
                ex = next(a for a in f.base.args if a != 1)
                if isinstance(ex, sp.exp) and ex in factors:
                    u = -ex.args[0]
                    rest = [g for j, g in enumerate(factors) if j != i and j != factors.index(ex)]
                    return sp.Mul(*rest) * Sigmoid(u) * (1 - Sigmoid(u))
        return m

    return e.replace(lambda n: n.is_Mul, rewrite)
