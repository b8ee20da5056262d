"""A note's own LaTeX macros: `\\newcommand{\\vx}{\\mathbf{x}}`, `\\newcommand{\\sig}[1]{\\sigma(#1)}`,
`\\def\\lr{\\eta}`, `\\DeclareMathOperator{\\relu}{ReLU}`, in a .tex preamble or in a Markdown note's math (as
MathJax reads them). Each formula is read with the macros written out; the places of what is read are mapped
back to the note's own text, so line:col and the excerpts in reports are the note's.

Written here rather than taken from a TeX engine: the checker needs the expansion of a handful of user
definitions with positions kept, not typesetting. Expansion is bounded (nesting, size), as notes are
untrusted input."""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

MAX_DEPTH = 8        # macros inside macros, this deep
MAX_GROWTH = 20      # a formula written out is at most this many times as long (plus MAX_EXTRA)
MAX_EXTRA = 2000
MAX_ARGS = 9

_NAME = r"\\([A-Za-z]+)"
_DEFINE = re.compile(r"\\(?:re)?newcommand\*?\s*(?:\{\s*" + _NAME + r"\s*\}|" + _NAME + r")\s*(?:\[(\d)\])?"
                     r"\s*(?:\[([^\]]*)\])?\s*\{")
_DEF = re.compile(r"\\def\s*" + _NAME + r"\s*((?:#\d)*)\s*\{")
_OPERATOR = re.compile(r"\\DeclareMathOperator\*?\s*\{\s*" + _NAME + r"\s*\}\s*\{")
_USE = re.compile(r"\\([A-Za-z]+)")


@dataclass(frozen=True)
class Macro:
    args: int
    body: str
    default: str | None = None  # the first argument's value when it is optional and not given


MAX_DEFINITIONS = 500  # macros read from one note
MAX_BODY = 5000  # characters of one macro's body


def _group(text: str, open_at: int, limit: int | None = None) -> int | None:
    """The index just after the brace group that opens at open_at (text[open_at] == '{'), or None (also when it
    does not close within limit characters)."""
    depth = 0
    for i in range(open_at, len(text) if limit is None else min(len(text), open_at + limit)):
        c = text[i]
        if c == "\\":
            continue
        if c == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif c == "}" and (i == 0 or text[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def find_macros(text: str) -> dict[str, Macro]:
    """The macros a note defines, by name (a later definition of a name wins)."""
    if "\\newcommand" not in text and "\\renewcommand" not in text and "\\def" not in text \
            and "\\DeclareMathOperator" not in text:
        return {}
    out: dict[str, Macro] = {}
    found = [(m, kind) for pattern, kind in ((_DEFINE, "new"), (_DEF, "def"), (_OPERATOR, "op"))
             for m in itertools.islice(pattern.finditer(text), MAX_DEFINITIONS)]
    for m, kind in sorted(found, key=lambda x: x[0].start())[:MAX_DEFINITIONS]:
        end = _group(text, m.end() - 1, MAX_BODY)
        if end is None:
            continue
        body = " ".join(text[m.end(): end - 1].split())  # (a body on several lines stays on one)
        if kind == "new":
            name = m.group(1) or m.group(2)
            args = min(int(m.group(3) or 0), MAX_ARGS)
            out[name] = Macro(args, body, m.group(4))
        elif kind == "def":
            out[m.group(1)] = Macro(min(len(m.group(2)) // 2, MAX_ARGS), body)
        else:
            out[m.group(1)] = Macro(0, r"\operatorname{" + body + "}")
    return out


def _arguments(text: str, at: int, macro: Macro) -> tuple[list[str], int] | None:
    """The macro's arguments written from text[at] on, and where they end."""
    args: list[str] = []
    need = macro.args
    if macro.default is not None and need:
        m = re.compile(r"\s*\[([^\]]*)\]").match(text, at)
        if m:
            args.append(m.group(1))
            at = m.end()
        else:
            args.append(macro.default)
        need -= 1
    for _ in range(need):
        while at < len(text) and text[at] in " \t":
            at += 1
        if at >= len(text):
            return None
        if text[at] == "{":
            end = _group(text, at, MAX_BODY)
            if end is None:
                return None
            args.append(text[at + 1: end - 1])
            at = end
        elif text[at] == "\\":
            m = _USE.match(text, at)
            token = m.group(0) if m else text[at: at + 2]
            args.append(token)
            at += len(token)
        else:
            args.append(text[at])
            at += 1
    return args, at


def _written_out(text: str, macros: dict[str, Macro], depth: int, budget: list[int], spans: list | None = None) -> str:
    """text with its macros written out, those inside them too (to MAX_DEPTH), within the budget of characters
    (OverflowError past it). spans, when given, gets the map back of each macro used at this level: (written-out
    start, end, start, end in text)."""
    out, at, pos = [], 0, 0
    for m in _USE.finditer(text):
        if m.start() < at or m.group(1) not in macros:
            continue
        macro = macros[m.group(1)]
        got = _arguments(text, m.end(), macro)
        if got is None:
            continue
        args, end = got
        body = re.sub(r"#(\d)", lambda k: args[int(k.group(1)) - 1] if 0 < int(k.group(1)) <= len(args) else "",
                      macro.body)
        if depth < MAX_DEPTH:
            body = _written_out(body, macros, depth + 1, budget)
        budget[0] -= len(body)
        if budget[0] < 0:
            raise OverflowError
        body = body if not body[-1:].isalpha() else body + " "  # \vx y: x then y, not xy
        out.append(text[at: m.start()])
        pos += m.start() - at
        if spans is not None:
            spans.append((pos, pos + len(body), m.start(), end))
        out.append(body)
        pos += len(body)
        at = end
    out.append(text[at:])
    return "".join(out)


def expand(text: str, macros: dict[str, Macro]) -> tuple[str, tuple]:
    """The formula with the note's macros written out, and the map back: (written-out start, end, note start,
    end) of each macro used. Unchanged (and no map) when it uses none, or when writing it out grows too much."""
    if not macros or "\\" not in text:
        return text, ()
    spans: list = []
    try:
        written = _written_out(text, macros, 0, [MAX_GROWTH * len(text) + MAX_EXTRA], spans)
    except (OverflowError, RecursionError):
        return text, ()
    return (written, tuple(spans)) if spans else (text, ())


def original(spans: tuple, pos: int) -> int:
    """The place in the note's own formula of a place in the written-out one."""
    if not spans:
        return pos
    k = bisect.bisect_right([s[0] for s in spans], pos) - 1
    if k < 0:
        return pos
    start, end, ostart, oend = spans[k]
    if pos < end:
        return ostart if pos == start else oend
    return oend + (pos - end)
