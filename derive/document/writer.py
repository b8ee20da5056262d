"""The printers of one derivation: its expressions in the network's names, and the same with numbers."""

from __future__ import annotations

import sympy as sp

from ..algebra import delta_symbol, symbol
from ..derivation.engine import Derivation, Factor
from .formatting import fmt_tex
from .model import INNER_LIMIT, PIECE_WIDTH, TERM_LIMIT, Equation, Part, visible_length
from .printing import NumberLatex, Printers


def num(x: float) -> str:
    """A number for use inside a product or sum: negative numbers in parentheses (plain ones, which
    MathML sets as tightly as the number: a stretchy pair around a number is spaced as around a block)."""
    s = fmt_tex(x)
    return s if x >= 0 else "(%s)" % s


class Writer:
    """Printers for one derivation: symbolic names, and the same expressions with numbers."""

    def __init__(self, d: Derivation):
        self.d = d
        self.net = d.network
        self.p = Printers(d.network)
        self.numbers = None
        if d.values is not None:
            values = dict(d.values)
            names, plain = {}, {}
            for n, v in values.items():
                names[symbol(n)], plain[symbol(n)] = num(v), fmt_tex(v)
            for n, s in d.signals.items():
                if s.value is not None:
                    names[delta_symbol(n)], plain[delta_symbol(n)] = num(s.value), fmt_tex(s.value)
            self.numbers = NumberLatex(names, plain)

    def tex(self, name: str) -> str:
        return self.p.latex_names[symbol(name)]

    def terms(self, e: sp.Expr) -> Part:
        if not isinstance(e, sp.Add):
            return (self.p.latex(e),)
        if len(e.args) > TERM_LIMIT:
            return (self.p.latex(e.args[0]), self.p.latex(e.args[1]), r"\dots", self.p.latex(e.args[-1]))
        return tuple(self.p.latex(a) for a in e.args)

    def number_terms(self, e: sp.Expr) -> Part | None:
        """e with numbers, unless that says nothing more than the value (a bare name or number, or a
        sum too long to write out)."""
        if self.numbers is None or e.is_Symbol or e.is_Number:
            return None
        inner = e.args if isinstance(e, sp.Add) else (e,)
        if any(len(a.args) > INNER_LIMIT for x in inner for a in sp.preorder_traversal(x) if isinstance(a, sp.Add)):
            return None  # a long sum inside parentheses: with numbers, no line could hold it
        if isinstance(e, sp.Add):
            if len(e.args) > TERM_LIMIT:
                return None
            return tuple(self.numbers.doprint(a) for a in e.args)
        single = self.numbers.doprint(e)
        return None if visible_length(single) > PIECE_WIDTH else (single,)  # one term: no line could break it

    def chain(self, lhs: str, e: sp.Expr, value: float | None, *, numbers: Part | None = None,
              extra: tuple[Part, ...] = ()) -> Equation:
        """lhs = [extra] = e = e with numbers = value."""
        parts: list[Part] = [(lhs,), *extra, self.terms(e)]
        nums = numbers if numbers is not None else self.number_terms(e)
        if nums is not None:
            parts.append(nums)
        if value is not None and not e.is_Number:
            v = (fmt_tex(value),)
            if parts[-1] != v:
                parts.append(v)
        return Equation(tuple(parts))

    def partial(self, of: str, wrt: str) -> Factor:
        return self.d.factor(of, wrt)
