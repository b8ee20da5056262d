"""Notebook display of a Derivation or a Gradient (Jupyter's _repr_markdown_ and _repr_latex_).

The engine's classes carry no display of their own; the package root (derive/__init__.py) sets these
functions as their methods, so that the engine never imports the stages that render it.
"""

from __future__ import annotations

import sympy as sp

from ..algebra import symbol
from ..derivation.engine import Gradient
from ..document.build import build
from ..document.formatting import fmt_tex
from ..document.printing import Printers, TeacherLatex, leibniz
from ..document.writer import Writer
from .render import document_files


def _gradient_latex(g: Gradient) -> str:
    """∂loss/∂param = the δ form = the factored form = the value, in the network's names as the document
    writes them (a Gradient made without its network: ∂L and the names as SymPy writes them)."""
    if g.network is not None:
        p = Printers(g.network)
        lhs, tex = leibniz(p, g.network.loss, g.param), p.latex
    else:
        lhs, tex = r"\frac{\partial L}{\partial %s}" % sp.latex(symbol(g.param)), _bare_printer(g).doprint
    forms = [tex(g.delta_form)] + ([tex(g.compact)] if g.compact is not None else [])
    value = [fmt_tex(g.value)] if g.value is not None else []
    return " = ".join([lhs, *dict.fromkeys(forms), *value])


def _bare_printer(g: Gradient) -> TeacherLatex:
    """A printer for a Gradient without its network: each δ as δ with its quantity's name."""
    names = {}
    for s in g.delta_form.free_symbols | (g.compact.free_symbols if g.compact is not None else set()):
        if s.name.startswith("delta__"):
            names[s] = r"\delta_{%s}" % sp.latex(sp.Symbol(s.name[len("delta__"):]))
    return TeacherLatex(names)


SHOWN = 24  # gradients a notebook display lists before it says how many more there are ...
BUDGET = 6000  # ... and characters of LaTeX it lets them take (a CNN's δ sums are long)


def markdown(obj) -> str:
    """Markdown for a notebook: for a Derivation a summary (the network, its loss, every gradient in
    the δ form with its value), the whole document being derive.document(d); one line for a Gradient."""
    if isinstance(obj, Gradient):
        return f"$${_gradient_latex(obj)}$$"
    net = obj.network
    loss = "" if obj.loss_value is None else f" = {fmt_tex(obj.loss_value)}"
    name = Writer(obj).p.latex(symbol(net.loss))
    head = f"**{net.name}**: {len(obj.gradients)} parameters; the loss ${name}{loss}$."
    rows = _rows(obj)
    more = len(obj.gradients) - len(rows)
    tail = f"\n\n… and {more} more gradients." if more > 0 else ""
    return f"{head}\n\n{_aligned(rows)}{tail}\n\nThe whole derivation: `derive.document(d)`."


def latex(obj) -> str:
    """LaTeX for a notebook (one display): a Gradient, or the gradients of a Derivation (the first SHOWN)."""
    if isinstance(obj, Gradient):
        return f"$${_gradient_latex(obj)}$$"
    return _aligned(_rows(obj))


def _rows(obj) -> list[str]:
    """The first gradients of a Derivation as rows of an aligned display, within SHOWN and BUDGET."""
    w = Writer(obj)
    rows: list[str] = []
    for g in list(obj.gradients.values())[:SHOWN]:
        lhs = leibniz(w.p, obj.network.loss, g.param)
        value = "" if g.value is None else f" = {fmt_tex(g.value)}"
        row = f"{lhs} &= {w.p.latex(g.delta_form)}{value}"
        if rows and sum(map(len, rows)) + len(row) > BUDGET:
            break
        rows.append(row)
    return rows


def _aligned(rows: list[str]) -> str:
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"
