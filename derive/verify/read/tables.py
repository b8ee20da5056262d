"""Markdown tables whose header names a quantity in one column and its derivative in another
(`| Name | $C$ | $\\nabla_a C$ |`): each row gives C's formula and what the note says its derivative is,
so each row is the claim ∂(formula)/∂a = derivative, placed at the derivative's cell. A row is read only
when the variable appears in the formula as a plain name or with a layer label (a, a^L) and the formula
sums over no index."""

from __future__ import annotations

import re

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)+\|?\s*$")
_MATH = re.compile(r"^\s*\$([^$]+)\$\s*$")
_NAME = r"[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?"
# ∇_a C, \nabla_{a} C, \frac{\partial C}{\partial a}, \frac{dC}{da}, ∂C/∂a
_DERIVATIVES = (
    re.compile(rf"^(?:\\nabla|∇)_\{{?({_NAME})\}}?\s*({_NAME})$"),
    re.compile(rf"^\\frac\{{(?:\\partial|d)\s*({_NAME})\}}\{{(?:\\partial|d)\s*({_NAME})\}}$"),
    re.compile(rf"^(?:\\partial|∂)\s*({_NAME})\s*/\s*(?:\\partial|∂)\s*({_NAME})$"),
)
MAX_TABLE_LINES = 200


def _cells(line: str) -> list[tuple[int, str]]:
    """(offset, text) of each cell of a table row."""
    out, pos = [], 0
    body = line
    if body.lstrip().startswith("|"):
        pos = body.index("|") + 1
    while pos <= len(body):
        end = body.find("|", pos)
        if end < 0:
            end = len(body)
        out.append((pos, body[pos:end]))
        pos = end + 1
        if end == len(body):
            break
    return [c for c in out if c[1].strip() or c[0] < len(body)]


def _header(cells: list[tuple[int, str]]) -> tuple[int, int, str] | None:
    """(column of the quantity, column of its derivative, the variable) from a header row."""
    names = {}
    for k, (_, text) in enumerate(cells):
        m = _MATH.match(text)
        if m and re.fullmatch(_NAME, m.group(1).strip()):
            names[m.group(1).strip()] = k
    for k, (_, text) in enumerate(cells):
        m = _MATH.match(text)
        if not m:
            continue
        inner = m.group(1).strip()
        for n, pattern in enumerate(_DERIVATIVES):
            d = pattern.match(inner)
            if d:
                var, of = (d.group(1), d.group(2)) if n == 0 else (d.group(2), d.group(1))
                if of in names:
                    return names[of], k, var
    return None


def _variable(formula: str, var: str) -> str | None:
    """The spelling of the variable in the row's formula: var itself, or var with a layer label (a^L)."""
    if re.search(r"\\sum|∑|\\prod", formula):
        return None
    label = r"\^(?:\{\(?[A-Za-z0-9]+\)?\}|\([A-Za-z0-9]+\)|[A-Za-z0-9])"
    labelled = re.findall(rf"(?<![A-Za-z\\]){re.escape(var)}{label}(?![_A-Za-z])", formula)
    if labelled and len(set(labelled)) == 1:
        return labelled[0]
    if re.search(rf"(?<![A-Za-z\\]){re.escape(var)}(?![A-Za-z_^])", formula):
        return var
    return None


def derivative_rows(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line index, offset in the line of the derivative's cell, the claim as TeX) for each row of each
    table of the note whose header names a quantity and its derivative."""
    out = []
    n = 0
    while n + 1 < len(lines):
        if "|" in lines[n] and _SEPARATOR.match(lines[n + 1]):
            head = _header(_cells(lines[n]))
            k = n + 2
            while k < len(lines) and "|" in lines[k] and k - n < MAX_TABLE_LINES:
                if head is not None:
                    cells = _cells(lines[k])
                    of_col, d_col, var = head
                    if max(of_col, d_col) < len(cells):
                        f, d = _MATH.match(cells[of_col][1]), _MATH.match(cells[d_col][1])
                        spelled = _variable(f.group(1), var) if f and d else None
                        if spelled is not None:
                            claim = f"\\frac{{\\partial}}{{\\partial {spelled}}}({f.group(1)}) = {d.group(1)}"
                            offset = cells[d_col][0] + cells[d_col][1].index("$")
                            out.append((k, offset, claim))
                k += 1
            n = k
        else:
            n += 1
    return out
