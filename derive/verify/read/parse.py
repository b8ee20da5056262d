"""Formulas to parse trees, with the line and column of every failure."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from lark import Lark, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .macros import original
from .segment import SYNTHESIZED, Formula, Note


@dataclass(frozen=True)
class ParseFailure:
    line: int
    col: int
    message: str
    caret: str  # the formula's source line with a ^ under the problem


@lru_cache(maxsize=1)
def parser() -> Lark:
    grammar = resources.files("derive.verify.read").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False)


def parse(note: Note, f: Formula) -> Tree | ParseFailure:
    try:
        return parser().parse(f.text)
    except UnexpectedInput as e:
        return _failure(note, f, e)


def _failure(note: Note, f: Formula, e: UnexpectedInput) -> ParseFailure:
    pos = getattr(e, "pos_in_stream", None)
    if pos is None or pos < 0:
        pos = len(f.text.rstrip())
    if isinstance(e, UnexpectedCharacters):
        what = f"unexpected {f.text[pos:pos + 1]!r}"
    elif isinstance(e, UnexpectedEOF):
        what = "the formula ends too early"
    elif isinstance(e, UnexpectedToken):
        tok = e.token
        what = "the formula ends too early" if tok.type == "$END" else f"unexpected {str(tok)!r}"
    else:
        what = "cannot read this"
    if f.kind in SYNTHESIZED:
        line, col = f.line, f.col
    else:
        line, col = note.where(f.start + original(f.origin, min(pos, len(f.text))))
    source = note.line_text(line)
    return ParseFailure(line, col, what, source + "\n" + " " * (col - 1) + "^")
