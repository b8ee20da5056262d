"""Scopes: the parts of a note that stand on their own. A note often works several examples that
reuse the same names (x, w, ŷ) with other values or other networks; a name given again in a later
example never rewrites an earlier one.

A new part opens at a heading, at a line such as "Example 2" or "Exercise 3", at a fresh set of
values (a name given a number that differs from the one it already has in this scope), and at a
definition that cannot be the same quantity (ŷ = w₂h after ŷ = wx: it comes down to names the first
does not read). A later definition that comes down to the same names, or to some of them (L = e²
with e = ŷ − y after L = (ŷ − y)²; L = −ln(1 − ŷ) once y = 0), is the same quantity seen through an
intermediate or at a value, and is checked against the first.

Each part is judged with a model of its own statements plus the definitions and values of the parts
before it that it does not give again (a worked example after a generic derivation uses the generic
definitions), and the definitions given further on in the same example (the parts after it that a
heading alone opened) of the names it uses and nothing before defines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..read.ir import FUNCTIONISH, NAMED_FUNCTIONS, Deriv, Func, Juxt, Paren, Ref, refs
from ..read.names import is_signal
from ..read.statements import Statement, as_number, is_numeric

MAX_SCOPES = 200
MAX_EXPAND = 400  # names visited when bringing a definition down to its leaves

_MARKER = re.compile(r"^\W{0,6}(?:[\d.]{1,6}\s{0,2})?(example|exercise|exercice|problem|beispiel|ejemplo|exemple|"
                     r"aufgabe|übung|ejercicio|例|例題|練習|예제|연습|пример|задача)\b\s{0,3}[\w(]{0,6}", re.IGNORECASE)
# a lettered part of an exercise, "**a)**", "(b)", "Part (c)", at the start of a line: its solution further
# on, under the same letter, works with that part's definitions
_PART = re.compile(r"^[-*+]?\s{0,3}[*_]{0,2}(?:part\s{1,2})?\(?([a-h])\)[*_:.]{0,3}(?:\s|$)", re.IGNORECASE)


@dataclass
class Scope:
    first_line: int
    statements: list[Statement] = field(default_factory=list)
    inherited: list[Statement] = field(default_factory=list)
    redefined: tuple | None = None  # (name, line of its earlier definition) when that opened the scope
    overrides: list = field(default_factory=list)  # (name, line here, line of the earlier definition)
    by_heading: bool = False  # opened by a heading alone: the same example may go on in it
    label: str | None = None  # the letter of the exercise part it is ("a" for "**a)**")
    later: list[Statement] = field(default_factory=list)  # definitions given further on in the same example
    own_loss: bool = False  # it defines the loss as another function (a section on cross-entropy after one on ½e²)

    @property
    def lines(self) -> set[int]:
        return {st.formula.line for st in self.statements}

    def all_statements(self) -> list[Statement]:
        return self.inherited + self.statements + self.later


def boundary_lines(note) -> set[int]:
    """Lines that open a new part of the note: headings, lines such as "Example 2" or
    "Exercise 3.1", and the lettered parts of an exercise ("**b)** $y = …$")."""
    out = heading_lines(note) | set(part_labels(note))
    formula_lines = {f.line for f in note.formulas}
    n = len(note.line_starts)
    for line in range(1, n + 1):
        if line in formula_lines:
            continue
        text = note.line_text(line)
        if len(text) > 300:
            continue
        stripped = text.strip().lstrip("#>*_ \t")
        if _MARKER.match(stripped):
            out.add(line)
    return out


def part_labels(note) -> dict[int, str]:
    """line -> letter of the lines that start a lettered part of an exercise, "**a)**" or "(b)", when the
    note letters at least two parts so (a lone "a)" is more likely prose)."""
    out: dict[int, str] = {}
    for line in range(1, len(note.line_starts) + 1):
        text = note.line_text(line)
        m = _PART.match(text.strip()) if len(text) <= 300 else None
        if m:
            out[line] = m.group(1).lower()
    return out if len(set(out.values())) >= 2 else {}


def heading_lines(note) -> set[int]:
    return {line for line, _level, _title in getattr(note, "headings", [])}


def defined_name(st: Statement):
    """(key, value, rhs node) when the statement starts `name = …`: value is the number given,
    when the right side is one; rhs the first right side when it has names (both None: the name
    is computed from numbers, ŷ = σ(−0.1225))."""
    if st.anchored or not st.rels or st.rels[0] != "=":
        return None
    left = st.members[0].node
    if not isinstance(left, Ref):
        return None
    right = st.members[1].node
    n = as_number(right)
    if n is not None:
        return left.key, n.value, None
    if is_numeric(right):
        return left.key, None, None  # ŷ = σ(−0.1225): computed here, from this part's numbers
    if any(r.key == left.key for r in refs(right)):
        return None  # an update, w = w − η ∂L/∂w
    return left.key, None, right


LOSS_NAMES = frozenset({"E", "L", "J", "C", "Etotal", "loss", "Loss", "cost", "Cost"})


def _leaves(keys, defs: dict) -> frozenset:
    """The names a set of names comes down to through the scope's definitions."""
    out: set = set()
    stack = list(keys)
    seen: set = set()
    while stack and len(seen) < MAX_EXPAND:
        k = stack.pop()
        if k in seen:
            continue
        seen.add(k)
        if k in defs:
            stack.extend(defs[k])
        else:
            out.add(k)
    return frozenset(out)


