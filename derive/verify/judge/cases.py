"""Claims whose sides are not functions to compare at random points as they stand: a name the note gives
only as a number (z₁ = 0.5, the value of w₁x), a function it never defines (f, g), a matrix of names set to
numbers, and a claim made under a condition ("if z < 0, then …")."""

from __future__ import annotations

import re

import mpmath
import sympy as sp

from ..model.evaluate import PRECISION
from ..model.to_sympy import ACTIVATION_NAMES, Activation, Unverifiable, as_known
from ..read.ir import Matrix, Ref
from ..read.statements import Statement, as_number
from .verdict import Stage, correct, warning, wrong

TOLERANCE = mpmath.mpf("1e-25")
_CONDITION = re.compile(r"\b(?:if|when|whenever|suppose|assume|si|cuando|wenn|falls|если|когда)\b|如果|若|場合|경우",
                        re.IGNORECASE)
_INEQUALITY = re.compile(r"<|>|\\[lg]eq?(?![a-zA-Z])|\\[lg]t(?![a-zA-Z])|≤|≥")


def only_for_known(ck, ra: sp.Expr, rb: sp.Expr):
    """A warning when the sides differ for a function the note never defines but agree when it is the
    sigmoid or tanh (f' = f(1 − f)): true for the activation the note means in words, not as written."""
    if "unknown" not in ck.model.functions.values():
        return None
    xa, xb = ck.expand(ra), ck.expand(rb)
    if not (xa.has(Activation) or xb.has(Activation)):
        return None
    for fn, name in (("sigma", "the sigmoid σ"), ("tanh", "tanh")):
        try:
            same = ck.equal(as_known(xa, fn), as_known(xb, fn))
        except Unverifiable:  # (a derivative that expanding reached inside of): no finding, the claim stands
            continue
        if same:
            f = min(ACTIVATION_NAMES.get(int(a.args[0]), "f") for a in xa.atoms(Activation) | xb.atoms(Activation))
            return warning(Stage.POINTS, f"holds when {f} is {name}, but the note does not define {f}")
    return None


def stand_ins(ck, ra: sp.Expr, rb: sp.Expr) -> list[str]:
    """Names in the claim that the note gives only as a number and that no definition reads
    (z₁ = 0.5 in a list of values, σ'(z₁) where h = σ(w₁x)): the claim may mean the expression that
    number was worked out from, so it is not a function of the inputs to compare at random points."""
    model = ck.model
    read = set()
    for q in model.quantities.values():
        if q.definition is not None:
            read |= q.definition.free_symbols
    by_symbol = model.by_symbol_map()
    out = []
    for s in sorted(model.upstream(_symbols(ra) | _symbols(rb)), key=str):
        q = by_symbol.get(s)
        if q is not None and q.definition is None and q.key in model.values and s not in read:
            out.append(ck.printer_names.get(s, str(s)))
    return out


def _symbols(e) -> set:
    return set(e.free_symbols) if hasattr(e, "free_symbols") else set()


def at_note_values(ck, ra, rb, ea, names: list[str]):
    names = ", ".join(names)
    why = f"{names} is given only as a number, so the two sides are compared at the note's own values"
    try:
        with mpmath.workdps(PRECISION):
            x, y = ck.calc.value(ra, ck.model.exact), ck.calc.value(rb, ck.model.exact)
    except (Unverifiable, ZeroDivisionError, ValueError, TypeError):
        raise Unverifiable(f"{names} is given only as a number and the note's values do not settle the "
                           "claim") from None
    if abs(x - y) > TOLERANCE * max(1, abs(x), abs(y)):
        return wrong(Stage.NOTE_VALUES, f"the two sides differ ({why})", ck.shown(ea))
    return correct(Stage.NOTE_VALUES, f"equal ({why})")


def named_entries(a, b) -> list | None:
    """[(name, number)] entry by entry when a is a matrix of names and b one of plain numbers of the same
    shape (θ = [0.19 0.55; 0.33 0.16]), else None."""
    if not (isinstance(a, Matrix) and isinstance(b, Matrix)) or len(a.rows) != len(b.rows) \
            or any(len(r) != len(s) for r, s in zip(a.rows, b.rows)):
        return None
    pairs = [(name, number) for row, numbers in zip(a.rows, b.rows) for name, number in zip(row, numbers)]
    if not all(isinstance(name, Ref) and as_number(number) is not None for name, number in pairs):
        return None
    return pairs


def leaf_values(ck, a, b) -> bool:
    """A matrix of names the note defines nowhere, set equal to a matrix of plain numbers."""
    pairs = named_entries(a, b)
    if pairs is None:
        return False
    quantities = [ck.model.resolve(name) for name, _ in pairs]
    return all(q is not None and q.definition is None for q in quantities)


def under_condition(ck, st: Statement) -> bool:
    """The line says "if z₁ < 0, then …" before the formula: a case, not the note's own values."""
    f = st.formula
    before = ck.text[ck.text.rfind("\n", 0, f.start) + 1: f.start]
    return bool(_CONDITION.search(before) and _INEQUALITY.search(before))
