"""Lecture handouts: an exercise sheet with blanks and a separate answer key, in variants.

Each variant draws its own values from the seed: inputs with one decimal, weights and biases with two
(finer for wide layers), no value twice among the inputs or within a layer (with w6 = w7 the classic
mix-up would still give the right answer), targets that the output can reach, redrawn until no
activation saturates, so that students can work it by hand. Every variant asks for parameters of the
same roles: the same layers and the same number of chain-rule paths, hence the same work. The same
network, seed and variant number always give the same values, hence byte-identical files. Every
number of an answer key comes from the engine: the variant is a network of its own (net.with_values)
derived like any other.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from fractions import Fraction

from ..derivation import numeric
from ..derivation.engine import derive
from ..errors import DeriveError
from ..network.graph import Activate, Affine, Loss, Network, Pool, Role, Softmax
from ..rules import ACTIVATIONS, LINEAR, LOSSES, SOFTMAX
from .build import build, givens
from .formatting import decimals_in_use
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
DEFAULT_TOLERANCE = Fraction(1, 1000)  # an answer within this relative error of the exact value is right
LINE_MM = 8                # one handwritten line
MAX_LINES = 28             # the most room a gradient gets: a page
POINTS = {"forward": 1, "loss": 2, "gradient": 4, "update": 1}  # per answer of each part

ACTIVATION_WORDS = {"relu": "ReLU"}  # how the sheet names an activation where its key is not the word

# what a sheet asks students to write for each activation's local derivative (a: the unit's output)
HINTS = {
    "sigmoid": r"\sigma'(z) = a\,(1 - a) \text{ with } a = \sigma(z)",
    "tanh": r"\tanh'(z) = 1 - a^{2} \text{ with } a = \tanh(z)",
    "relu": r"\operatorname{ReLU}'(z) = \mathbf{1}[z > 0] \text{ (1 where } z > 0\text{, else 0)}",
    "linear": r"\text{a linear unit passes } \delta \text{ on unchanged: } f'(z) = 1",
    "softmax": r"\frac{\partial p_i}{\partial z_j} = p_i\,([i = j] - p_j)",
    "softmax-ce": r"\frac{\partial L}{\partial z_i} = p_i - t_i \text{ for softmax with cross-entropy}",
    "max": r"\text{max pooling passes } \delta \text{ to the largest entry of each window, 0 to the others}",
    "avg": r"\text{average pooling of } n \text{ entries passes } \delta / n \text{ to each}",
}


@dataclass(frozen=True)
class Variant:
    number: int
    network: Network
    asked: tuple[str, ...]
    tolerance: Fraction = DEFAULT_TOLERANCE
    variant_seed: int | None = None  # a student's own seed (a roster's sheets); None for numbered variants


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
    used: dict[tuple, set[Fraction]] = {}  # values taken among the inputs, and within each layer
    for q in net.leaves:
        if q.role is Role.INPUT:
            grid = _grid(Fraction(-1), Fraction(1), Fraction(1, 10))
        elif q.role is Role.TARGET:
            values[q.name] = rng.choice(targets.get(q.name, _grid(Fraction(0), Fraction(1), Fraction(1, 10))))
            continue
        elif q.name in biases and q.name not in fan_in:
            grid = _grid(Fraction(-1, 2), Fraction(1, 2), Fraction(1, 20))
        else:
            grid = _weight_grid(fan_in.get(q.name, 1))
        taken = used.setdefault((q.role, q.layer), set())
        free = [x for x in grid if x not in taken]  # no tie where the grid has room (a CNN's layer may not)
        values[q.name] = rng.choice(free or grid)
        taken.add(values[q.name])
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
    # a value near 0 cannot be judged by a relative tolerance (an exact 0, a silent ReLU, can)
    if any(0 < abs(v[q.name]) < SMALLEST_ANSWER for q in net.quantities if q.role in (Role.HIDDEN, Role.OUTPUT)):
        return False
    _, grads = numeric.gradients(net)
    return all(abs(grads[p]) >= SMALLEST_ANSWER for p in asked)


def paths(net: Network) -> dict[str, int]:
    """The number of chain-rule paths from every quantity to the loss: the terms of its gradient."""
    kids = net.children()
    count: dict[str, int] = {}
    for q in reversed(net.quantities):
        count[q.name] = 1 if q.name == net.loss else sum(count[k] for k in kids[q.name])
    return count


def role_classes(net: Network) -> dict[tuple, list[str]]:
    """Parameters that are equally hard to ask for: the same layer, weight or bias, the same number of
    chain-rule paths."""
    count = paths(net)
    classes: dict[tuple, list[str]] = {}
    for q in net.params:
        classes.setdefault((q.layer if q.layer is not None else -1, len(q.index) <= 1, count[q.name]),
                           []).append(q.name)
    return classes


def choose_roles(net: Network, rng: random.Random) -> list[list[str]]:
    """The roles a handout asks for, once for all its variants: every parameter of a small network;
    otherwise a weight of the last layer, a weight of the first, and a bias (roles with several
    parameters first, so that variants can differ in which one they ask)."""
    params = [q.name for q in net.params]
    if len(params) <= ASKED + 2:
        return [[p] for p in params]
    classes = role_classes(net)
    keys = sorted(classes)
    layers = sorted({k[0] for k in keys})
    chosen: list[tuple] = []

    def pick(candidates: list[tuple]) -> None:
        candidates = [k for k in candidates if k not in chosen]
        if candidates:
            most = max(len(classes[k]) for k in candidates)
            chosen.append(rng.choice([k for k in candidates if len(classes[k]) == most]))

    for layer in (layers[-1], layers[0]):
        pick([k for k in keys if k[0] == layer and not k[1]])
    pick([k for k in keys if k[1]])
    while len(chosen) < min(ASKED, len(keys)):
        pick(keys)
    return [classes[k] for k in chosen]


def choose_asked(net: Network, roles: list[list[str]], rng: random.Random) -> tuple[str, ...]:
    """One parameter of each role; in the network's order."""
    order = [q.name for q in net.params]
    return tuple(sorted((rng.choice(r) for r in roles), key=order.index))


