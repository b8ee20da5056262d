"""Numeric claims: the arithmetic as written, and the value against the exact one.

A number with d decimals claims the interval of half a unit in its last place. The arithmetic is
checked twice: with every number exact, and with each rounded number (one the note computed
earlier, not an input or parameter it was given) widened to its interval. The value is checked
against the exact value of what the chain is about, computed from the note's inputs and
parameters. A claim one unit off in its last digit is a warning; beyond that it is wrong.
"""

from __future__ import annotations

from dataclasses import replace

import mpmath
import sympy as sp

from ..model.evaluate import PRECISION, evaluate
from ..model.note_model import definition_form, orphans
from ..model.to_sympy import Unverifiable
from ..read.align import align, normalize
from ..read.ir import Matrix, Num, Ref
from ..read.names import display
from ..read.statements import as_number, is_numeric
from . import arith
from .verdict import SEVERITY, Judgement, Stage, Status, correct, warning, wrong

EPS = mpmath.mpf("1e-20")
HALF = mpmath.mpf("0.5")


def fmt(x, decimals: int | None = None) -> str:
    if decimals is not None:
        return f"{float(x):.{max(decimals, 1)}f}"
    return mpmath.nstr(x, 10, strip_zeros=True)


def is_rounded(model, n: Num) -> bool:
    """A number the note computed and rounded (rather than a value it was given)."""
    if n.decimals < 2:
        return False
    return n.value not in {v for k, v in model.values.items() if k not in model.read_only}


def exact_of(ck, node) -> mpmath.mpf | None:
    """The exact value of a member with names, from the note's values; None if some are missing."""
    try:
        e = ck.resolve(ck.sym(node))
    except Unverifiable:
        return None
    env = ck.model.exact
    if not e.free_symbols <= set(env):
        return None
    with mpmath.workdps(PRECISION):
        try:
            return ck.calc.value(e, env)
        except (Unverifiable, ZeroDivisionError, ValueError):
            return None


FLOAT_DIGITS = 15  # a number written with more significant digits came from a float computation


def _half_unit(r: Num):
    """Half a unit in the last place; for numbers printed from float64 (15+ significant digits), the
    precision of a float computation instead."""
    if r.decimals == 0 and r.value == 0:  # "= 0" says exactly zero (nothing flows), not "rounds to 0"
        return mpmath.mpf(10) ** -30
    h = mpmath.mpf(10) ** -r.decimals / 2
    digits = len(r.text.replace(".", "").replace("-", "").lstrip("0"))
    if digits >= FLOAT_DIGITS:
        h = max(h, abs(_value(r)) * mpmath.mpf("1e-12"))
    return h


def _ulps(x, r: Num) -> mpmath.mpf:
    """|x - r| in units of r's last place (half a unit is what rounding allows)."""
    return abs(x - _value(r)) / (2 * _half_unit(r))


def _value(n: Num):
    return mpmath.mpf(n.value.numerator) / n.value.denominator


def judge_numbers(ck, a, b, subject, st):
    with mpmath.workdps(PRECISION):
        return _judge_numbers(ck, a, b, subject, st)


def _judge_numbers(ck, a, b, subject, st):
    model = ck.model
    b = as_number(b) or normalize(b)
    if isinstance(subject, Ref):  # the definition of what the chain is about stands for it
        q = model.resolve(subject, line=ck.line)
        if q is not None and q.def_node is a:
            a = subject
    if is_numeric(a):
        return _arithmetic(ck, normalize(a), b, subject)
    # a has names: a value claimed for it, or numbers substituted into it
    if isinstance(a, Ref):
        q = model.resolve(a)
        if q is not None and q.key in _orphans(ck):
            return None  # a name introduced with its value (Sum = 0.27 + 0.02)
    if isinstance(b, Matrix) or isinstance(a, Matrix) or _is_matrix_valued(ck, a):
        return judge_matrix_values(ck, a, b)
    x = exact_of(ck, a)
    if x is None and not isinstance(b, Num):
        off = _against_earlier_results(ck, a, b)
        if off is not None:
            return off
    if x is None and not isinstance(b, Num) and _gives_values(ck, a, b):
        return None  # the note giving the numbers of quantities it has no inputs for
    if x is None:
        missing = _missing(ck, a)
        raise Unverifiable(f"the note gives no value for {missing}" if missing else
                           "the value of the left side cannot be worked out")
    if isinstance(b, Num):
        return _against_exact(ck, x, b, a)
    given = _written_value(ck, a)
    if given is not None:
        box = arith.interval(b, lambda n: is_rounded(model, n))
        if _ulps(arith.exact(b), given) <= HALF + EPS or arith.contains(box, _value(given)):
            return correct(Stage.VALUES, f"the numbers put in give {fmt(arith.exact(b))}, which is "
                                         f"{given.text} as the note writes it")
    return _substitution(ck, a, b, x)


