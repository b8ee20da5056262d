"""The printers of a network's expressions: LaTeX and plain text in the network's own names.

Expressions built for display keep the order a teacher writes them in (unevaluated Add/Mul), so the
printers run with order='none'. Names reach the printers through symbol_names, never by editing
printed strings.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..algebra import delta_symbol, symbol
from ..network.graph import Network


def tex_names(net: Network) -> dict[sp.Symbol, str]:
    names: dict[sp.Symbol, str] = {}
    for q in net.quantities:
        names[symbol(q.name)] = q.tex
        names[delta_symbol(q.name)] = q.delta or rf"\delta_{{{q.tex}}}"
    return names


def text_names(net: Network) -> dict[sp.Symbol, str]:
    names: dict[sp.Symbol, str] = {}
    for q in net.quantities:
        names[symbol(q.name)] = q.name
        names[delta_symbol(q.name)] = "δ_" + q.name
    return names


INNER_TERMS = 4  # a sum inside a product, a fraction or a power: longer ones are written a + b + … + z


class TeacherLatex(LatexPrinter):
    """A sum inside something else (a fraction, a product, parentheses), where no line can break it, is
    written a + b + \\dots + z past INNER_TERMS terms; a sum that is the whole expression is written out in
    full (the documents split those into terms themselves; --json keeps every term)."""

    def __init__(self, names: dict):
        super().__init__({"order": "none", "symbol_names": names, "mul_symbol": None})
        self._whole = None

    def doprint(self, expr):
        self._whole = expr  # the expression asked for: a sum at its top is written out in full
        return super().doprint(expr)

    def _print_Add(self, e, order=None):
        if len(e.args) <= INNER_TERMS or e is self._whole:
            return super()._print_Add(e, order)
        terms = [self._print(t) for t in (*e.args[:2], e.args[-1])]
        out = terms[0]
        for t in terms[1:2] + [r"\dots"] + terms[2:]:
            out += f" - {t[1:].lstrip()}" if t.startswith("-") else f" + {t}"
        return out

    def _print_Mul(self, e):
        # a leading fraction stays in front, as teachers write it: \frac{1}{2} (y - t)^2
        head = e.args[0]
        if head.is_Rational and not head.is_Integer and len(e.args) > 1:
            rest = e.func(*e.args[1:], evaluate=False) if len(e.args) > 2 else e.args[1]
            sign = "- " if head < 0 else ""
            body = self._print(rest)
            if rest.is_Add:
                body = r"\left(%s\right)" % body
            return r"%s\frac{%d}{%d} %s" % (sign, abs(head.p), head.q, body)
        return super()._print_Mul(e)

    def _print_Sigmoid(self, e):
        return r"\sigma\left(%s\right)" % self._print(e.args[0])

    def _print_Relu(self, e):
        return r"\operatorname{ReLU}\left(%s\right)" % self._print(e.args[0])

    def _print_Step(self, e):
        return r"\mathbf{1}\left[%s > 0\right]" % self._print(e.args[0])

    def _print_MaxRoute(self, e):
        return r"\mathbf{1}\left[%s = %s\right]" % (self._print(e.args[0]), self._print(e.args[1]))


class TeacherText(StrPrinter):
    def __init__(self, names: dict):
        super().__init__({"order": "none"})
        self.names = names

    def _print_Symbol(self, e):
        return self.names.get(e, e.name)

    def _print_Pow(self, e, rational=False):
        base, exp = e.args
        if exp == -1:
            return "1/%s" % self.parenthesize(base, PRECEDENCE["Mul"] + 1)
        return "%s^%s" % (self.parenthesize(base, PRECEDENCE["Pow"] + 1), self.parenthesize(exp, PRECEDENCE["Pow"] + 1))

    def _print_Mul(self, e):
        args = list(e.args)
        sign = ""
        if args[0] == -1 and len(args) > 1:
            sign, args = "-", args[1:]
        num = [a for a in args if not (a.is_Pow and a.exp == -1)]
        den = [a.base for a in args if a.is_Pow and a.exp == -1]
        level = PRECEDENCE["Mul"]
        text = "*".join(self.parenthesize(a, level) for a in num) or "1"
        if den:
            below = "*".join(self.parenthesize(a, level, strict=True) for a in den)
            text += "/" + (below if len(den) == 1 and not (den[0].is_Add or den[0].is_Mul) else f"({below})")
        return sign + text

    def _print_Sigmoid(self, e):
        return "σ(%s)" % self._print(e.args[0])

    def _print_Relu(self, e):
        return "relu(%s)" % self._print(e.args[0])

    def _print_Step(self, e):
        return "[%s > 0]" % self._print(e.args[0])

    def _print_MaxRoute(self, e):
        return "[%s = %s]" % (self._print(e.args[0]), self._print(e.args[1]))


class NumberLatex(TeacherLatex):
    """The teacher's printer with every named quantity (and every δ) replaced by its value, products
    written with a dot so that numbers stay apart."""

    def __init__(self, names: dict, plain: dict):
        LatexPrinter.__init__(self, {"order": "none", "symbol_names": names, "mul_symbol": "dot"})
        self.plain = plain
        self._whole = None

    def _arg(self, e):
        return self.plain[e] if e in self.plain else self._print(e)

    def _print_Sigmoid(self, e):
        return r"\sigma\left(%s\right)" % self._arg(e.args[0])

    def _print_Relu(self, e):
        return r"\operatorname{ReLU}\left(%s\right)" % self._arg(e.args[0])

    def _print_tanh(self, e, exp=None):  # a number as argument or exponent needs no parentheses
        head = r"\tanh" if exp is None else r"\tanh^{%s}" % exp
        return r"%s{\left(%s \right)}" % (head, self._arg(e.args[0]))

    def _print_exp(self, e, exp=None):
        return self._do_exponent(r"e^{%s}" % self._arg(e.args[0]), exp)


class Printers:
    """The printers for one network, built once."""

    def __init__(self, net: Network):
        self.latex_names = tex_names(net)
        self._latex = TeacherLatex(self.latex_names)
        self._text = TeacherText(text_names(net))

    def latex(self, e) -> str:
        return self._latex.doprint(e)

    def text(self, e) -> str:
        return self._text.doprint(e)


def leibniz(printers: Printers, of: str, wrt: str) -> str:
    """∂of/∂wrt in LaTeX, in the network's names."""
    names = printers.latex_names
    return r"\frac{\partial %s}{\partial %s}" % (names[symbol(of)], names[symbol(wrt)])
