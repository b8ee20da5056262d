"""What derive knows about each activation and each loss, one record apiece.

Every stage reads these records and nothing else: the builders (which names a spec may use, where),
the numeric passes (f and its slope over a backend), the engine (f and the σ(1−σ)-style slope in the
network's named quantities), the documents (TeX), the figure and the handouts. Adding an activation is
one record here:

    ACTIVATIONS["softplus"] = ActivationRule("softplus", f=..., slope=..., sym=..., sym_slope=..., ...)

A backend is any object with exp, log, tanh, maximum (of a list), positive (1 where z > 0, else 0) and
floating (True when its numbers are machine floats), like FLOAT, batch() and MP of network/evaluate.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import sympy as sp

from .algebra import Relu, Sigmoid, Step, minus, one_minus, plus, times

KINDS = ("mlp", "rnn", "cnn")


@dataclass(frozen=True)
class ActivationRule:
    """One activation.

    An elementwise activation a = f(z):
        f(z, be), slope(z, a, be)   numbers over a backend; the slope written through a where the
                                    teacher's form does so (σ′ = a(1 − a))
        sym(z), sym_slope(a, z)     SymPy, in named quantities: sym_slope(a, z) = a(1 − a) for σ
    Softmax (elementwise=False) acts on a whole layer, p_i = e^{z_i} / Σ_j e^{z_j}:
        f(zs, be) -> [p_i]          slope(p_i, p_j, same) = dp_i/dz_j, same when i = j
        sym(zs, i)                  sym_slope(p_i, p_j, same)
    """

    name: str
    f: Callable
    slope: Callable
    sym: Callable
    sym_slope: Callable
    tex: str                 # the function in a formula: \sigma (a(1) = \sigma(z)); "" for the identity
    figure_tex: str          # its label in the network figure, a label rather than an operator: \mathrm{id}
    # f' in TeX through the output {a} (or the input {z}); {x} is the product sign: " " between scalars,
    # r" \odot " between vectors, "" in the CNN's index formulas
    slope_tex: str | None = None
    # a second form of f' for an {a} that carries its own superscript (the CNN's C^{1}_{g,h,c}), which
    # reads better squared than repeated; None: slope_tex serves there too
    slope_tex_squared: str | None = None
    elementwise: bool = True
    identity: bool = False   # f(z) = z: no slope factor is written in the matrix form
    hidden: bool = True      # may be the activation of a hidden layer (softmax: the output layer only)
    outputs: tuple[str, ...] = KINDS  # the kinds of network whose output layer it may be
    min_units: int = 1       # units it needs in its layer (an RNN's or a CNN's output)
    saturates: bool = False  # flat for large |z|: hand exercises keep |z| small
    kink: bool = False       # no derivative at z = 0: hand exercises keep z away from 0
    target_grid: tuple[Fraction, Fraction, Fraction] | None = None  # (low, high, step) of targets its output reaches

    def slope_latex(self, a: str, z: str, x: str = " ", squared: bool = False) -> str:
        template = self.slope_tex_squared if squared and self.slope_tex_squared else self.slope_tex
        return template.format(a=a, z=z, x=x)


@dataclass(frozen=True)
class LossRule:
    """One loss, a sum of terms over (prediction y, target t) pairs; n is the number of pairs.

        f(y, t, n, be), slope(y, t, n)   one term and its derivative dterm/dy, in numbers
        sym(y, t, n), sym_slope(y, t, n) the same in SymPy, in the order a teacher writes them
    """

    name: str
    f: Callable
    slope: Callable
    sym: Callable
    sym_slope: Callable
    outputs: tuple[str, ...] | None = None  # the output activations it needs (None: any)
    why: str = ""                           # ... and why
    # with this output activation the backward pass starts at the logits: dL/dz_i = p_i - t_i
    logits_with: str | None = None
    logit_slope: Callable | None = None      # (p, t) -> p - t in numbers
    logit_sym_slope: Callable | None = None  # ... and in SymPy
    logit_slope_tex: str = "{p} - {t}"
    target_range: tuple[float, float] | None = None  # example targets are drawn from here (default [0, 1])
    label_targets: bool = False              # hand exercises give 0/1 labels as targets


# --- activations -------------------------------------------------------------------------------------

def _sigmoid(z, be):
    # in machine floats the tanh form cannot overflow (e^{-z} does for z < -709); mpmath has no such limit
    return 0.5 * (1.0 + be.tanh(0.5 * z)) if be.floating else 1 / (1 + be.exp(-z))


def _softmax(zs, be):
    m = be.maximum(zs)
    es = [be.exp(z - m) for z in zs]
    total = sum(es[1:], es[0])
    return [e / total for e in es]


def _softmax_sym(zs, i):
    den = plus(*[sp.exp(z) for z in zs])
    return sp.Mul(sp.exp(zs[i]), sp.Pow(den, -1, evaluate=False), evaluate=False)


SIGMOID = ActivationRule(
    "sigmoid", f=_sigmoid, slope=lambda z, a, be: a * (1 - a),
    sym=Sigmoid, sym_slope=lambda a, z: times(a, one_minus(a)),
    tex=r"\sigma", figure_tex=r"\sigma", slope_tex=r"{a}{x}\left(1 - {a}\right)",
    saturates=True, target_grid=(Fraction(1, 20), Fraction(19, 20), Fraction(1, 20)))

TANH = ActivationRule(
    "tanh", f=lambda z, be: be.tanh(z), slope=lambda z, a, be: 1 - a * a,
    sym=sp.tanh, sym_slope=lambda a, z: one_minus(a ** 2),
    tex=r"\tanh", figure_tex=r"\tanh", slope_tex=r"\left(1 - {a}{x}{a}\right)",
    slope_tex_squared=r"\left(1 - \left({a}\right)^{{2}}\right)",
    outputs=("mlp", "rnn"), saturates=True, target_grid=(Fraction(-9, 10), Fraction(9, 10), Fraction(1, 10)))

RELU = ActivationRule(
    "relu", f=lambda z, be: z * be.positive(z), slope=lambda z, a, be: be.positive(z),  # the step; 0 at z = 0
    sym=Relu, sym_slope=lambda a, z: Step(z),
    tex=r"\operatorname{ReLU}", figure_tex=r"\mathrm{ReLU}", slope_tex=r"\mathbf{{1}}\left[{z} > 0\right]",
    outputs=("mlp",), kink=True)

LINEAR = ActivationRule(
    "linear", f=lambda z, be: z, slope=lambda z, a, be: 1,
    sym=lambda z: z, sym_slope=lambda a, z: sp.Integer(1),
    tex="", figure_tex=r"\mathrm{id}", slope_tex="1", identity=True)

SOFTMAX = ActivationRule(
    "softmax", f=_softmax, slope=lambda p_i, p_j, same: p_i * ((1 if same else 0) - p_j),
    sym=_softmax_sym,
    sym_slope=lambda p_i, p_j, same: times(p_i, one_minus(p_i)) if same else sp.Mul(-1, p_i, p_j, evaluate=False),
    tex=r"\operatorname{softmax}", figure_tex=r"\mathrm{softmax}",
    elementwise=False, hidden=False, min_units=2)

ACTIVATIONS: dict[str, ActivationRule] = {r.name: r for r in (SIGMOID, TANH, RELU, LINEAR, SOFTMAX)}


# --- losses ------------------------------------------------------------------------------------------

def _square(y, t):
    return sp.Pow(minus(y, t), 2, evaluate=False)


HALF_SSE = LossRule(
    "half_sse", f=lambda y, t, n, be: (y - t) ** 2 / 2, slope=lambda y, t, n: y - t,
    sym=lambda y, t, n: times(sp.Rational(1, 2), _square(y, t)), sym_slope=lambda y, t, n: minus(y, t))

SSE = LossRule(
    "sse", f=lambda y, t, n, be: (y - t) ** 2, slope=lambda y, t, n: 2 * (y - t),
    sym=lambda y, t, n: _square(y, t), sym_slope=lambda y, t, n: times(sp.Integer(2), minus(y, t)))

MSE = LossRule(
    "mse", f=lambda y, t, n, be: (y - t) ** 2 / n, slope=lambda y, t, n: 2 * (y - t) / n,
    sym=lambda y, t, n: times(sp.Rational(1, n), _square(y, t)),
    sym_slope=lambda y, t, n: times(sp.Rational(2, n), minus(y, t)))

BCE = LossRule(
    "bce", f=lambda y, t, n, be: -(t * be.log(y) + (1 - t) * be.log(1 - y)),
    slope=lambda y, t, n: (y - t) / (y * (1 - y)),
    sym=lambda y, t, n: sp.Mul(-1, plus(times(t, sp.log(y)), times(one_minus(t), sp.log(one_minus(y)))),
                               evaluate=False),
    sym_slope=lambda y, t, n: times(minus(y, t), sp.Pow(times(y, one_minus(y)), -1, evaluate=False)),
    outputs=("sigmoid",), why="its outputs must lie in (0, 1)", target_range=(0.05, 0.95), label_targets=True)

CROSS_ENTROPY = LossRule(
    "cross_entropy", f=lambda y, t, n, be: -t * be.log(y), slope=lambda y, t, n: -t / y,
    sym=lambda y, t, n: sp.Mul(-1, times(t, sp.log(y)), evaluate=False),
    sym_slope=lambda y, t, n: times(sp.Integer(-1), t, sp.Pow(y, -1, evaluate=False)),
    outputs=("softmax", "sigmoid"),
    logits_with="softmax", logit_slope=lambda p, t: p - t, logit_sym_slope=lambda p, t: minus(p, t))

LOSSES: dict[str, LossRule] = {r.name: r for r in (HALF_SSE, SSE, MSE, BCE, CROSS_ENTROPY)}
