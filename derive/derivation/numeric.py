"""Derivatives in numbers: local derivatives, the backward pass, finite differences, training.

The forward pass and its backends (FLOAT, batch(), MP) are network/evaluate.py's; every local derivative
here is evaluated on the same backend, from the slopes of derive.rules.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Mapping

from ..network.evaluate import FLOAT, MP, Backend, batch, forward, leaf_values  # noqa: F401 - the numeric API
from ..network.graph import Activate, Affine, Loss, LossTerm, Network, Pool, Quantity, Softmax, grad_parents
from ..rules import ACTIVATIONS, LOSSES, SOFTMAX


def partial(q: Quantity, wrt: str, v: Mapping[str, object], be: Backend):
    """The local derivative d q / d wrt, with every quantity at its value."""
    op = q.op
    if isinstance(op, Affine):
        d = 1 if op.bias == wrt else 0
        for u, w in op.terms:
            if u == wrt:
                d = d + v[w]
            if w == wrt:
                d = d + v[u]
        return d
    if isinstance(op, Activate):
        return ACTIVATIONS[op.fn].slope(v[op.arg], v[q.name], be)
    if isinstance(op, Softmax):
        ps = SOFTMAX.f([v[a] for a in op.args], be)
        j = op.args.index(wrt)
        return SOFTMAX.slope(ps[op.index], ps[j], j == op.index)
    if isinstance(op, Pool):
        if op.fn == "avg":
            return be.num(Fraction(1, len(op.args)))
        return 1 if wrt == max_position(op, v) else 0
    if isinstance(op, Loss):
        n = op.count or len(op.pairs)
        if op.logits:  # softmax + cross-entropy: d L / d z_i = p_i - t_i
            i = op.logits.index(wrt)
            p, t = op.pairs[i]
            return LOSSES[op.fn].logit_slope(v[p], v[t])
        return sum(LOSSES[op.fn].slope(v[y], v[t], n) for y, t in op.pairs if y == wrt)
    if isinstance(op, LossTerm):
        return LOSSES[op.fn].slope(v[op.pred], v[op.target], op.count)
    raise TypeError(op)


def max_position(op: Pool, v: Mapping[str, object]) -> str:
    """The input of a max-pool that receives the gradient: the largest; at a tie, the first in the
    window's row-major order (the convention of PyTorch's max_pool2d)."""
    best = op.args[0]
    for a in op.args[1:]:
        if v[a] > v[best]:
            best = a
    return best


def backward(net: Network, v: Mapping[str, object], of: str | None = None, be: Backend = FLOAT) -> dict:
    """d(of)/d(x) for every quantity x that `of` depends on (reverse mode over the graph)."""
    of = of or net.loss
    adj: dict[str, object] = {of: 1.0 if be is FLOAT else be.num(Fraction(1))}
    stop = next(i for i, q in enumerate(net.quantities) if q.name == of)
    for q in reversed(net.quantities[: stop + 1]):
        g = adj.get(q.name)
        if g is None or q.op is None:
            continue
        for p in grad_parents(q.op):
            adj[p] = adj.get(p, 0) + g * partial(q, p, v, be)
    return adj


def gradients(net: Network, be: Backend = FLOAT) -> tuple[dict, dict]:
    """(values of all quantities, dL/dparam for every parameter)."""
    v = forward(net, be)
    adj = backward(net, v, be=be)
    zero = 0.0 if be is FLOAT else be.num(Fraction(0))
    return v, {p.name: adj.get(p.name, zero) for p in net.params}


def finite_differences(net: Network, step: float = 1e-5, chunk: int = 256) -> dict[str, float]:
    """Central differences (L(w+h) - L(w-h)) / 2h for every parameter, h = step * max(1, |w|).

    Perturbed copies are evaluated together: each perturbed parameter is a numpy vector with one
    column per copy, every other leaf stays a scalar, and broadcasting does the rest.
    """
    import numpy as np  # only here: the other commands start without it

    base = {name: float(x) for name, x in net.values.items() if name in net}
    names = [p.name for p in net.params]
    out: dict[str, float] = {}
    for start in range(0, len(names), chunk):
        block = names[start : start + chunk]
        width = 2 * len(block)
        leaves = dict(base)
        steps = []
        for i, name in enumerate(block):
            h = step * max(1.0, abs(base[name]))
            col = np.full(width, base[name])
            col[2 * i] += h
            col[2 * i + 1] -= h
            leaves[name] = col
            steps.append(h)
        v = forward(net, batch(), overrides=leaves)
        loss = np.broadcast_to(v[net.loss], (width,))
        for i, name in enumerate(block):
            out[name] = float((loss[2 * i] - loss[2 * i + 1]) / (2 * steps[i]))
    return out


def train(net: Network, steps: int, lr: float) -> list[tuple[float, dict[str, float]]]:
    """Plain gradient descent: after each step, the loss at the new parameters and those parameters."""
    values = dict(net.values)
    history = []
    current = net
    for _ in range(steps):
        _, grads = gradients(current)
        for name, g in grads.items():
            values[name] = Fraction(float(values[name]) - lr * g)
        current = current.with_values(values)
        v = forward(current)
        history.append((float(v[net.loss]), {p.name: float(values[p.name]) for p in net.params}))
    return history