def _written_value(ck, a) -> Num | None:
    """The number the note writes for a name it computes from numbers only (ŷ = σ(−0.1225) ≈ 0.4694):
    its value is that rounded reading, so the numbers put in are judged against it with its rounding."""
    q = ck.model.resolve(a) if isinstance(a, Ref) else None
    if q is None or q.definition is not None:
        return None
    claimed = ck.model.claimed.get(q.key)
    return claimed[0] if claimed is not None and claimed[0].decimals >= 1 else None


def _against_earlier_results(ck, a, b):
    """Numbers put in for names whose value the note worked out on an earlier line, though its inputs
    are not tied to the network (net_{h1} = … = 0.628, then 1/(1 + e^{−net_{h1}}) = 1/(1 + e^{−0.741})):
    a number that is not that result is wrong."""
    for name, num in _line_up(ck, a, b):
        if not isinstance(name, Ref) or not isinstance(num, Num):
            continue
        q = ck.model.resolve(name, line=ck.line)
        claimed = ck.model.claimed.get(q.key) if q is not None else None
        if claimed is None or claimed[1] >= ck.line or claimed[0].decimals < 1:
            continue
        given = claimed[0]
        if abs(_value(given) - _value(num)) > _half_unit(given) + _half_unit(num):
            return wrong(Stage.VALUES, f"{display(q.key)} is {given.text} (line {claimed[1]}), "
                         f"but {num.text} is put in", given.text)
    return None


def _is_matrix_valued(ck, node) -> bool:
    try:
        return isinstance(ck.sym(node), sp.MatrixBase)
    except Unverifiable:
        return False


def _gives_values(ck, a, b) -> bool:
    """Every name without a value lines up with a number: the line states values, it claims nothing
    that can be checked."""
    pairs = _line_up(ck, a, b)
    if not pairs:
        return False
    for name, num in pairs:
        q = ck.model.resolve(name, line=ck.line) if isinstance(name, Ref) else None
        if q is not None and q.symbol not in ck.model.exact and not isinstance(num, Num):
            return False
    return True


def _orphans(ck):
    return orphans(ck.model)


def _missing(ck, node) -> str:
    try:
        e = ck.resolve(ck.sym(node))
    except Unverifiable:
        return ""
    names = sorted(ck.printer_names.get(s, str(s)) for s in e.free_symbols if s not in ck.model.exact)
    return ", ".join(names[:4])


def _against_exact(ck, x, r: Num, a):
    d = _ulps(x, r)
    exact = fmt(x, r.decimals + 2)
    if d <= HALF + EPS:
        return correct(Stage.VALUES, f"exact value {fmt(x)}")
    other = _matches_other(ck, r, a)
    if d <= 1 + EPS and r.decimals >= 2:
        return warning(Stage.VALUES, f"last digit: the exact value {exact} rounds to {fmt(x, r.decimals)}",
                       fmt(x, r.decimals))
    why = f"the exact value is {exact}"
    if other:
        why += f"; {r.text} is the value of {other}"
    why += _follows(ck, a, r)
    return wrong(Stage.VALUES, why, fmt(x, r.decimals))


def _follows(ck, a, r: Num) -> str:
    """The number follows from an earlier value of the note that is itself off."""
    model = ck.model
    subject = model.resolve(a, line=ck.line) if isinstance(a, Ref) else None
    if subject is None or subject.definition is None:
        return ""
    env = dict(model.exact)
    used = []
    for s in sorted(subject.definition.free_symbols, key=str):  # the same message on every run
        q = model.by_symbol(s)
        if q.key in model.claimed and q.definition is not None:
            n, line = model.claimed[q.key]
            v = mpmath.mpf(n.value.numerator) / n.value.denominator
            if s in env and abs(env[s] - v) > mpmath.mpf(10) ** -n.decimals / 2:
                env[s] = v
                used.append(f"{display(q.key)} = {n.text} (line {line})")
    if not used:
        return ""
    try:
        with mpmath.workdps(PRECISION):
            y = evaluate(subject.definition, env)
    except (Unverifiable, ZeroDivisionError, ValueError, TypeError, KeyError):
        return ""
    if _ulps(y, r) <= 1 + EPS:
        return f"; {r.text} follows from the note's {', '.join(used)}, which is off"
    return ""