def variants(net: Network, count: int, seed: int, tolerance: Fraction = DEFAULT_TOLERANCE) -> list[Variant]:
    """`count` variants; all ask for parameters of the same roles (equally many chain-rule paths)."""
    seen: set[tuple] = set()
    roles = choose_roles(net, random.Random(f"derive-handout:{net.name}:{seed}:roles"))
    return [_drawn(net, roles, random.Random(f"derive-handout:{net.name}:{seed}:{k}"), k, tolerance, seen)
            for k in range(1, count + 1)]


def student_variant(net: Network, seed: int, variant_seed: int, number: int = 1,
                    tolerance: Fraction = DEFAULT_TOLERANCE) -> Variant:
    """A student's variant: the roles asked come from the class's seed (the same work for everyone), the
    values from the student's own variant seed alone, so that no other student's sheet changes it."""
    roles = choose_roles(net, random.Random(f"derive-handout:{net.name}:{seed}:roles"))
    rng = random.Random(f"derive-handout:{net.name}:student:{variant_seed}")
    return replace(_drawn(net, roles, rng, number, tolerance, set()), variant_seed=variant_seed)


def _drawn(net: Network, roles: list[list[str]], rng: random.Random, number: int, tolerance: Fraction,
           seen: set[tuple]) -> Variant:
    """One variant: values drawn until the network is workable by hand and unlike those in `seen`."""
    rate = net.learning_rate if net.learning_rate is not None else DEFAULT_RATE
    asked = choose_asked(net, roles, rng)
    for _ in range(DRAWS):
        values = draw(net, rng)
        key = tuple(sorted(values.items()))
        if key in seen:
            continue
        candidate = net.with_values(values, rate)
        if workable(candidate, asked):
            seen.add(key)
            return Variant(number, candidate, asked, tolerance)
    raise DeriveError(f"could not draw values for {net.name} in which no unit saturates "
                      f"({DRAWS} tries); the network is too deep or too wide for a hand exercise")