def _grounded(keys, given: set) -> bool:
    """Every name read is tied to the note (defined, given a value, or read by another definition):
    a definition in names the note ties to nothing else (loss = ½(ŷ − y)² in a note whose output is
    called `output`) restates the same quantity in other notation, it does not start another example."""
    return all(k in given or k in FUNCTIONISH or (len(k) == 1 and k[0].lower() in NAMED_FUNCTIONS) for k in keys)


def partition(note, stmts: list[Statement]) -> list[Scope]:
    """The note's statements, in order, split into scopes, each with what it inherits."""
    marks = sorted(boundary_lines(note))
    headings = heading_lines(note)
    labels = part_labels(note)
    label = None
    by_heading = False
    scopes: list[Scope] = [Scope(1)]
    values: dict = {}
    defs: dict = {}  # key -> names its first definition in this scope reads
    value_line: dict = {}
    def_line: dict = {}
    def_id: dict = {}  # key -> the statement of its first definition in this scope
    def_funcs: dict = {}  # key -> the functions its first definition applies
    derived: set = set()  # names first defined as a derivative
    redefined = None
    mark_i = 0
    given = {d[0] for st in stmts if (d := defined_name(st)) is not None}
    readers: dict = {}  # name -> the defining statements that read it
    for st in stmts:
        d = defined_name(st)
        if d is not None and d[2] is not None:
            for r in refs(d[2]):
                readers.setdefault(r.key, set()).add(id(st))
    computed: set = set()  # names some formula defines: a number for them is a claim, not a fresh value
    for st in stmts:
        line = st.formula.line
        fresh = False
        by_heading = True
        while mark_i < len(marks) and marks[mark_i] <= line:
            by_heading = by_heading and marks[mark_i] in headings and _MARKER.match(
                note.line_text(marks[mark_i]).strip().lstrip("#>*_ \t")) is None
            label = labels.get(marks[mark_i])
            mark_i += 1
            fresh = True
        d = defined_name(st)
        if not fresh and d is not None and scopes[-1].statements:
            key, value, rhs = d
            if value is not None and key in values and values[key] != value and value_line[key] != line \
                    and key not in computed:
                fresh = True  # a fresh set of values: another example
            elif rhs is not None and key in defs and key not in derived:
                new = frozenset(r.key for r in refs(rhs))
                tied = given | {k for k in new if readers.get(k, set()) - {id(st)}}
                # E = Σ ½(target − output)² in names tied to nothing else: a general formula, which E = E₁ + E₂
                # makes concrete, not an example of its own (ŷ = a₂, a name for a name, still is one)
                loose = {k for k in defs[key] if k not in given and not readers.get(k, set()) - {def_id[key]}} \
                    if len(defs[key]) > 1 else set()
                if _grounded(new, tied) and _grounded(loose, set()) \
                        and not _leaves(new, defs) <= _leaves(defs[key], defs):
                    fresh, by_heading = True, False  # ŷ = w₂h after ŷ = wx
                    redefined = (key, def_line[key])
                elif key[0] in LOSS_NAMES and _functions(rhs) != def_funcs.get(key) and _grounded(new, tied):
                    fresh = True  # E = −y log a − … after E = ½(a − y)²: another loss, another example
        if fresh and scopes[-1].statements and not st.anchored and len(scopes) < MAX_SCOPES:
            moved = _values_before(scopes[-1], line) if d is not None and d[1] is not None else []
            scopes.append(Scope(moved[0].formula.line if moved else line, moved, redefined=redefined,
                                by_heading=by_heading and not moved, label=label))
            values, defs, value_line, def_line, def_id, def_funcs = {}, {}, {}, {}, {}, {}
            for m in moved:
                dm = defined_name(m)
                if dm is not None and dm[1] is not None:
                    values.setdefault(dm[0], dm[1])
                    value_line.setdefault(dm[0], m.formula.line)
        elif fresh and not scopes[-1].statements:
            scopes[-1].label = label
        redefined = None
        scopes[-1].statements.append(st)
        if d is not None:
            key, value, rhs = d
            if value is not None and key not in values:
                values[key], value_line[key] = value, line
            elif rhs is not None and key not in defs:
                defs[key] = frozenset(r.key for r in refs(rhs))
                if isinstance(rhs, Deriv):  # δ = ∂E/∂u: what is said of δ later is derived, not a new example
                    derived.add(key)
                def_line[key], def_id[key], def_funcs[key] = line, id(st), _functions(rhs)
            if rhs is not None:
                computed.add(key)
    _inherit(scopes)
    scopes = _merged(scopes)
    _inherit(scopes)
    _look_ahead(scopes)
    return scopes


