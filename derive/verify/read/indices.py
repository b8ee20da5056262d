"""The algebra of indices: a subscript such as [g+m-1] or 2r-1 as a linear form, and a template's
index letter replaced by each of its values (y_i -> y_1)."""

from __future__ import annotations

import re
from fractions import Fraction

from .ir import GREEK_NAMES, Juxt, Node, Num, Op, Paren, Ref


def substitute_index(node: Node, letter: str, k: int):
    """The node with the index letter replaced by k in every name (y_i -> y_1, x_{i} -> x_1,
    δ_{o_{t+1}} -> δ_{o_3}, [C_{2r-1,2s-1,c} = P_{r,s,c}]); a bare index letter becomes the number."""

    def put(n):
        if not isinstance(n, Ref):
            return n
        if n.tokens == (letter,):
            return Num(Fraction(k), str(k), 0)
        tokens = tuple(t if i == 0 and t == letter else
                       _label_token(t, letter, k) if i and t.startswith("^") else
                       _pair_token(t, letter, k) if i and _is_index_pair(t) else _index_token(t, letter, k)
                       for i, t in enumerate(n.tokens))
        return Ref(tokens, n.tex, n.hat, n.power)

    return node.rewrite(put)


_LABEL = re.compile(r"^\^(\()?([A-Za-z])([+-]\d+)?(\))?$")


def letter_label(token: str) -> tuple[str, int, bool] | None:
    """A label written with a letter: '^(l+1)' -> ('l', 1, True), '^L-1' -> ('L', -1, False), '^(t)' -> ('t', 0,
    True); None for anything else."""
    m = _LABEL.match(token)
    if m is None or bool(m.group(1)) != bool(m.group(4)):
        return None
    return m.group(2), int(m.group(3) or 0), bool(m.group(1))


def labelled(value: int, parenthesised: bool) -> str:
    """The label token of a layer or step given in numbers: ^(3), or ^3 as the note writes it."""
    return f"^({value})" if parenthesised else f"^{value}"


def _label_token(t: str, letter: str, k: int) -> str:
    """h^{(t)}, h^{(t-1)} in a sum over t or a formula for each t: ^(t) → ^(2), ^(t-1) → ^(1)."""
    lab = letter_label(t)
    if lab is None or lab[0] != letter:
        return t
    return labelled(k + lab[1], lab[2])


_BRACKET = re.compile(r"\[([^\]]*)\]")
_TERM = re.compile(r"([+-]?)(\d*)([a-z]?)")


def parse_linear(text: str) -> dict[str, int] | None:
    """An index expression such as 2r-1 or g+m-1 as {letter: coefficient, "": constant}."""
    out: dict[str, int] = {}
    pos = 0
    text = text.replace(" ", "")
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos:
            return None
        sign, digits, name = m.groups()
        if not digits and not name:
            return None
        c = int(digits) if digits else 1
        out[name] = out.get(name, 0) + (-c if sign == "-" else c)
        pos = m.end()
    return out


def render_linear(form: dict[str, int]) -> str:
    parts = []
    for name in sorted(n for n in form if n) + [""]:
        c = form.get(name, 0)
        if c == 0 and name:
            continue
        if name:
            body = name if abs(c) == 1 else f"{abs(c)}{name}"
        else:
            if c == 0 and parts:
                continue
            body = str(abs(c))
        parts.append(("-" if c < 0 else ("+" if parts else "")) + body)
    return "".join(parts) or "0"


_GREEK = set(GREEK_NAMES.values())  # δ_j is read as one name, deltaj


def _is_index_pair(t: str) -> bool:
    """W_{kj}: two one-letter indices (or a letter and a digit) in one subscript."""
    return len(t) == 2 and t.isalnum() and not t.isdigit() and (t.islower() or any(c.isdigit() for c in t))


def _pair_token(t: str, letter: str, k: int) -> str:
    return "".join(str(k) if c == letter else c for c in t) if letter in t else t


def _index_token(t: str, letter: str, k: int) -> str:
    if "[" in t:
        def put(m):
            form = parse_linear(m.group(1))
            if form is None or letter not in form:
                return m.group(0)
            form[""] = form.get("", 0) + form.pop(letter) * k
            if any(n and c for n, c in form.items()):
                return "[" + render_linear(form) + "]"
            return str(form.get("", 0))
        return _BRACKET.sub(put, t)
    if t == letter:
        return str(k)
    if len(t) >= 2 and t.endswith(letter) and t[:-1].isalpha() and (len(t[:-1]) == 1 or t[:-1] in _GREEK):
        return t[:-1] + str(k)
    return t


def linear(n) -> dict | None:
    """An index expression (g+m-1, 2r-1, t+1) as {letter: coefficient, "": constant}."""
    if isinstance(n, Num) and n.value.denominator == 1:
        return {"": int(n.value)}
    if isinstance(n, Ref) and len(n.tokens) == 1 and len(n.tokens[0]) == 1 and n.tokens[0].isalpha():
        return {n.tokens[0]: 1}
    if isinstance(n, Paren) and len(n.items) == 1:
        return linear(n.items[0])
    if isinstance(n, Op) and n.kind in ("+", "-"):
        a, b = linear(n.args[0]), linear(n.args[1])
        if a is None or b is None:
            return None
        sign = 1 if n.kind == "+" else -1
        return {k: a.get(k, 0) + sign * b.get(k, 0) for k in set(a) | set(b)}
    if isinstance(n, Op) and n.kind == "neg":
        a = linear(n.args[0])
        return None if a is None else {k: -v for k, v in a.items()}
    if (isinstance(n, Op) and n.kind == "*") or isinstance(n, Juxt):
        x, y = (n.args if isinstance(n, Op) else (n.left, n.right))
        a, b = linear(x), linear(y)
        if a is None or b is None:
            return None
        if set(a) == {""}:
            return {k: a[""] * v for k, v in b.items()}
        if set(b) == {""}:
            return {k: b[""] * v for k, v in a.items()}
    return None


def index_part(n) -> str | None:
    """One index of a subscript: a number, a name, or an expression in index letters ([g+m-1])."""
    if isinstance(n, Num):
        return n.text
    if isinstance(n, Ref):
        return "".join(n.key)
    form = linear(n)
    if form is None or not any(k for k in form):
        return None
    return "[" + render_linear(form) + "]"
