"""SymPy symbols for a network's quantities, the few functions teachers write, and the printers.

Expressions built for display keep the order a teacher writes them in (unevaluated Add/Mul), so the
printers run with order='none'. Names reach the printers through symbol_names, never by editing
printed strings.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from .network import Network


class Sigmoid(sp.Function):
    """σ(z) = 1 / (1 + e^(-z))."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = Sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_evalf(self, prec):
        z = self.args[0]._eval_evalf(prec)
        if z is None:
            return None
        return (1 / (1 + sp.exp(-z)))._eval_evalf(prec)


class Step(sp.Function):
    """The slope of ReLU: 1 where z > 0, else 0 (0 at z = 0 by convention)."""

    nargs = 1


class Relu(sp.Function):
    nargs = 1


class MaxRoute(sp.Function):
    """1 when x is the input a max-pool passes on (its maximum; the first one at a tie), else 0."""

    nargs = 2


@lru_cache(maxsize=None)
def symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name)


@lru_cache(maxsize=None)
def delta_symbol(name: str) -> sp.Symbol:
    return sp.Symbol("delta__" + name)


def plus(*terms) -> sp.Expr:
    """A sum in the order given (0 terms dropped)."""
    terms = [t for t in terms if t != 0]
    if not terms:
        return sp.Integer(0)
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


def times(*factors) -> sp.Expr:
    """A product in the order given: factors equal to 1 dropped, nested products flattened."""
    flat: list = []
    for f in factors:
        if f == 1:
            continue
        if f == 0:
            return sp.Integer(0)
        if isinstance(f, sp.Mul) and not f.args[0].is_Number:
            flat.extend(f.args)
        else:
            flat.append(f)
    if not flat:
        return sp.Integer(1)
    return flat[0] if len(flat) == 1 else sp.Mul(*flat, evaluate=False)


def minus(a, b) -> sp.Expr:
    return sp.Add(a, sp.Mul(-1, b, evaluate=False) if not b.is_Symbol else -b, evaluate=False)


def one_minus(a) -> sp.Expr:
    return sp.Add(1, -a, evaluate=False)


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


class TeacherLatex(LatexPrinter):
    def __init__(self, names: dict):
        super().__init__({"order": "none", "symbol_names": names, "mul_symbol": None})

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