def _merged(scopes: list[Scope]) -> list[Scope]:
    """A part that a heading alone opened and that gives nothing again in other terms goes on with
    the part before it: one model for both, as for a single section."""
    out: list[Scope] = []
    for scope in scopes:
        if out and scope.by_heading and not scope.overrides and not scope.own_loss \
                and not _values_differ(out[-1], scope):
            out[-1].statements.extend(scope.statements)
        else:
            scope.inherited, scope.overrides = [], []
            out.append(scope)
    for scope in out:
        scope.inherited, scope.overrides = [], []
    return out


def _values_differ(before: Scope, scope: Scope) -> bool:
    """The part gives a name a number other than the one it has before (w = 4.6 after w = 3), or works
    out again from numbers a name worked out before (ŷ = 4.6 · 2 after ŷ = 3 · 2: a new pass)."""
    values = {d[0]: d[1] for st in before.statements if (d := defined_name(st)) is not None and d[1] is not None}
    worked = {d[0] for st in before.statements if (d := defined_name(st)) is not None and d[1] is None
              and d[2] is None}
    for st in scope.statements:
        d = defined_name(st)
        if d is not None and (d[1] is not None and d[0] in values and values[d[0]] != d[1]
                              or d[1] is None and d[2] is None and d[0] in worked):
            return True
    return False


def _look_ahead(scopes: list[Scope]) -> None:
    """A name may be defined further on in the same example (the parts after it that a heading alone
    opened), in a form that can be read where the first cannot (a + b + … + z): those definitions are
    read too, after the part's own statements, so that they never take the place of one given before."""
    for k, scope in enumerate(scopes):
        known = {d[0] for st in scope.all_statements() if (d := defined_name(st)) is not None and d[1] is not None}
        for later in scopes[k + 1:]:
            if not later.by_heading:
                break
            for st in later.statements:
                d = defined_name(st)
                if d is not None and d[2] is not None and d[0] not in known:
                    scope.later.append(st)


def _values_before(scope: Scope, line: int) -> list[Statement]:
    """The numbers written just before a fresh value, in the same block (a matrix of new weights
    above `b = 1.04`): they belong to the new set. Taken out of the scope they were put in."""
    k = len(scope.statements)
    last = line
    while k > 1:
        st = scope.statements[k - 1]
        if last - st.formula.line > 1 or not st.members or not is_numeric(st.members[-1].node) \
                or st.anchored or st.members[0].node is None or is_numeric(st.members[0].node):
            break
        last = st.formula.line
        k -= 1
    moved = scope.statements[k:]
    del scope.statements[k:]
    return moved


def _first_defs(statements: list[Statement]) -> dict:
    """key -> (value, names read, line, functions applied) of the first `name = …` of each name."""
    out: dict = {}
    for st in statements:
        if st.formula.ranges:  # C_{g,h,c} = … (g, h = 1, …, 10): the family restated, not given again
            continue
        d = defined_name(st)
        if d is not None and d[0] not in out:
            names = frozenset(r.key for r in refs(d[2])) if d[2] is not None else None
            out[d[0]] = (d[1], names, st.formula.line, _functions(d[2]))
    return out


