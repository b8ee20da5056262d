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
from ..document.printing import TeacherLatex, leibniz
from ..document.writer import Writer
from .render import document_files


def _gradient_printer(g: Gradient) -> TeacherLatex:
    """A printer for a Gradient on its own (it does not know its network): names as SymPy writes
    them, each δ as δ with its quantity's name."""
    names = {}
    for s in g.delta_form.free_symbols | (g.compact.free_symbols if g.compact is not None else set()):
        if s.name.startswith("delta__"):
            names[s] = r"\delta_{%s}" % sp.latex(sp.Symbol(s.name[len("delta__"):]))
    return TeacherLatex(names)


def _gradient_latex(g: Gradient) -> str:
    p = _gradient_printer(g)
    lhs = r"\frac{\partial L}{\partial %s}" % sp.latex(symbol(g.param))
    forms = [p.doprint(g.delta_form)] + ([p.doprint(g.compact)] if g.compact is not None else [])
    value = [fmt_tex(g.value)] if g.value is not None else []
    return " = ".join([lhs, *dict.fromkeys(forms), *value])


def markdown(obj) -> str:
    """Markdown for a notebook: the whole document of a Derivation, one line for a Gradient."""
    if isinstance(obj, Gradient):
        return f"$${_gradient_latex(obj)}$$"
    return document_files(build(obj), "md", None)[""].decode()


def latex(obj) -> str:
    """LaTeX for a notebook (one display): a Gradient, or every gradient of a Derivation."""
    if isinstance(obj, Gradient):
        return f"$${_gradient_latex(obj)}$$"
    w = Writer(obj)
    rows = []
    for g in obj.gradients.values():
        lhs = leibniz(w.p, obj.network.loss, g.param)
        value = "" if g.value is None else f" = {fmt_tex(g.value)}"
        rows.append(f"{lhs} &= {w.p.latex(g.delta_form)}{value}")
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"
