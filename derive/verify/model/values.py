"""The values a note gives, and the exact values that follow from them.

Values come from lists (`x_0 = 1, x_1 = 0`) and from substitutions: `h_1 = w_{11} i_1 + …` followed
by `= (0.15 × 0.05) + …` says w_{11} = 0.15 and i_1 = 0.05. Factors of a product may be written in
either order, so each substitution is lined up the way that best fits: numbers the note computed
earlier go with computed quantities, given numbers with inputs and parameters.

Where the note gives a leaf two values, the majority wins and the rest are findings; two leaves
whose values are exchanged in one substitution are a swap; a leaf given another value inside one
definition only keeps that value there (two quantities sharing a name). A computed quantity written
with the number of another one (h_1 with the value of out H_1) is read as that other one from that
line on, and said so.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp

from ..read.align import align
from ..read.ir import Num, Ref
from ..read.names import display
from ..read.statements import as_number, is_numeric
from .calculus import exact_values
from .note_model import Binding, Finding, Quantity, alias, definition_form, orphans
from .to_sympy import Unverifiable, to_sympy


@dataclass
class Seen:
    """A leaf (or a computed quantity) seen with a number in one statement."""

    key: tuple[str, ...]
    value: Fraction
    decimals: int
    line: int
    context: tuple[str, ...] | None   # the quantity the statement is about
    listed: bool                      # from a value list (x_0 = 1), not a substitution


def rounds_to(x, n: Num) -> bool:
    return abs(x - mpmath.mpf(n.value.numerator) / n.value.denominator) <= mpmath.mpf(10) ** -n.decimals / 2 * (
        1 + mpmath.mpf("1e-12"))


def collect_values(model) -> None:
    results = _results(model)
    model.claimed = _claimed(model)
    _numeric_definitions(model)
    seen = _seen(model, results)
    _choose(model, seen)
    model.exact = exact_values(model)
    _placeholders(model, seen)
    model.exact = exact_values(model)
    _drift(model, seen)
    model.exact = exact_values(model)
    _value_aliases(model, seen)
    model.exact = exact_values(model)
    model.findings.sort(key=lambda f: f.line)


def computed_only(model) -> None:
    """Names the note works out from numbers alone (L = (0 − 0.4694)² with no L = … in names): what
    they depend on is not written, so no derivative of theirs may be taken as 0."""
    for st in model.statements:
        if st.anchored:
            continue
        for k in range(len(st.members) - 1):  # ŷ = a^{(2)} = σ(0.4172): a^{(2)} too
            name, right = st.members[k].node, st.members[k + 1].node
            if k and st.rels[k - 1] != "=":
                break
            if isinstance(name, Ref) and is_numeric(right) and as_number(right) is None:
                q = model.resolve(name)
                if q is not None and q.definition is None:
                    model.computed_only.add(q.symbol)
                break


def _results(model) -> list[Num]:
    """Numbers the note computed: the last member of a chain about something."""
    out = []
    for st in model.statements:
        last = as_number(st.members[-1].node)
        if last is not None and len(st.members) > 1 and last.decimals >= 2:
            out.append(last)
    return out


def _numeric_definitions(model) -> None:
    """`out_{o2} = 1/(1 + e^{-1.2243})` with 1.2243 the note's value of net_{o2}: out_{o2} = σ(net_{o2})."""
    by_value = defaultdict(list)
    for key, (n, _) in model.claimed.items():
        q = model.quantities.get(key)
        if q is not None and q.definition is not None and n.decimals >= 1 and n.value not in (0, 1):
            by_value[n.value].append(key)

    used: set = set()

    def swap(node):
        if isinstance(node, Num) and len(by_value.get(node.value, [])) == 1:
            key = by_value[node.value][0]
            used.add(key)
            return Ref(key, display(key))
        return node

    for st in model.statements:
        first = st.subject.node if st.subject is not None else None
        if not isinstance(first, Ref) or len(st.members) < 2 or not is_numeric(st.members[1].node) \
                or as_number(st.members[1].node) is not None:
            continue  # w = 0.5 gives w a value; only a computation (σ(0.5)) can stand for a definition
        used.clear()
        q = model.resolve(first)
        if q is None or q.definition is not None or q.key in model.values:
            continue
        node = st.members[1].node.rewrite(swap)
        if node is st.members[1].node:
            continue
        try:
            q.definition = to_sympy(node, model)
        except Unverifiable:
            continue
        q.def_node, q.def_line = node, st.formula.line
        model.readings[q.key] = f"read {display(q.key)} as computed from the note's " \
                                f"{', '.join(sorted(display(k) for k in used))}"