def _matches_other(ck, r: Num, a) -> str:
    """Another quantity of the note whose exact value rounds to this number."""
    own = ck.model.resolve(a) if isinstance(a, Ref) else None
    hits = []
    for q in ck.model.quantities.values():
        v = ck.model.exact.get(q.symbol)
        if v is None or (own is not None and q is own) or q.definition is None:
            continue
        if _ulps(v, r) <= HALF + EPS:
            hits.append(display(q.key))
    return " and ".join(hits[:2])


def _substitution(ck, a, b, x):
    """`h_2 = w_{32} i_1 + …` followed by `= (0.25 × 0.10) + …`: do the numbers put in give its value?"""
    model = ck.model
    box = arith.interval(b, lambda n: is_rounded(model, n))
    if arith.contains(box, x) or abs(arith.exact(b) - x) <= EPS * max(1, abs(x)):
        return correct(Stage.VALUES, f"the numbers put in give {fmt(x)}")
    slips, wrongs = [], []
    for name, num in _line_up(ck, a, b):
        if not isinstance(num, Num):
            continue
        q = model.resolve(name, line=ck.line) if isinstance(name, Ref) else None
        v = _own_value(ck, q) if q is not None else None
        v = exact_of(ck, name) if v is None else v
        if v is None:
            continue
        d = _ulps(v, num)
        label = display(q.key) if q is not None else ck.text_of(ck.sym(name))
        claimed = model.claimed.get(q.key) if q is not None else None
        if d > HALF + EPS and num.decimals >= 2 and d <= 1 + EPS:
            slips.append(f"{label} = {fmt(v, num.decimals + 2)} is written {num.text}")
        elif d > HALF + EPS and claimed is not None and claimed[0].value == num.value and claimed[1] < ck.line:
            slips.append(f"{num.text} is the note's {label} from line {claimed[1]}, where it is off "
                         f"(exact {fmt(v, num.decimals + 2)})")
        elif d > HALF + EPS and not (not is_rounded(model, num) and d == 0):
            wrongs.append(f"{label} is {fmt(v)}, written {num.text}")
    if wrongs:
        return wrong(Stage.VALUES, "; ".join(wrongs) + f" (so the value is {fmt(x)}, not {fmt(arith.exact(b))})",
                     fmt(x))
    if slips:
        return warning(Stage.VALUES, "; ".join(slips), fmt(x))
    return wrong(Stage.VALUES, f"the numbers give {fmt(arith.exact(b))}; the exact value is {fmt(x)}", fmt(x))


def _own_value(ck, q):
    """The value of a name that two quantities share, as the quantity being computed reads it."""
    if ck.context is None:
        return None
    value = ck.model.values.get(q.key + (f"@{display(ck.context)}",))
    if value is None:
        return None
    with mpmath.workdps(PRECISION):
        return mpmath.mpf(value.numerator) / value.denominator


def _line_up(ck, a, b) -> list:
    """What each number in b stands for: by a's definition, or by an earlier chain about the same
    thing (∂total/∂w5 = ∂total/∂out × ∂out/∂net × ∂net/∂w5, then = 0.741 × 0.186 × 0.593)."""
    model = ck.model
    prefer = model.prefer
    def useful(pairs) -> bool:
        return bool(pairs) and all(isinstance(y, Num) for _, y in pairs)

    pairs = align(definition_form(model, a), b, prefer)
    if useful(pairs):
        return pairs
    try:
        target = ck.sym(a)
    except Unverifiable:
        return []
    for st in model.statements:
        if st.formula.line >= ck.line or st.subject is None:
            continue
        try:
            if ck.sym(st.subject.node) != target:
                continue
        except Unverifiable:
            continue
        for m in st.members[1:]:
            if not is_numeric(m.node):
                pairs = align(m.node, b, prefer)
                if useful(pairs):
                    return pairs
    return []


