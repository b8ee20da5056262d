"""An unrolled RNN's formulas for documents: backpropagation through time in general form, and the
note's own decomposition dL/dθ = Σ_t dL_t/dθ with each term's chain through earlier steps (note 003)."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..derivation.engine import derivative
from ..derivation.numeric import backward, forward
from ..network.graph import Network
from ..rules import ACTIVATIONS, LOSSES


def bptt_formulas(net: Network) -> list[tuple[str, str]]:
    """Backpropagation through time in general form, as (label, LaTeX) pairs: the error at the output,
    the δ recurrence running backwards from t = T (where δ_{h_T} = aᵀ δ_{y_T}), and every shared parameter's
    gradient as a sum of per-step terms. Scalar networks in note 003's names; vector networks in
    matrix form (bold vectors, ⊙ elementwise, ᵀ transpose). With a nonlinear output y_t = f(z_t),
    the output error is δ_{z_t}; with a linear one (note 003) it is δ_{y_t}."""
    s = net.shape
    T, vec, fn, out_fn = s["steps"], s["vector"], s["activation"], s["output_activation"]
    x_sub = "t" if s["first_input"] == 1 else "t-1"  # the input of step t
    v = (lambda name: rf"\boldsymbol{{{name}}}") if vec else (lambda name: name)  # noqa: E731
    tr = r"^{\top}" if vec else ""
    times = r" \odot " if vec else " "
    out = ACTIVATIONS[out_fn]
    e = "y" if out.identity else "z"  # where the output error lives

    def d(q: str, t: str = "t") -> str:
        return rf"\delta_{{{v(q)}_{{{t}}}}}"

    dLdy = rf"\frac{{\partial L_{{t}}}}{{\partial {v('y')}_{{t}}}}"
    if out.identity:
        out_err = dLdy
    elif not out.elementwise:  # softmax
        y = v("y") + "_{t}"
        out_err = rf"\left(\operatorname{{diag}}({y}) - {y} {y}^{{\top}}\right) {dLdy}"
        loss = LOSSES[s["loss"]]
        if loss.logits_with == out_fn:
            shortcut = loss.logit_slope_tex.format(p=y, t=v("g") + "_{t}")
            out_err += rf" = {shortcut} \text{{ (cross-entropy, targets summing to 1)}}"
    else:
        out_err = dLdy + times + out.slope_latex(v("y") + "_{t}", v("z") + "_{t}", times)
    slope = ACTIVATIONS[fn].slope_latex(v("h") + "_{t}", v("o") + "_{t}", times)
    every = rf" \quad (t = 1, \dots, {T})"  # `derive verify` writes these out for each step
    hidden = [("hidden error", rf"{d('h')} = a{tr}\, {d(e)} + W_{{h}}{tr}\, {d('o', 't+1')}"
                               rf" \quad (t = 1, \dots, {T - 1})")] if T > 1 else []
    return [
        ("output error", rf"{d(e)} = {out_err}{every}"),
        *hidden,
        ("last step", rf"{d('h', str(T))} = a{tr}\, {d(e, str(T))}"),
        ("pre-activation error", rf"{d('o')} = {d('h')}{times}{slope}{every}"),
        ("W_i", rf"\frac{{\partial L}}{{\partial W_{{i}}}} = \sum_{{t=1}}^{{{T}}} {d('o')}\, {v('x')}_{{{x_sub}}}{tr}"),
        ("W_h", rf"\frac{{\partial L}}{{\partial W_{{h}}}} = \sum_{{t=1}}^{{{T}}} {d('o')}\, {v('h')}_{{t-1}}{tr}"),
        ("b", rf"\frac{{\partial L}}{{\partial {v('b')}}} = \sum_{{t=1}}^{{{T}}} {d('o')}"),
        ("a", rf"\frac{{\partial L}}{{\partial a}} = \sum_{{t=1}}^{{{T}}} {d(e)}\, {v('h')}_{{t}}{tr}"),
        ("c", rf"\frac{{\partial L}}{{\partial {v('c')}}} = \sum_{{t=1}}^{{{T}}} {d(e)}"),
    ]


@dataclass(frozen=True)
class StepTerm:
    """dL_t/dθ: one step's loss differentiated with respect to one shared parameter, through every
    earlier step it reaches (the factored form in named quantities, and its value)."""

    param: str
    term: str             # the loss term's name: L_2 (L_2_1 for output 1 of a vector network)
    expr: sp.Expr         # factored, in named quantities (print with document.printing.Printers)
    value: float | None


def step_contributions(net: Network, params: list[str] | None = None) -> dict[str, list[StepTerm]]:
    """Every shared parameter's gradient split the way note 003 writes it, dL/dθ = Σ_t dL_t/dθ, with
    each dL_t/dθ a chain through o_t and, via h_{t-1}, through the earlier steps. The terms of one
    parameter add up to its gradient."""
    values = forward(net) if net.has_numbers() else None
    out: dict[str, list[StepTerm]] = {}
    names = params if params is not None else [p.name for p in net.params]
    for term in net.shape["loss_terms"]:
        adj = backward(net, values, of=term) if values is not None else {}
        for p in names:
            value = None if values is None else float(adj.get(p, 0.0))
            out.setdefault(p, []).append(StepTerm(p, term, derivative(net, term, p), value))
    return out