def _claimed(model) -> dict:
    """The value the note states for each quantity it computes (the first one), with its line."""
    out: dict = {}
    for st in model.statements:
        key = _subject(model, st)
        last = as_number(st.members[-1].node)
        if key is not None and last is not None and key not in out:
            out[key] = (last, st.formula.line)
    return out


def _subject(model, st):
    first = st.subject.node if st.subject is not None else None
    if isinstance(first, Ref):
        q = model.resolve(first)
        return q.key if q is not None else None
    return None


def _seen(model, results: list[Num]) -> list[Seen]:
    result_values = {r.value for r in results}

    def prefer(pairs) -> int:
        """Numbers the note computed line up with computed quantities, given ones with leaves."""
        score = 0
        for x, y in pairs:
            if not (isinstance(x, Ref) and isinstance(y, Num)):
                continue
            q = model.resolve(x)
            if q is None:
                continue
            computed_looking = y.value in result_values
            score += 1 if (q.definition is not None) == computed_looking else 0
            claimed = model.claimed.get(q.key)
            score += 2 if claimed is not None and claimed[0].value == y.value else 0
        return score

    model.prefer = prefer
    out = []
    for st in model.statements:
        context = _subject(model, st)
        for i, left, rel, right in st.pairs:
            if rel not in ("=", "->"):
                continue
            number = as_number(right.node)
            if rel == "->" and isinstance(left.node, Ref) and number is not None:
                continue  # w₂ → −0.861: the value after a step, not the value w₂ has
            if isinstance(left.node, Ref) and number is not None:
                q = model.resolve(left.node)
                if q is not None:
                    out.append(Seen(q.key, number.value, number.decimals, st.formula.line, context,
                                    q.definition is None))
            elif is_numeric(right.node) and not is_numeric(left.node):
                form = definition_form(model, left.node) if isinstance(left.node, Ref) else left.node
                for x, y in align(form, right.node, prefer) or []:
                    if isinstance(x, Ref) and isinstance(y, Num):
                        q = model.resolve(x)
                        if q is not None:
                            out.append(Seen(q.key, y.value, y.decimals, st.formula.line, context, False))
    return out


