"""Formulas written in plain text, outside any math markup: `dE/dw = (a - t) * a * (1 - a) * x`,
`δE/δw` or `𝜕E/𝜕w` for ∂, `sigmoid(z)`, `exp(-z)`, `^`, `*`, `·`, `×`, in list items, code-indented
lines and plain code blocks.

How a line is told from prose: it must hold a relation (`=`, `:=`, `≈`) with mathematics on both
sides. A side is mathematics when every word in it is a name (at most three letters, or letters with
digits or an underscore: w5, a_h1, E_total), a known function (exp, sigmoid, …) or a Greek letter, and
it holds at least one name or number. A trailing clause (`, where i = 1, …`) and a list bullet are
blanked. One English word of four or more letters in a side makes the line prose.

The text passed on is rewritten into the notation the grammar reads with the same length, so that
columns map back: 𝜕 and δ (in δE/δw) become ∂, `**` becomes `^ `.
"""

from __future__ import annotations

import re

_BULLET = re.compile(r"[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_CLAUSE = re.compile(r",?\s+(?:where|for|with|if|when|and|i\.e\.|e\.g\.)\s+(?=[^\n]*$)", re.I)
_RELATION = re.compile(r":=|≈|=(?![=>])")
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\.\d+|\S")
_MATH_CHARS = set("+-−*/×·⋅^()[]{}.,'′σδ∂𝜕ηαβλεθΔΣ∑√²³½|<>≤≥÷–")
FUNCTIONS = {"exp", "log", "ln", "sigmoid", "sigma", "tanh", "relu", "ReLU", "softmax", "max", "min", "sum",
             "sqrt", "sin", "cos", "abs", "mean", "d", "dx", "dw", "db", "dz", "da", "dy", "loss", "cost",
             "grad", "delta", "eta", "lr", "alpha", "theta"}
MAX_LINE = 400


def formula(line: str) -> tuple[int, str] | None:
    """(offset of the formula in the line, its rewritten text) for a plain-text formula line, else
    None. The text is as long as line[offset:]."""
    if len(line) > MAX_LINE or "$" in line or "\\" in line or "`" in line or "](" in line:
        return None
    m = _BULLET.match(line)
    offset = m.end() if m else len(line) - len(line.lstrip())
    body = line[offset:]
    c = _CLAUSE.search(body)
    if c:
        body = body[: c.start()] + " " * (len(body) - c.start())
    rel = _RELATION.search(body)
    if not rel:
        return None
    sides = _RELATION.split(body)
    if not all(_is_math(side) for side in sides):
        return None
    return offset, _rewrite(body)


def _is_math(side: str) -> bool:
    names = 0
    for tok in _TOKEN.findall(side):
        c = tok[0]
        if c.isdigit() or c == ".":
            names += 1
        elif c.isalpha() or c == "_":
            if not _is_name(tok):
                return False
            names += 1
        elif c not in _MATH_CHARS:
            return False
    return names > 0


def _is_name(tok: str) -> bool:
    if tok in FUNCTIONS or tok.lower() in FUNCTIONS:
        return True
    if "_" in tok or any(ch.isdigit() for ch in tok):
        head = re.split(r"[_\d]", tok, maxsplit=1)[0]
        return len(head) <= 6
    return len(tok) <= 3


def _rewrite(body: str) -> str:
    out = body.replace("𝜕", "∂").replace("**", "^ ")
    if "/δ" in out or "/ δ" in out:
        out = out.replace("δ", "∂")
    return out
