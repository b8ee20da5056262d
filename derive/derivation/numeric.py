"""Numbers: forward and backward passes over a Network, in floats, numpy batches or mpmath.

One evaluator serves every backend: a backend is a small table of the elementary functions.
Float64 gives the printed numbers; mpmath gives high-precision values for checking notes; numpy
batches evaluate many perturbed copies of the network at once for finite differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Mapping

import mpmath
import numpy as np

from ..network.graph import Activate, Affine, Loss, LossTerm, Network, Pool, Quantity, Softmax, grad_parents


@dataclass(frozen=True)
class Backend:
    name: str
    num: Callable[[Fraction], object]   # a Fraction as a number of this backend
    exp: Callable
    log: Callable
    tanh: Callable
    maximum: Callable                   # maximum of a list
    positive: Callable                  # 1 where x > 0 else 0, as a number of this backend


def _sigmoid_float(z):
    return 0.5 * (1.0 + math.tanh(0.5 * z))


FLOAT = Backend(
    "float", float, math.exp, math.log, math.tanh, max, lambda z: 1.0 if z > 0 else 0.0)

BATCH = Backend(
    "numpy", float, np.exp, np.log, np.tanh, lambda xs: np.maximum.reduce(np.broadcast_arrays(*xs)),
    lambda z: (np.asarray(z) > 0).astype(float))

MP = Backend(
    "mpmath", lambda f: mpmath.mpf(f.numerator) / f.denominator, mpmath.exp, mpmath.log, mpmath.tanh,
    max, lambda z: mpmath.mpf(1) if z > 0 else mpmath.mpf(0))


def sigmoid(z, be: Backend):
    if be is FLOAT:
        return _sigmoid_float(z)
    if be is BATCH:
        return 0.5 * (1.0 + np.tanh(0.5 * z))
    return 1 / (1 + be.exp(-z))


def activate(fn: str, z, be: Backend):
    if fn == "sigmoid":
        return sigmoid(z, be)
    if fn == "tanh":
        return be.tanh(z)
    if fn == "relu":
        return z * be.positive(z)
    if fn == "linear":
        return z
    raise ValueError(f"unknown activation {fn!r}")


def activation_slope(fn: str, z, a, be: Backend):
    """d fn(z) / dz, written through the output a where the teacher's form does so."""
    if fn == "sigmoid":
        return a * (1 - a)
    if fn == "tanh":
        return 1 - a * a
    if fn == "relu":
        return be.positive(z)  # the step; 0 at z = 0
    if fn == "linear":
        return 1
    raise ValueError(f"unknown activation {fn!r}")


def loss_term(fn: str, y, t, n: int, be: Backend):
    if fn == "half_sse":
        return (y - t) ** 2 / 2
    if fn == "sse":
        return (y - t) ** 2
    if fn == "mse":
        return (y - t) ** 2 / n
    if fn == "bce":
        return -(t * be.log(y) + (1 - t) * be.log(1 - y))
    if fn == "cross_entropy":
        return -t * be.log(y)
    raise ValueError(f"unknown loss {fn!r}")


def loss_slope(fn: str, y, t, n: int):
    """d term / d y."""
    if fn == "half_sse":
        return y - t
    if fn == "sse":
        return 2 * (y - t)
    if fn == "mse":
        return 2 * (y - t) / n
    if fn == "bce":
        return (y - t) / (y * (1 - y))
    if fn == "cross_entropy":
        return -t / y
    raise ValueError(f"unknown loss {fn!r}")


def _softmax(zs, be: Backend):
    m = be.maximum(zs)
    es = [be.exp(z - m) for z in zs]
    total = sum(es[1:], es[0])
    return [e / total for e in es]


def evaluate(q: Quantity, v: Mapping[str, object], be: Backend):
    """The value of one quantity from the values of the quantities it reads."""
    op = q.op
    if isinstance(op, Affine):
        acc = v[op.bias] if op.bias else 0
        for u, w in op.terms:
            acc = acc + v[u] * v[w]
        return acc
    if isinstance(op, Activate):
        return activate(op.fn, v[op.arg], be)
    if isinstance(op, Softmax):
        return _softmax([v[a] for a in op.args], be)[op.index]
    if isinstance(op, Pool):
        xs = [v[a] for a in op.args]
        return be.maximum(xs) if op.fn == "max" else sum(xs[1:], xs[0]) / len(xs)
    if isinstance(op, Loss):
        n = op.count or len(op.pairs)
        parts = [loss_term(op.fn, v[y], v[t], n, be) for y, t in op.pairs]
        return sum(parts[1:], parts[0])
    if isinstance(op, LossTerm):
        return loss_term(op.fn, v[op.pred], v[op.target], op.count, be)
    raise TypeError(op)


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
        return activation_slope(op.fn, v[op.arg], v[q.name], be)
    if isinstance(op, Softmax):
        ps = _softmax([v[a] for a in op.args], be)
        j = op.args.index(wrt)
        return ps[op.index] * ((1 if j == op.index else 0) - ps[j])
    if isinstance(op, Pool):
        if op.fn == "avg":
            return be.num(Fraction(1, len(op.args)))
        return 1 if wrt == max_position(op, v) else 0
    if isinstance(op, Loss):
        n = op.count or len(op.pairs)
        if op.logits:  # softmax + cross-entropy: d L / d z_i = p_i - t_i
            i = op.logits.index(wrt)
            p, t = op.pairs[i]
            return v[p] - v[t]
        return sum(loss_slope(op.fn, v[y], v[t], n) for y, t in op.pairs if y == wrt)
    if isinstance(op, LossTerm):
        return loss_slope(op.fn, v[op.pred], v[op.target], op.count)
    raise TypeError(op)


def max_position(op: Pool, v: Mapping[str, object]) -> str:
    """The input of a max-pool that receives the gradient: the largest; at a tie, the first in the
    window's row-major order (the convention of PyTorch's max_pool2d)."""
    best = op.args[0]
    for a in op.args[1:]:
        if v[a] > v[best]:
            best = a
    return best


def leaf_values(net: Network, be: Backend, overrides: Mapping[str, object] | None = None) -> dict:
    vals = {name: be.num(x) for name, x in net.values.items() if name in net}
    if overrides:
        vals.update(overrides)
    missing = [q.name for q in net.leaves if q.name not in vals]
    if missing:
        raise ValueError("no value for " + ", ".join(missing[:5]))
    return vals


def forward(net: Network, be: Backend = FLOAT, overrides: Mapping[str, object] | None = None) -> dict:
    """Every quantity's value."""
    v = leaf_values(net, be, overrides)
    for q in net.quantities:
        if q.op is not None:
            v[q.name] = evaluate(q, v, be)
    return v


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
        v = forward(net, BATCH, overrides=leaves)
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