def _arithmetic(ck, a, b, subject):
    model = ck.model
    rounded = lambda n: is_rounded(model, n)  # noqa: E731
    with mpmath.workdps(PRECISION):
        v = arith.exact(a)
        box = arith.interval(a, rounded)
        x = exact_of(ck, subject) if subject is not None else None
        if isinstance(v, arith.Mat) or isinstance(b, Matrix):
            return _matrix_arithmetic(ck, a, b, v, box, exact_matrix(ck, subject) if subject is not None else None)
        if not isinstance(b, Num):
            other = arith.interval(b, rounded)
            if arith.overlaps(box, other.a, other.b):
                return correct(Stage.ARITHMETIC, "the two sides agree")
            return wrong(Stage.ARITHMETIC, f"{fmt(v)} on the left, {fmt(arith.exact(b))} on the right", fmt(v))
        j = decide(v, box, x, b)
        if j.status == Status.WRONG and j.stage == Stage.VALUES:
            j = replace(j, message=j.message + _carried(ck, a))
        return j


def decide(v, box, x, r: Num):
    """The verdict on a number r claimed for arithmetic whose exact value is v (box with rounded
    inputs widened) and whose true value, if known, is x."""
    h = _half_unit(r)
    rv = _value(r)
    ok_strict = abs(v - rv) <= h * (1 + EPS)
    ok_loose = arith.overlaps(box, rv - h * (1 + EPS), rv + h * (1 + EPS))
    slip = not (ok_strict or ok_loose) and _ulps(v, r) <= 1 + EPS and r.decimals >= 2
    written = fmt(v, r.decimals + 2)
    if x is None:
        if ok_strict:
            return correct(Stage.ARITHMETIC, "arithmetic checked")
        if ok_loose:
            return warning(Stage.ARITHMETIC, f"the numbers as written give {written}; {r.text} needs unrounded inputs",
                           fmt(v, r.decimals))
        if slip:
            return warning(Stage.ARITHMETIC, f"last digit: the numbers as written give {written}",
                           fmt(v, r.decimals))
        return wrong(Stage.ARITHMETIC, f"the numbers as written give {written}", fmt(v, r.decimals))
    d = _ulps(x, r)
    exact = fmt(x, r.decimals + 2)
    if not (ok_strict or ok_loose or slip):
        return wrong(Stage.ARITHMETIC, f"the numbers as written give {written} (the exact value is {exact})",
                     fmt(v, r.decimals))
    if d <= HALF + EPS:
        if ok_strict or ok_loose:
            return correct(Stage.VALUES, f"arithmetic and value checked (exact {fmt(x)})")
        return warning(Stage.ARITHMETIC, f"the value is right (exact {exact}) but the numbers as written "
                                         f"give {written}", fmt(x, r.decimals))
    if d <= 1 + EPS and r.decimals >= 2:
        carried = "the arithmetic is right, but it carries rounded inputs: " if ok_strict else ""
        return warning(Stage.VALUES, f"last digit: {carried}the exact value {exact} rounds to {fmt(x, r.decimals)}",
                       fmt(x, r.decimals))
    if arith.contains(box, x):
        return warning(Stage.VALUES, f"computed from rounded values: the exact value is {exact}",
                       fmt(x, r.decimals))
    return wrong(Stage.VALUES, "the arithmetic is right, but the value is not (an input or a factor is "
                               f"off): the exact value is {exact}", fmt(x, r.decimals))


def _entries_verdict(results: list[tuple[str, Judgement]]) -> Judgement:
    """One verdict for a matrix: the worst entry's, naming the entries that are off."""
    worst = max(results, key=lambda r: SEVERITY[r[1].status])[1]
    if worst.status == Status.CORRECT:
        return correct(worst.stage, f"checked entry by entry ({len(results)} entries)")
    bad = [f"entry {where}: {j.message}" for where, j in results if j.status == worst.status]
    return Judgement(worst.status, worst.stage, "; ".join(bad[:3]) + ("; …" if len(bad) > 3 else ""), worst.expected)


