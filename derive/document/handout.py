"""Lecture handouts: an exercise sheet with blanks and a separate answer key, in variants.

Each variant draws its own values from the seed: inputs with one decimal, weights and biases with two
(finer for wide layers), targets that the output can reach, redrawn until no activation saturates, so
that students can work it by hand. The same network, seed and variant number always give the same
values, hence byte-identical files. Every number of an answer key comes from the engine: the variant
is a network of its own (net.with_values) derived like any other.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from ..derivation import numeric
from ..derivation.engine import derive
from ..errors import DeriveError
from ..network.graph import Activate, Affine, Loss, Network, Role, Softmax
from ..rules import ACTIVATIONS, LINEAR, LOSSES, SOFTMAX
from .build import build, givens
from .model import Document, Equation, group_of, trim
from .printing import leibniz
from .writer import Writer

DRAWS = 1000               # attempts at values before giving up
SQUASH_LIMIT = 2.5         # |z| of a sigmoid or tanh unit at most this (σ'(2.5) ≈ 0.07)
RELU_MARGIN = Fraction(1, 20)  # |z| of a ReLU unit at least this (clear of the kink)
SMALLEST_ANSWER = 5e-4     # every asked gradient at least this large
ASKED = 3                  # gradients asked per sheet (all of them for a network this small)
FORWARD_ASKED = 24         # forward-pass values asked per sheet (beyond this, the outputs only)
DEFAULT_RATE = Fraction(1, 2)


@dataclass(frozen=True)
class Variant:
    number: int
    network: Network
    asked: tuple[str, ...]


# --- drawing values ----------------------------------------------------------------------------

def _grid(lo: Fraction, hi: Fraction, step: Fraction, zero: bool = False) -> list[Fraction]:
    n_lo, n_hi = int(lo / step), int(hi / step)
    return [k * step for k in range(n_lo, n_hi + 1) if zero or k != 0]


def _roles(net: Network) -> tuple[dict[str, int], set[str]]:
    """fan-in of every weight (the number of terms of the sum it is in), and the biases."""
    fan_in: dict[str, int] = {}
    biases: set[str] = set()
    for q in net.quantities:
        if isinstance(q.op, Affine):
            for u, v in q.op.terms:
                for name in (u, v):
                    if net[name].role is Role.PARAM:
                        fan_in[name] = max(fan_in.get(name, 0), len(q.op.terms))
            if q.op.bias and net[q.op.bias].role is Role.PARAM:
                biases.add(q.op.bias)
    return fan_in, biases


def _weight_grid(fan_in: int) -> list[Fraction]:
    if fan_in <= 3:
        return _grid(Fraction(-1), Fraction(1), Fraction(1, 20))
    r = max(Fraction(1, 20), Fraction(3, fan_in))
    return _grid(-r, r, Fraction(1, 100))


def _target_grids(net: Network) -> dict[str, list[Fraction]]:
    loss = net[net.loss].op
    grids = {}
    for y, t in (loss.pairs if isinstance(loss, Loss) else ()):
        op = net[y].op
        fn = op.fn if isinstance(op, Activate) else (SOFTMAX.name if isinstance(op, Softmax) else LINEAR.name)
        reach = ACTIVATIONS[fn].target_grid
        if LOSSES[loss.fn].label_targets:
            grids[t] = [Fraction(0), Fraction(1)]
        elif reach is not None:
            grids[t] = _grid(*reach)
        else:
            grids[t] = _grid(Fraction(-1), Fraction(1), Fraction(1, 10), zero=True)
    return grids


def draw(net: Network, rng: random.Random) -> dict[str, Fraction]:
    """One set of values for every input, target and parameter."""
    fan_in, biases = _roles(net)
    targets = _target_grids(net)
    loss = net[net.loss].op
    values: dict[str, Fraction] = {}
    for q in net.leaves:
        if q.role is Role.INPUT:
            values[q.name] = rng.choice(_grid(Fraction(-1), Fraction(1), Fraction(1, 10)))
        elif q.role is Role.TARGET:
            values[q.name] = rng.choice(targets.get(q.name, _grid(Fraction(0), Fraction(1), Fraction(1, 10))))
        elif q.name in biases and q.name not in fan_in:
            values[q.name] = rng.choice(_grid(Fraction(-1, 2), Fraction(1, 2), Fraction(1, 20)))
        else:
            values[q.name] = rng.choice(_weight_grid(fan_in.get(q.name, 1)))
    if isinstance(loss, Loss) and loss.logits:  # softmax with cross-entropy: a one-hot target
        names = [t for _, t in loss.pairs]
        hot = rng.randrange(len(names))
        values.update({t: Fraction(int(i == hot)) for i, t in enumerate(names)})
    return values


def workable(net: Network, asked: tuple[str, ...]) -> bool:
    """No saturated or kinked unit, softmax outputs away from 0 and 1, and answers worth computing."""
    v = numeric.forward(net)
    for q in net.quantities:
        if isinstance(q.op, Activate):
            z = v[q.op.arg]
            rule = ACTIVATIONS[q.op.fn]
            if rule.saturates and abs(z) > SQUASH_LIMIT:
                return False
            if rule.kink and abs(z) < RELU_MARGIN:
                return False
        elif isinstance(q.op, Softmax) and not 0.02 <= v[q.name] <= 0.98:
            return False
    _, grads = numeric.gradients(net)
    return all(abs(grads[p]) >= SMALLEST_ANSWER for p in asked)


def choose_asked(net: Network, rng: random.Random) -> tuple[str, ...]:
    """The gradients a sheet asks for: all of them for a small network; otherwise a weight of the last
    layer, a weight of the first, and a bias."""
    params = [q for q in net.params]
    if len(params) <= ASKED + 2:
        return tuple(q.name for q in params)
    layers = sorted({q.layer for q in params if q.layer is not None})
    weights = [q for q in params if len(q.index) > 1]
    biases = [q for q in params if len(q.index) <= 1]
    picks: list[str] = []
    if layers and weights:
        for layer in (layers[-1], layers[0]):
            pool = [q.name for q in weights if q.layer == layer and q.name not in picks]
            if pool:
                picks.append(rng.choice(pool))
        pool = [q.name for q in biases if q.name not in picks]
        if pool:
            picks.append(rng.choice(pool))
    while len(picks) < ASKED:
        picks.append(rng.choice([q.name for q in params if q.name not in picks]))
    order = [q.name for q in params]
    return tuple(sorted(picks, key=order.index))


def variants(net: Network, count: int, seed: int) -> list[Variant]:
    out: list[Variant] = []
    seen: set[tuple] = set()
    rate = net.learning_rate if net.learning_rate is not None else DEFAULT_RATE
    for k in range(1, count + 1):
        rng = random.Random(f"derive-handout:{net.name}:{seed}:{k}")
        asked = choose_asked(net, rng)
        for _ in range(DRAWS):
            values = draw(net, rng)
            key = tuple(sorted(values.items()))
            candidate = net.with_values(values, rate)
            if key not in seen and workable(candidate, asked):
                seen.add(key)
                out.append(Variant(k, candidate, asked))
                break
        else:
            raise DeriveError(f"could not draw values for {net.name} in which no unit saturates "
                              f"({DRAWS} tries); the network is too deep or too wide for a hand exercise")
    return out


# --- the sheet and the key ---------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    tex: str       # what to compute, as LaTeX
    value: float   # the answer, from the engine


@dataclass(frozen=True)
class Sheet:
    name: str
    kind: str
    layers: list[int]                    # an MLP's layer sizes ([] for other kinds)
    activations: list[str]
    steps: int                           # an RNN's number of steps (0 for other kinds)
    number: int
    count: int
    seed: int
    learning_rate: float
    loss_tex: str
    givens: list[str]
    definitions: list                    # the forward pass and the loss, symbolic (Equation or Omitted)
    forward: list[Question]
    loss: list[Question]
    gradients: list[Question]
    updates: list[Question]
    figure: object


def sheet(v: Variant, count: int, seed: int, allow_large: bool = False) -> tuple[Sheet, Document]:
    d = derive(v.network, allow_large=allow_large)
    w = Writer(d)
    net = v.network
    definitions = trim([(group_of(q), q.tex, Equation(((q.tex,), w.terms(d.definitions[q.name]))))
                        for q in net.quantities if q.op is not None and q.role is not Role.LOSS_TERM])
    computed = [q for q in net.quantities if q.role in (Role.HIDDEN, Role.OUTPUT)]
    if len(computed) > FORWARD_ASKED:  # a large network: ask for its outputs only
        computed = [q for q in computed if q.role is Role.OUTPUT]
    forward = [Question(q.tex, d.values[q.name]) for q in computed]
    doc = build(d, only=set(v.asked))
    grads, updates = [], []
    for p in v.asked:
        g = d.gradients[p]
        grads.append(Question(leibniz(w.p, net.loss, p), g.value))
        section = next(s for s in doc.gradients if s.name == p)
        updates.append(Question(section.update.lhs, g.updated))
    shape = net.shape
    layers = list(shape.get("layers", [])) if net.kind == "mlp" else []
    activations = list(dict.fromkeys(shape.get("activations", []))) if net.kind == "mlp" else []
    s = Sheet(net.name, net.kind, layers, activations, int(shape.get("steps", 0)), v.number, count, seed,
              d.learning_rate, w.tex(net.loss), givens(w),
              definitions, forward, [Question(w.tex(net.loss), d.loss_value)], grads, updates, doc.figure)
    return s, doc