# --- the sheet and the key ---------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    tex: str       # what to compute, as LaTeX
    value: float   # the answer, from the engine
    points: int = 1
    lines: int = 1  # handwritten lines the model answer takes (a gradient's chain rule, factors and value)
    part: str = ""  # forward | loss | gradient | update
    name: str = ""  # the quantity (forward, loss) or the parameter (gradient, update) it is about

    @property
    def room_mm(self) -> int:
        return self.lines * LINE_MM


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
    hints: list[str]                     # the local derivative of each activation used, in the form asked for
    tolerance: float                     # relative error an answer may have
    tolerance_tex: str                   # the same, as LaTeX (10^{-3})
    tolerance_percent: str               # and as a percentage ("0.1")
    student_id: str = ""                 # a roster's sheet: the student it is for
    student_name: str = ""

    @property
    def points(self) -> int:
        return sum(q.points for q in self.forward + self.loss + self.gradients + self.updates)


def sheet(v: Variant, count: int, seed: int, allow_large: bool = False, student_id: str = "",
          student_name: str = "") -> tuple[Sheet, Document]:
    d = derive(v.network, allow_large=allow_large)
    w = Writer(d)
    net = v.network
    definitions = trim([(group_of(q), q.tex, Equation(((q.tex,), w.terms(d.definitions[q.name]))))
                        for q in net.quantities if q.op is not None and q.role is not Role.LOSS_TERM])
    computed = [q for q in net.quantities if q.role in (Role.HIDDEN, Role.OUTPUT)]
    if len(computed) > FORWARD_ASKED:  # a large network: ask for its outputs only
        computed = [q for q in computed if q.role is Role.OUTPUT]
    forward = [Question(q.tex, d.values[q.name], POINTS["forward"], 1, "forward", q.name) for q in computed]
    doc = build(d, only=set(v.asked), decimals=decimals_in_use())
    n_paths = paths(net)
    grads, updates = [], []
    for p in v.asked:
        g = d.gradients[p]
        section = next(s for s in doc.gradients if s.name == p)
        # the chain rule (a line per path; one δ line where the key uses the δ form), each local
        # derivative, the values put in, the result; at most a page
        chain = n_paths[p] if section.detailed else 1
        lines = min(chain + len(section.factors) + 2, MAX_LINES)
        grads.append(Question(leibniz(w.p, net.loss, p), g.value, POINTS["gradient"], lines, "gradient", p))
        updates.append(Question(section.update.lhs, g.updated, POINTS["update"], 1, "update", p))
    shape = net.shape
    layers = list(shape.get("layers", [])) if net.kind == "mlp" else []
    activations = ([ACTIVATION_WORDS.get(a, a) for a in dict.fromkeys(shape.get("activations", []))]
                   if net.kind == "mlp" else [])
    s = Sheet(net.name, net.kind, layers, activations, int(shape.get("steps", 0)), v.number, count, seed,
              d.learning_rate, w.tex(net.loss), givens(w),
              definitions, forward, [Question(w.tex(net.loss), d.loss_value, POINTS["loss"], 1, "loss", net.loss)],
              grads, updates,
              doc.figure, hints(net), float(v.tolerance), _power_tex(v.tolerance),
              f"{float(v.tolerance * 100):g}", student_id, student_name)
    return s, doc


def hints(net: Network) -> list[str]:
    """The form asked for each local derivative, for the activations this network uses and no other."""
    used: list[str] = []
    loss = net[net.loss].op
    for q in net.quantities:
        if isinstance(q.op, Activate):
            used.append(q.op.fn)
        elif isinstance(q.op, Pool):
            used.append(q.op.fn)
        elif isinstance(q.op, Softmax):
            used.append("softmax-ce" if isinstance(loss, Loss) and loss.logits else SOFTMAX.name)
    return [HINTS[name] for name in dict.fromkeys(used)]


def _power_tex(x: Fraction) -> str:
    """1/1000 as 10^{-3}; any other tolerance as its decimal."""
    k, y = 0, x
    while y.numerator == 1 and y.denominator % 10 == 0:
        y, k = y * 10, k + 1
    return f"10^{{-{k}}}" if y == 1 and k else f"{float(x):g}"
