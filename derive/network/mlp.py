"""Multilayer perceptrons of any depth and width, built into the Network form with a naming scheme."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from ..errors import SpecError
from ..rules import ACTIVATIONS
from . import validate
from .graph import Activate, Affine, Loss, LossTerm, Network, Quantity, Role, Softmax, check_well_formed

Named = tuple[str, str]  # (name, latex)


def natural_key(name: str) -> list:
    """Sort key that puts w2 before w10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _idx(*ks: int) -> str:
    """Subscript indices: 12 for single digits, 1,12 once any index has two digits."""
    return ("," if any(k > 9 for k in ks) else "").join(str(k) for k in ks)


@dataclass(frozen=True)
class Naming:
    """How quantities are called. l counts layers from 1 (first hidden) to L (output); j, k from 1."""

    input: Callable[[int], Named]
    target: Callable[[int], Named]
    weight: Callable[[int, int, int], Named]   # (l, j, k): from unit k of layer l-1 to unit j of layer l
    bias: Callable[[int, int], Named]          # may return one name for a whole layer (shared bias)
    pre: Callable[[int, int], Named]           # pre-activation
    act: Callable[[int, int], Named]           # activation (the output when l == L)
    delta: Callable[[int, int], str]           # LaTeX of dL/d(pre-activation)
    loss: Named = ("L", "L")
    loss_term: Callable[[int], Named] | None = None


LAYERED = Naming(
    input=lambda k: (f"x{k}", f"x_{{{k}}}"),
    target=lambda j: (f"t{j}", f"t_{{{j}}}"),
    weight=lambda l, j, k: (f"W{l}_{j}_{k}", f"W^{{({l})}}_{{{_idx(j, k)}}}"),
    bias=lambda l, j: (f"b{l}_{j}", f"b^{{({l})}}_{{{j}}}"),
    pre=lambda l, j: (f"z{l}_{j}", f"z^{{({l})}}_{{{j}}}"),
    act=lambda l, j: (f"a{l}_{j}", f"a^{{({l})}}_{{{j}}}"),
    delta=lambda l, j: f"\\delta^{{({l})}}_{{{j}}}",
)


def flat_naming(layers: Sequence[int]) -> Naming:
    """The numbering hand-written notes use: w1, w2, ... unit by unit (h1 = w1 x1 + w2 x2 + b1),
    b1, b2, ... one per unit, hidden units h1, h2, ... across layers, outputs o1, o2, ..."""
    L = len(layers) - 1
    w_start, b_start, h_start = {}, {}, {}
    w = b = h = 0
    for l in range(1, L + 1):
        w_start[l], b_start[l], h_start[l] = w, b, h
        w += layers[l] * layers[l - 1]
        b += layers[l]
        if l < L:
            h += layers[l]

    def unit(l: int, j: int) -> str:
        return f"o{j}" if l == L else f"h{h_start[l] + j}"

    def weight(l, j, k):
        n = w_start[l] + (j - 1) * layers[l - 1] + k
        return f"w{n}", f"w_{{{n}}}"

    def bias(l, j):
        n = b_start[l] + j
        return f"b{n}", f"b_{{{n}}}"

    def tex(u: str) -> str:
        return f"{u[0]}_{{{u[1:]}}}"

    return Naming(
        input=lambda k: (f"x{k}", f"x_{{{k}}}"),
        target=lambda j: (f"t{j}", f"t_{{{j}}}"),
        weight=weight,
        bias=bias,
        pre=lambda l, j: (f"net_{unit(l, j)}", rf"\mathrm{{net}}_{{{unit(l, j)}}}"),
        act=lambda l, j: (unit(l, j), tex(unit(l, j))),
        delta=lambda l, j: f"\\delta_{{{unit(l, j)}}}",
        loss=("E", "E"),
    )


def build_mlp(layers: Sequence[int], activations: Sequence[str], loss: str, naming: Naming = LAYERED,
              name: str = "mlp", description: str = "", note: str = "") -> Network:
    """A fully connected network. activations[l-1] is the activation of layer l (1..L)."""
    if len(layers) < 2:
        raise SpecError("layers", f"need at least an input and an output layer, got {list(layers)}")
    for i, n in enumerate(layers):
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise SpecError("layers", f"layer {i} has size {n!r}; every layer needs at least one unit")
    L = len(layers) - 1
    if len(activations) != L:
        raise SpecError("activation", f"give one activation or one per layer after the input ({L}), "
                        f"got {len(activations)}")
    for l, fn in enumerate(activations, start=1):
        rule = validate.activation("activation", fn, validate.layer_activations("mlp"))
        if not rule.hidden and l != L:
            raise SpecError("activation", f"{fn} is only allowed on the output layer")
    validate.loss(loss)
    validate.loss_and_output(loss, activations[-1], layer_phrase=True)

    qs: list[Quantity] = []
    defined: set[str] = set()

    def add(q: Quantity) -> str:
        if q.name not in defined:
            defined.add(q.name)
            qs.append(q)
        return q.name

    def leaf(named: Named, role: Role, layer: int, index: tuple[int, ...]) -> str:
        return add(Quantity(named[0], role, latex=named[1], layer=layer, index=index))

    inputs = [leaf(naming.input(k), Role.INPUT, 0, (k,)) for k in range(1, layers[0] + 1)]
    targets = [leaf(naming.target(j), Role.TARGET, L, (j,)) for j in range(1, layers[L] + 1)]
    for l in range(1, L + 1):  # parameters layer by layer: weights, then biases, in reading order
        ws = [(naming.weight(l, j, k), (j, k)) for j in range(1, layers[l] + 1) for k in range(1, layers[l - 1] + 1)]
        bs = [(naming.bias(l, j), (j,)) for j in range(1, layers[l] + 1)]
        for named, index in sorted(ws, key=lambda w: natural_key(w[0][0])) + bs:
            leaf(named, Role.PARAM, l, index)

    below = inputs
    for l in range(1, L + 1):
        fn = activations[l - 1]
        pres = []
        for j in range(1, layers[l] + 1):
            terms = tuple((naming.weight(l, j, k)[0], below[k - 1]) for k in range(1, layers[l - 1] + 1))
            n, t = naming.pre(l, j)
            op = Affine(terms, naming.bias(l, j)[0])
            pres.append(add(Quantity(n, Role.HIDDEN, op, t, l, (j,), delta=naming.delta(l, j))))
        role = Role.OUTPUT if l == L else Role.HIDDEN
        acts = []
        for j in range(1, layers[l] + 1):
            op = Activate(fn, pres[j - 1]) if ACTIVATIONS[fn].elementwise else Softmax(tuple(pres), j - 1)
            n, t = naming.act(l, j)
            acts.append(add(Quantity(n, role, op, t, l, (j,))))
        below = acts

    pairs = tuple(zip(below, targets))
    if naming.loss_term is not None:
        for j, (y, t) in enumerate(pairs, start=1):
            n, tx = naming.loss_term(j)
            add(Quantity(n, Role.LOSS_TERM, LossTerm(loss, y, t, len(pairs)), tx, L, (j,)))
    logits = validate.logits(loss, activations[-1], pres)
    loss_name, loss_tex = naming.loss
    add(Quantity(loss_name, Role.LOSS, Loss(loss, pairs, logits), loss_tex))

    description = description or (f"{'-'.join(map(str, layers))} MLP, {', '.join(dict.fromkeys(activations))}, "
                                  f"loss {loss}")
    net = Network(name, "mlp", tuple(qs), loss_name, description=description, note=note,
                  shape={"layers": list(layers), "activations": list(activations), "loss": loss})
    check_well_formed(net)
    return net
