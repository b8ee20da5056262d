"""Scopes: the parts of a note that stand on their own. A note often works several examples that
reuse the same names (x, w, ŷ) with other values or other networks; a name given again in a later
example never rewrites an earlier one.

A new scope opens at a heading, at a line such as "Example 2", "Exercise 3", "Part (b)" or a line
in bold only, at a fresh set of values (a name given a number that differs from the one it already
has in this scope), and at a definition that cannot be the same quantity (ŷ = w₂h after ŷ = wx:
it comes down to names the first does not read). A later definition that comes down to the same
names, or to some of them (L = e² with e = ŷ − y after L = (ŷ − y)²; L = −ln(1 − ŷ) once y = 0),
is the same quantity seen through an intermediate or at a value, and is checked against the first.

Each scope is judged with a model of its own statements plus the definitions and values of the
scopes before it that it does not give again (a worked example after a generic derivation uses the
generic definitions)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..read.ir import FUNCTIONISH, NAMED_FUNCTIONS, Ref, refs
from ..read.statements import Statement, as_number, is_numeric

MAX_SCOPES = 200
MAX_EXPAND = 400  # names visited when bringing a definition down to its leaves

_MARKER = re.compile(r"^\W{0,6}(example|exercise|exercice|problem|question|part|case|step|beispiel|ejemplo|exemple|"
                     r"aufgabe|übung|ejercicio)\b\s{0,3}[\w(]{0,6}", re.IGNORECASE)
_BOLD_ONLY = re.compile(r"^\s{0,3}(\*\*|__)[^*_\n]{1,120}(\*\*|__)\s{0,3}[:.]?\s{0,3}$")


@dataclass
class Scope:
    first_line: int
    statements: list[Statement] = field(default_factory=list)
    inherited: list[Statement] = field(default_factory=list)
    redefined: tuple | None = None  # (name, line of its earlier definition) when that opened the scope
    overrides: list = field(default_factory=list)  # (name, line here, line of the earlier definition)

    @property
    def lines(self) -> set[int]:
        return {st.formula.line for st in self.statements}

    def all_statements(self) -> list[Statement]:
        return self.inherited + self.statements


def boundary_lines(note) -> set[int]:
    """Lines that open a new part of the note by their structure: headings, example and
    exercise labels, lines in bold only."""
    out = {line for line, _level, _title in getattr(note, "headings", [])}
    formula_lines = {f.line for f in note.formulas}
    n = len(note.line_starts)
    for line in range(1, n + 1):
        if line in formula_lines:
            continue
        text = note.line_text(line)
        if len(text) > 300:
            continue
        stripped = text.strip().lstrip("#>*_ \t")
        if _MARKER.match(stripped) or _BOLD_ONLY.match(text):
            out.add(line)
    return out


def defined_name(st: Statement):
    """(key, value, rhs node) when the statement starts `name = …`: value is the number given,
    when the right side is one; rhs the first right side."""
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
        return None
    if any(r.key == left.key for r in refs(right)):
        return None  # an update, w = w − η ∂L/∂w
    return left.key, None, right


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
    scopes: list[Scope] = [Scope(1)]
    values: dict = {}
    defs: dict = {}  # key -> names its first definition in this scope reads
    value_line: dict = {}
    def_line: dict = {}
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
        while mark_i < len(marks) and marks[mark_i] <= line:
            mark_i += 1
            fresh = True
        d = defined_name(st)
        if not fresh and d is not None and scopes[-1].statements:
            key, value, rhs = d
            if value is not None and key in values and values[key] != value and value_line[key] != line \
                    and key not in computed:
                fresh = True  # a fresh set of values: another example
            elif rhs is not None and key in defs:
                new = frozenset(r.key for r in refs(rhs))
                tied = given | {k for k in new if readers.get(k, set()) - {id(st)}}
                if _grounded(new, tied) and not _leaves(new, defs) <= _leaves(defs[key], defs):
                    fresh = True  # ŷ = w₂h after ŷ = wx
                    redefined = (key, def_line[key])
        if fresh and scopes[-1].statements and not st.anchored and len(scopes) < MAX_SCOPES:
            moved = _values_before(scopes[-1], line) if d is not None and d[1] is not None else []
            scopes.append(Scope(moved[0].formula.line if moved else line, moved, redefined=redefined))
            values, defs, value_line, def_line = {}, {}, {}, {}
            for m in moved:
                dm = defined_name(m)
                if dm is not None and dm[1] is not None:
                    values.setdefault(dm[0], dm[1])
                    value_line.setdefault(dm[0], m.formula.line)
        redefined = None
        scopes[-1].statements.append(st)
        if d is not None:
            key, value, rhs = d
            if value is not None and key not in values:
                values[key], value_line[key] = value, line
            elif rhs is not None and key not in defs:
                defs[key] = frozenset(r.key for r in refs(rhs))
                def_line[key] = line
            if rhs is not None:
                computed.add(key)
    _inherit(scopes)
    return scopes


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
    """key -> (value, names read, line) of the first `name = …` of each name."""
    out: dict = {}
    for st in statements:
        d = defined_name(st)
        if d is not None and d[0] not in out:
            out[d[0]] = (d[1], frozenset(r.key for r in refs(d[2])) if d[2] is not None else None, st.formula.line)
    return out


def _inherit(scopes: list[Scope]) -> None:
    """Each scope inherits the defining statements of earlier scopes for the names it does not
    give again (the latest earlier one wins). A name it defines again in a way that comes down to
    the same names keeps the earlier definition, and the new one is checked against it."""
    merged: dict = {}  # names read by the definitions in force, all scopes so far
    lines: dict = {}   # where they were given
    for k, scope in enumerate(scopes):
        own = _first_defs(scope.statements)
        if k:
            here = {**merged, **{key: names for key, (_v, names, _l) in own.items() if names is not None}}
            taken = set()
            for key, (value, names, line) in own.items():
                if value is not None or key not in merged or names is None:
                    taken.add(key)
                elif not _leaves(names, here) <= _leaves(merged[key], merged):
                    taken.add(key)
                    if scope.redefined is None or scope.redefined[0] != key:
                        scope.overrides.append((key, line, lines[key]))
            inherited: list[list[Statement]] = []
            for earlier in reversed(scopes[:k]):
                part: list[Statement] = []
                got: set = set()
                for st in earlier.statements:
                    d = defined_name(st)
                    if d is None or d[0] in taken:
                        continue
                    part.append(st)
                    got.add(d[0])
                taken |= got
                inherited.append(part)
            scope.inherited = [st for part in reversed(inherited) for st in part]
        for key, (_value, names, line) in own.items():
            if names is None:
                merged.pop(key, None)
            else:
                merged[key], lines[key] = names, line