def _choose(model, seen: list[Seen]) -> None:
    """Each leaf's value: the one the note gives most often; the rest are findings or local."""
    by_key = defaultdict(list)
    for s in seen:
        q = model.quantities.get(s.key)
        if q is not None and q.definition is None:
            by_key[s.key].append(s)
            model.bindings.append(Binding(s.key, s.value, s.decimals, s.line))
    chosen: dict = {}
    for key, ss in by_key.items():
        counts = Counter(s.value for s in ss)
        best = max(counts.values())
        chosen[key] = next(s.value for s in ss if counts[s.value] == best)
    model.values.update(chosen)
    # a long number met only inside a substitution is a rounded result (an elided line's), not a given
    model.read_only = {key for key, ss in by_key.items()
                       if not any(s.listed for s in ss) and max(s.decimals for s in ss) >= READ_DECIMALS}
    # conflicts, statement by statement
    by_line = defaultdict(list)
    for key, ss in by_key.items():
        for s in ss:
            if s.value != chosen[key]:
                by_line[(s.line, s.context)].append(s)
    updates: dict = {}  # key -> the first line that writes its new value (b₂⁺ = b₂ − η ∂L/∂b₂)
    for st in model.statements:
        first = st.members[0].node if st.members else None
        if isinstance(first, Ref) and first.tokens[-1:] == ("^new",):
            updates.setdefault(first.key[:-1] if first.key[-1] == "^new" else first.key, st.formula.line)
    for (line, context), ss in sorted(by_line.items(), key=lambda kv: kv[0][0]):
        swapped = {id(s) for s in ss for t in ss
                   if s is not t and s.value == chosen[t.key] and t.value == chosen[s.key]}
        for s in ss:
            if id(s) in swapped:
                continue  # two leaves exchanged: the substitution's own verdict says which
            where = sorted({x.line for x in by_key[s.key] if x.value == chosen[s.key]})
            if line > updates.get(s.key, line):
                continue  # b₂ = 1.04 after the note has updated b₂ (b₂⁺ = …): its value after training
            if line in where:  # blue circles (t = 1) and red stars (t = 0): cases on one line, not a conflict
                if all(x.line == line for x in by_key[s.key]):
                    model.values.pop(s.key, None)
                continue
            lines = f"line{'s' if len(where) > 1 else ''} {', '.join(map(str, where))}"
            if s.listed or context is None:
                model.findings.append(Finding(line, "wrong", f"{display(s.key)} = {_num(s.value)} here, but "
                                                             f"{_num(chosen[s.key])} on {lines}"))
            else:
                _split(model, s.key, context, s.value)
                model.findings.append(Finding(line, "warning",
                                              f"{display(s.key)} is {_num(s.value)} here but {_num(chosen[s.key])} "
                                              f"on {lines}: two different quantities share the name "
                                              f"{display(s.key)} (read as {_num(s.value)} in {display(context)})"))


READ_DECIMALS = 6  # decimals from which a number read only in a substitution counts as computed


def _split(model, key: tuple, context: tuple, value: Fraction) -> None:
    """One name, two quantities: inside `context` the name gets a quantity of its own."""
    ctx = model.quantities.get(context)
    old = model.quantities[key]
    if ctx is None or ctx.definition is None or old.symbol not in ctx.definition.free_symbols:
        return
    new_key = key + (f"@{display(context)}",)
    q = Quantity(new_key, sp.Symbol(f"{old.symbol.name}_{len(model.quantities)}"), old.tex)
    model.quantities[new_key] = q
    model.values[new_key] = value
    ctx.definition = ctx.definition.xreplace({old.symbol: q.symbol})


def _num(x: Fraction) -> str:
    return f"{float(x):.10g}"


def _placeholders(model, seen: list[Seen]) -> None:
    """`out H_1 = 1/(1 + e^{-z})` and `out H_2 = 1/(1 + e^{-z})`: a letter that two definitions share
    word for word, or that the note fills in with another quantity's value, is a placeholder for
    the quantity just computed (or for the one whose value was filled in)."""
    order = sorted((q for q in model.computed() if q.def_line is not None), key=lambda q: q.def_line)
    leaves = {q.symbol for q in model.leaves()}
    same_definition: dict = {}
    users_of: dict = {z: set() for z in leaves}
    for c in order:
        same_definition.setdefault(c.definition, []).append(c)
        for z in c.definition.free_symbols & leaves:
            users_of[z].add(c.key)
    twins_of = {q.key: [c for c in same_definition[q.definition] if c is not q] for q in order}
    for q in order:
        free = [z for z in q.definition.free_symbols if z in leaves]
        if len(free) != 1:
            continue
        z = free[0]
        zkey = _key(model, z)
        if any(s.key == zkey and (s.listed or s.context not in users_of[z]) for s in seen):
            continue  # a leaf the note gives a value of its own is an input, not a placeholder
        twins = twins_of[q.key]
        given = [s for s in seen if s.key == zkey and s.context == q.key]
        candidates = [c for c in order if c.def_line <= q.def_line and c is not q and not twins.count(c)
                      and z not in c.definition.free_symbols]
        pick = None
        if given:
            n = Num(given[0].value, "", given[0].decimals)
            hits = [c for c in candidates if c.symbol in model.exact and rounds_to(model.exact[c.symbol], n)]
            pick = hits[-1] if hits else None
        elif twins and candidates:
            pick = candidates[-1]
        if pick is not None:
            q.definition = q.definition.xreplace({z: pick.symbol})
            model.readings[(zkey, q.key)] = f"read {display(zkey)} in {display(q.key)} as {display(pick.key)}"