def _functions(node) -> frozenset:
    """The functions a right side applies (σ, max, tanh, ReLU): another one is another network."""
    if node is None:
        return frozenset()
    out = set()
    for n in node.walk():
        if isinstance(n, Juxt) and isinstance(n.right, Paren):
            if isinstance(n.left, Func):
                out.add(n.left.name.lower())
            elif isinstance(n.left, Ref) and n.left.key in FUNCTIONISH | {("ReLU",), ("relu",), ("max",)}:
                out.add("".join(n.left.tokens).lower())
        elif isinstance(n, Func) and n.name in ("max", "relu", "tanh", "sigma"):
            out.add(n.name)
    return frozenset(out)


def _earlier(scopes: list[Scope], k: int) -> list[Scope]:
    """The parts before the k-th, the nearest first; a lettered part's question (the part of the same
    letter before it) comes before any other: the solution of b) works with b)'s definitions."""
    before = list(reversed(scopes[:k]))
    label = scopes[k].label
    same = [s for s in before if label is not None and s.label == label][-1:]
    return same + [s for s in before if s not in same]


def _inherit(scopes: list[Scope]) -> None:
    """Each scope inherits the defining statements of earlier scopes for the names it does not
    give again (the latest earlier one wins). A name it defines again in a way that comes down to
    the same names keeps the earlier definition, and the new one is checked against it."""
    merged: dict = {}  # names read by the definitions in force, all scopes so far
    lines: dict = {}   # where they were given
    applied: dict = {}  # the functions they apply
    for k, scope in enumerate(scopes):
        own = _first_defs(scope.statements)
        if k:
            here = {**merged, **{key: names for key, (_v, names, _l, _f) in own.items() if names is not None}}
            taken = set()
            for key, (value, names, line, funcs) in own.items():
                if scope.label is not None and names is not None:
                    taken.add(key)  # a lettered part of an exercise gives its own y
                elif value is not None or key not in merged or names is None and not scope.by_heading:
                    taken.add(key)  # (a name worked out from numbers under a new heading keeps its definition)
                elif names is None:
                    continue
                elif scope.by_heading and funcs and applied.get(key) and not funcs & applied[key]:
                    taken.add(key)  # h = max(0, w₁x) under its own heading after h = σ(w₁x)
                    scope.overrides.append((key, line, lines[key]))
                elif key[0] in LOSS_NAMES and funcs != applied.get(key, frozenset()):
                    taken.add(key)  # E = −y log a − … after E = ½(a − y)²: the loss of this example
                    scope.own_loss = True
                elif not _leaves(names, here) <= _leaves(merged[key], merged):
                    taken.add(key)  # (a lettered part of an exercise gives its own y, and L = ½(ŷ − y)² written
                    # again over a new ŷ is the same formula: nothing to warn of)
                    if (scope.redefined is None or scope.redefined[0] != key) and scope.label is None \
                            and names != merged[key]:
                        scope.overrides.append((key, line, lines[key]))
            inherited: list[list[Statement]] = []
            loss_seen = any(key[0] in LOSS_NAMES for key, (_v, names, _l, _f) in own.items() if names is not None)
            for earlier in _earlier(scopes, k):
                part: list[Statement] = []
                got: set = set()
                defines_loss = False
                for st in earlier.statements:
                    d = defined_name(st)
                    if d is None or d[0] in taken or d[1] is None and d[2] is None:
                        continue
                    defines_loss = defines_loss or d[0][0] in LOSS_NAMES and d[2] is not None
                    if loss_seen and is_signal(d[0]):
                        continue  # an error signal is the derivative of the loss: not one from before the loss in force
                    part.append(st)
                    got.add(d[0])
                loss_seen = loss_seen or defines_loss
                taken |= got
                inherited.append(part)
            scope.inherited = [st for part in reversed(inherited) for st in part]
        for key, (value, names, line, funcs) in own.items():
            if names is None and value is None:
                continue  # worked out from numbers: the definition in force stays
            if names is None:
                merged.pop(key, None)
            else:
                merged[key], lines[key], applied[key] = names, line, funcs
