"""What every export says of a sheet: its title, the network's equations, the student's values, the rule for
a right answer, and the asked values with their tolerance; numbers written out in full (no exponent)."""

from __future__ import annotations

from decimal import Decimal

from ..document.model import Equation
from ..output.render import Rendered


def number(x: float) -> str:
    """x in positional notation with the digits of its shortest round-trip form: 1e-05 as 0.00001."""
    s = format(Decimal(repr(float(x))), "f")
    return "0" if s in ("-0", "0", "-0.0") else s


def title(r: Rendered) -> str:
    p = r.planned
    who = f"student {p.student_id}" if p.student_id else f"variant {p.variant.number}"
    return f"Backpropagation by hand: {r.sheet.name}, {who}"


def identifier(r: Rendered) -> str:
    """A name for the sheet's question that is a valid XML identifier (NCName) and a file name."""
    stem = r.planned.stem
    return stem if stem[:1].isalpha() or stem[:1] == "_" else f"q-{stem}"


def intro(r: Rendered) -> list[str]:
    """The question's text before the answers: paragraphs, with mathematics in \\( \\) and \\[ \\]."""
    s = r.sheet
    equations = [e.latex for e in s.definitions if isinstance(e, Equation)]
    return ([f"{title(r)}. The network computes, from its inputs and parameters:"]
            + [f"\\[ {latex} \\]" for latex in equations]
            + ["Your values:"] + [f"\\[ {g} \\]" for g in s.givens]
            + [f"An answer counts as right when it is within {s.tolerance_percent} % of the exact value "
               "(an exact 0 must be 0). Work with at least six decimals."])


def label(answer: dict) -> str:
    return f"\\( {answer['latex']} \\)"