def _key(model, s):
    return next((k for k, q in model.quantities.items() if q.symbol == s), None)


def loosely_tied(model) -> set:
    """Leaves the loss does not depend on: `E_1 = ½(true − predicted)²` says nothing about which
    target or output is meant, so those names may be read by their values."""
    feeding = model.upstream([model.quantities[model.loss].symbol]) \
        if model.loss is not None and model.loss in model.quantities else set()
    loose = {q.key for q in model.leaves() if q.symbol not in feeding} if feeding else set()
    return loose | orphans(model)


def _generic(key: tuple[str, ...]) -> bool:
    """A plain word (true, predicted), not an indexed name like w7 or x_1."""
    return len(key) == 1 and key[0].isalpha() and len(key[0]) > 1


def _value_aliases(model, seen: list[Seen]) -> None:
    """A name tied to nothing, given a number that is the value of exactly one quantity."""
    lonely = loosely_tied(model)
    lr = model.learning_rate()
    for s in seen:
        if s.key not in lonely or s.key not in model.quantities or (lr is not None and s.key == lr.key):
            continue
        if not _generic(s.key) and s.key not in orphans(model):
            continue
        if not s.decimals:  # a whole number (1, 2, N = 2) says too little to tie a name to a quantity
            continue
        n = Num(s.value, "", s.decimals)
        hits = [q for q in model.quantities.values() if q.key != s.key and q.symbol in model.exact
                and q.key not in lonely and rounds_to(model.exact[q.symbol], n)]
        if len(hits) == 1:
            alias(model, s.key, hits[0].key, f"its value {_num(s.value)} is that of {display(hits[0].key)}")
            model.values.pop(s.key, None)
            lonely = loosely_tied(model)


def _drift(model, seen: list[Seen]) -> None:
    """h_1 given the value of out H_1: from that line on, h_1 means out H_1."""
    for s in sorted(seen, key=lambda s: s.line):
        q = model.quantities.get(s.key)
        if q is None or q.definition is None or q.symbol not in model.exact or s.decimals < 2:
            continue
        n = Num(s.value, "", s.decimals)
        if rounds_to(model.exact[q.symbol], n) or s.key in model.drift or _crossed(model, s, seen):
            continue
        hits = [c for c in model.computed() if c is not q and c.symbol in model.exact
                and rounds_to(model.exact[c.symbol], n)]
        if not hits:  # the number the note itself gave another quantity
            hits = [c for c in model.computed() if c is not q and c.key in model.claimed
                    and model.claimed[c.key][0].value == s.value]
        if len(hits) != 1:
            continue
        other = hits[0]
        model.drift[s.key] = (other.key, s.line)
        ctx = model.quantities.get(s.context) if s.context else None
        for c in model.computed():  # definitions from this statement on use the new reading
            if c.def_line is not None and (c.def_line >= s.line or c is ctx) and c is not other:
                c.definition = c.definition.xreplace({q.symbol: other.symbol})
        model.findings.append(Finding(s.line, "warning",
                                      f"{display(s.key)} is used here with the value of {display(other.key)} "
                                      f"({_num(s.value)}); {display(s.key)} was defined on line {q.def_line} with "
                                      f"the value {mpmath.nstr(model.exact[q.symbol], 6)}: read as "
                                      f"{display(other.key)} from here on"))


def _crossed(model, s: Seen, seen: list[Seen]) -> bool:
    """s and another number of its statement fit once exchanged: the two factors of a product were
    paired the wrong way round (δ^o_1 P_2 = 0.0123 · 0.684 with P_2 = 0.684), not a change of meaning."""
    q = model.quantities[s.key]
    for t in seen:
        if t is s or t.line != s.line or t.context != s.context:
            continue
        r = model.quantities.get(t.key)
        if r is None or r.symbol not in model.exact:
            continue
        if rounds_to(model.exact[q.symbol], Num(t.value, "", t.decimals)) and \
                rounds_to(model.exact[r.symbol], Num(s.value, "", s.decimals)):
            return True
    return False
