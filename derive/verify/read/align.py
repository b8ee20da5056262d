"""Two ways of writing the same thing, side by side: which name stands where a number (or another
name) stands in the other. `w_{11} i_1 + w_{21} i_2 + b_1 × 1` against
`(0.15 × 0.05) + (0.20 × 0.1) + (0.35 × 1)` gives w_{11} = 0.15, i_1 = 0.05, …"""

from __future__ import annotations

from fractions import Fraction

from .indices import substitute_index
from .ir import BigSum, Deriv, Exp, Func, Juxt, Num, Op, Paren, Ref, Relation

ONE = Fraction(1)


def normalize(node):
    """Grouping dropped, ×1 dropped, x × −1 as −x, short sums written out."""
    if isinstance(node, Paren) and len(node.items) == 1 and not isinstance(node.items[0], Relation):
        return normalize(node.items[0])
    if isinstance(node, Juxt):
        left, right = node.left, node.right
        if isinstance(left, BigSum):
            expanded = _expand_sum(left, right)
            if expanded is not None:
                return normalize(expanded)
        if _is_call(left, right):
            return Juxt(left, Paren((normalize(right.items[0]),)))
        if isinstance(left, Func) and isinstance(right, Paren):  # max(a, b, c)
            return Juxt(left, Paren(tuple(normalize(i) for i in right.items), right.square))
        return normalize(Op("*", (left, right)))
    if isinstance(node, Op) and node.kind == "neg" and isinstance(normalize(node.args[0]), Num):
        inner = normalize(node.args[0])
        return Num(-inner.value, "-" + inner.text, inner.decimals)
    if isinstance(node, Op):
        args = tuple(normalize(a) for a in node.args)
        if node.kind in ("/", "*") and all(isinstance(a, Num) and a.decimals == 0 for a in args):
            return _fold(node.kind, args)
        if node.kind == "*":
            a, b = args
            if _is_num(b, ONE):
                return a
            if _is_num(a, ONE):
                return b
            if _is_num(b, -ONE):
                return Op("neg", (a,))
            if isinstance(a, Op) and a.kind == "/" and _is_num(a.args[0], ONE) and _is_num(a.args[1], ONE):
                return b
        if node.kind == "/" and _is_num(args[1], ONE):
            return args[0]
        return Op(node.kind, args)
    if isinstance(node, Exp):
        return Exp(normalize(node.arg))
    return node


def _fold(kind: str, args) -> Num:
    """1/2 written as a fraction is the number ½ (so it lines up with 0.5)."""
    vals = [a.value for a in args]
    if kind == "/":
        v = vals[0] / vals[1] if vals[1] != 0 else None
    else:
        v = vals[0] * vals[1]
    if v is None:
        return Op(kind, args)
    return Num(v, str(v), max(a.decimals for a in args))


def _is_call(left, right) -> bool:
    return isinstance(right, Paren) and len(right.items) == 1 and (
        isinstance(left, Func) or (isinstance(left, Ref) and left.key in (("sigma",), ("sigmoid",), ("S",), ("g",))))


def _is_num(node, value: Fraction) -> bool:
    return isinstance(node, Num) and node.value == value


def _expand_sum(op: BigSum, body):
    if not (isinstance(op.sub, Paren) and op.sub.items and isinstance(op.sub.items[0], Relation)):
        return None
    rel = op.sub.items[0].chain
    if len(rel.members) != 2 or not isinstance(rel.members[0].node, Ref):
        return None
    lo, hi = rel.members[1].node, op.sup
    if not (isinstance(lo, Num) and isinstance(hi, Num)) or hi.value - lo.value > 20:
        return None
    letter = rel.members[0].node.tokens[0]
    terms = [substitute_index(body, letter, k) for k in range(int(lo.value), int(hi.value) + 1)]
    out = terms[0]
    for t in terms[1:]:
        out = Op("+", (out, t))
    return out


def align(a, b, prefer=None) -> list[tuple[object, object]] | None:
    """Pairs (name or derivative in a, what stands in its place in b), or None if the shapes differ.
    The two factors of a product may be written in either order; `prefer` scores a list of pairs
    and picks the order (by default the order as written)."""
    return _align(normalize(a), normalize(b), prefer or (lambda pairs: 0))


def _align(a, b, prefer) -> list | None:
    if isinstance(a, (Ref, Deriv)):
        return [(a, b)]
    if isinstance(a, Num):
        return [] if isinstance(b, Num) and b.value == a.value else None
    if isinstance(a, Op) and a.kind == "neg" and isinstance(b, Num):  # e^{-z} against e^{-1.105}
        return _align(a.args[0], Num(-b.value, b.text.lstrip("-"), b.decimals), prefer)
    if isinstance(a, Op) and isinstance(b, Op) and a.kind == b.kind and len(a.args) == len(b.args):
        straight = _all(a.args, b.args, prefer)
        if a.kind in ("*", "+") and len(a.args) == 2:
            crossed = _all(a.args, b.args[::-1], prefer)
            if crossed is not None and (straight is None or prefer(crossed) > prefer(straight)):
                return crossed
        return straight
    if isinstance(a, Exp) and isinstance(b, Exp):
        return _align(a.arg, b.arg, prefer)
    if isinstance(a, Juxt) and isinstance(b, Juxt):
        return _all((a.left, a.right), (b.left, b.right), prefer)
    if isinstance(a, Paren) and isinstance(b, Paren) and len(a.items) == len(b.items):
        return _all(a.items, b.items, prefer)
    if isinstance(a, Func) and isinstance(b, Func):
        return [] if a.name == b.name and a.prime == b.prime else None
    return None


def _all(xs, ys, prefer) -> list | None:
    out: list = []
    for x, y in zip(xs, ys):
        got = _align(x, y, prefer)
        if got is None:
            return None
        out.extend(got)
    return out