def _matrix_arithmetic(ck, a, b, v, box, x):
    """Numbers in matrices: each entry of b against the arithmetic of a and the exact value."""
    if not isinstance(b, Matrix) or not all(isinstance(e, Num) for row in b.rows for e in row):
        other = arith.interval(b, lambda n: is_rounded(ck.model, n))
        if not (isinstance(box, arith.Mat) and isinstance(other, arith.Mat)) or box.shape != other.shape:
            raise Unverifiable("matrices of different shapes")
        ok = all(arith.overlaps(p, q.a, q.b) for p, q in zip(box.entries(), other.entries()))
        return correct(Stage.ARITHMETIC, "the two sides agree entry by entry") if ok else \
            wrong(Stage.ARITHMETIC, "the two sides differ in some entries")
    if not isinstance(v, arith.Mat) or v.shape != (len(b.rows), len(b.rows[0])):
        raise Unverifiable("matrices of different shapes")
    results = []
    for i, row in enumerate(b.rows):
        for j, r in enumerate(row):
            xe = x[i][j] if x is not None else None
            results.append((f"({i + 1},{j + 1})", decide(v.rows[i][j], box.rows[i][j], xe, r)))
    return _entries_verdict(results)


def exact_matrix(ck, node) -> list | None:
    """The exact value of a vector or matrix with names, entry by entry (None if not known)."""
    try:
        e = ck.resolve(ck.sym(node))
    except Unverifiable:
        return None
    if not isinstance(e, sp.MatrixBase) or not e.free_symbols <= set(ck.model.exact):
        return None
    with mpmath.workdps(PRECISION):
        try:
            return [[ck.calc.value(e[i, j], ck.model.exact) for j in range(e.shape[1])] for i in range(e.shape[0])]
        except (Unverifiable, ZeroDivisionError, ValueError):
            return None


def judge_matrix_values(ck, a, b):
    """A vector or matrix with names, then its numbers: each number against the exact value."""
    x = exact_matrix(ck, a)
    if x is None:
        raise Unverifiable("the values of these entries are not known")
    rounded = lambda n: is_rounded(ck.model, n)  # noqa: E731
    if isinstance(b, Matrix) and all(isinstance(e, Num) for row in b.rows for e in row):
        if (len(x), len(x[0])) != (len(b.rows), len(b.rows[0])):
            raise Unverifiable("matrices of different shapes")
        results = []
        for i, row in enumerate(b.rows):
            for j, r in enumerate(row):
                d = _ulps(x[i][j], r)
                if d <= HALF + EPS:
                    verdict = correct(Stage.VALUES, "")
                elif d <= 1 + EPS and r.decimals >= 2:
                    verdict = warning(Stage.VALUES, f"last digit: exact {fmt(x[i][j], r.decimals + 2)}",
                                      fmt(x[i][j], r.decimals))
                else:
                    verdict = wrong(Stage.VALUES, f"exact {fmt(x[i][j], r.decimals + 2)}, written {r.text}",
                                    fmt(x[i][j], r.decimals))
                results.append((f"({i + 1},{j + 1})", verdict))
        return _entries_verdict(results)
    box = arith.interval(b, rounded)
    if not isinstance(box, arith.Mat) or box.shape != (len(x), len(x[0])):
        raise Unverifiable("matrices of different shapes")
    bad = [f"({i + 1},{j + 1})" for i in range(len(x)) for j in range(len(x[0]))
           if not arith.overlaps(box.rows[i][j], x[i][j] - EPS * max(1, abs(x[i][j])),
                                 x[i][j] + EPS * max(1, abs(x[i][j])))]
    if not bad:
        return correct(Stage.VALUES, "the numbers put in give the exact values")
    return wrong(Stage.VALUES, f"the numbers put in do not give the exact values in entries {', '.join(bad)}")


def _carried(ck, a) -> str:
    """Which rounded number in the arithmetic is off, and which quantity it stood for."""
    found = [why for n in a.find_all(Num) if is_rounded(ck.model, n) and (why := _stood_for(ck, n))]
    return f" ({'; '.join(found)})" if found else ""


def _stood_for(ck, n: Num) -> str:
    for key, (m, line) in ck.model.claimed.items():
        q = ck.model.quantities.get(key)
        v = ck.model.exact.get(q.symbol) if q is not None else None
        if m.value == n.value and v is not None and _ulps(v, n) > HALF + EPS:
            return f"{n.text} is the note's {display(key)} (line {line}); exact {fmt(v, n.decimals + 2)}"
    for q in ck.model.quantities.values():
        v = ck.model.exact.get(q.symbol)
        if v is None or q.definition is None:
            continue
        if HALF < _ulps(v, n) <= 3:
            return f"{n.text} stands for {display(q.key)} = {fmt(v, n.decimals + 2)}"
    return ""
