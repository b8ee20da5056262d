"""Sums written with dots: `δ_{1,1} x_{1,1} + δ_{1,2} x_{1,2} + \\dots + δ_{10,10} x_{10,10}`.

The first two terms and the last one fix the pattern: the indices that change between the first two
terms count up by one in the innermost place; those that only differ in the last term count in the
places around it, in the order they are written (row-major), from their first value to their last.
Every term in between is written out, so the sum can be checked like any other.
"""

from __future__ import annotations

import re
from itertools import product

from .ir import Op, Opaque, Ref, refs

_SLOT = re.compile(r"^([A-Za-z]*)(\d+)$")
MAX_TERMS = 5000


def summands(node) -> list:
    if isinstance(node, Op) and node.kind == "+":
        return summands(node.args[0]) + summands(node.args[1])
    return [node]


def is_dots(node) -> bool:
    return isinstance(node, Opaque) and not node.ditto and node.reason.startswith("…")


def fill(node):
    """The sum with its dots written out, or None if the pattern cannot be read."""
    terms = summands(node)
    at = [i for i, t in enumerate(terms) if is_dots(t)]
    if len(at) != 1 or at[0] < 2 or at[0] != len(terms) - 2:
        return None
    first, second, last = terms[at[0] - 2], terms[at[0] - 1], terms[-1]
    slots = [_slots(first), _slots(second), _slots(last)]
    if slots[0] is None or not (len(slots[0]) == len(slots[1]) == len(slots[2])) or not slots[0]:
        return None
    if _shape(first) != _shape(second) or _shape(first) != _shape(last):
        return None
    a, b, z = ([v for v in s] for s in slots)
    inner = [k for k in range(len(a)) if b[k] - a[k] == 1]
    if not inner or any(b[k] - a[k] not in (0, 1) for k in range(len(a))):
        return None
    outer = [k for k in range(len(a)) if b[k] == a[k] and z[k] != a[k]]
    n_inner = z[inner[0]] - a[inner[0]] + 1
    if any(z[k] - a[k] + 1 != n_inner for k in inner) or n_inner < 2:
        return None
    # outer places: group those that count together (same span), in the order written
    groups: list[list[int]] = []
    for k in outer:
        span = z[k] - a[k]
        if span <= 0:
            return None
        for g in groups:
            if z[g[0]] - a[g[0]] == span:
                g.append(k)
                break
        else:
            groups.append([k])
    ranges = [range(z[g[0]] - a[g[0]] + 1) for g in groups] + [range(n_inner)]
    total = 1
    for r in ranges:
        total *= len(r)
    if total > MAX_TERMS:
        return None
    made: list = []
    for steps in product(*ranges):
        values = list(a)
        for g, step in zip(groups, steps[:-1]):
            for k in g:
                values[k] = a[k] + step
        for k in inner:
            values[k] = a[k] + steps[-1]
        made.append(_with_slots(first, values))
    written = terms[:at[0] - 2]
    if _key(made[1]) != _key(second) or _key(made[-1]) != _key(last):
        return None
    out = (written + made)
    node = out[0]
    for t in out[1:]:
        node = Op("+", (node, t))
    return node


def _slots(node) -> list[int] | None:
    values = []
    for r in refs(node):
        for t in r.tokens:
            m = _SLOT.match(t)
            if m:
                values.append(int(m.group(2)))
    return values


def _shape(node):
    """The node with every index number blanked: terms of one pattern have the same shape."""
    return _key(_rebuild(node, lambda t: (m.group(1) + "#") if (m := _SLOT.match(t)) else t))


def _key(node) -> str:
    return repr(_rebuild(node, lambda t: t))


def _with_slots(node, values: list[int]):
    it = iter(values)
    return _rebuild(node, lambda t: (m.group(1) + str(next(it))) if (m := _SLOT.match(t)) else t)


def _rebuild(n, token):
    """n with every name's tokens mapped by `token` (and its LaTeX dropped: made terms print by key)."""
    return n.rewrite(lambda x: Ref(tuple(token(t) for t in x.tokens), "", x.hat, x.power) if isinstance(x, Ref) else x)


def fill_all(node):
    """Every dotted sum inside node written out (those whose pattern can be read)."""

    def fill_here(n):
        if isinstance(n, Op) and n.kind == "+" and any(is_dots(t) for t in summands(n)):
            return fill(n) or n
        return n

    return node.rewrite(fill_here)
