"""A network's values: the forward pass in floats, numpy batches or mpmath.

One evaluator serves every backend: a backend is a small table of the elementary functions.
Float64 gives the printed numbers; mpmath gives high-precision values for checking notes; numpy
batches evaluate many perturbed copies of the network at once for finite differences. What each
activation and loss computes comes from derive.rules; derivatives are derivation/numeric.py's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Callable, Mapping

import mpmath

from ..errors import DeriveError
from ..rules import ACTIVATIONS, LOSSES, SOFTMAX
from .graph import Activate, Affine, Loss, LossTerm, Network, Pool, Quantity, Softmax


@dataclass(frozen=True)
class Backend:
    name: str
    num: Callable[[Fraction], object]   # a Fraction as a number of this backend
    exp: Callable
    log: Callable
    tanh: Callable
    maximum: Callable                   # maximum of a list
    positive: Callable                  # 1 where x > 0 else 0, as a number of this backend
    floating: bool = True               # numbers are machine floats (they can overflow)


FLOAT = Backend(
    "float", float, math.exp, math.log, math.tanh, max, lambda z: 1.0 if z > 0 else 0.0)

@lru_cache(maxsize=1)
def batch() -> Backend:
    """The numpy backend (finite differences over many perturbed copies at once), built when first asked
    for: NumPy is loaded only by the commands that need it (`derive gradients` without --check does not)."""
    import numpy as np

    return Backend("numpy", float, np.exp, np.log, np.tanh, lambda xs: np.maximum.reduce(np.broadcast_arrays(*xs)),
                   lambda z: (np.asarray(z) > 0).astype(float))

MP = Backend(
    "mpmath", lambda f: mpmath.mpf(f.numerator) / f.denominator, mpmath.exp, mpmath.log, mpmath.tanh,
    max, lambda z: mpmath.mpf(1) if z > 0 else mpmath.mpf(0), floating=False)


def log_softmax(op: Softmax, v: Mapping[str, object], be: Backend):
    """log of softmax(args)[index], as z_i - max - log Σ exp(z - max): finite where the probability itself
    rounds to 0 (logits 1000 apart), so that a cross-entropy -t log p is finite there too."""
    zs = [v[a] for a in op.args]
    m = be.maximum(zs)
    es = [be.exp(z - m) for z in zs]
    return zs[op.index] - m - be.log(sum(es[1:], es[0]))


def _loss_term(fn: str, y: str, t: str, n: int, v: Mapping[str, object], be: Backend, net: Network | None):
    """One term of a loss; a cross-entropy of a softmax output from its logits (log-sum-exp)."""
    source = net[y].op if net is not None and fn == "cross_entropy" and y in net else None
    if isinstance(source, Softmax):
        return -v[t] * log_softmax(source, v, be)
    return LOSSES[fn].f(v[y], v[t], n, be)


def evaluate(q: Quantity, v: Mapping[str, object], be: Backend, net: Network | None = None):
    """The value of one quantity from the values of the quantities it reads (and, given the network, a
    cross-entropy of a softmax from the softmax's logits)."""
    op = q.op
    if isinstance(op, Affine):
        acc = v[op.bias] if op.bias else 0
        for u, w in op.terms:
            acc = acc + v[u] * v[w]
        return acc
    if isinstance(op, Activate):
        return ACTIVATIONS[op.fn].f(v[op.arg], be)
    if isinstance(op, Softmax):
        return SOFTMAX.f([v[a] for a in op.args], be)[op.index]
    if isinstance(op, Pool):
        xs = [v[a] for a in op.args]
        return be.maximum(xs) if op.fn == "max" else sum(xs[1:], xs[0]) / len(xs)
    if isinstance(op, Loss):
        n = op.count or len(op.pairs)
        parts = [_loss_term(op.fn, y, t, n, v, be, net) for y, t in op.pairs]
        return sum(parts[1:], parts[0])
    if isinstance(op, LossTerm):
        return _loss_term(op.fn, op.pred, op.target, op.count, v, be, net)
    raise TypeError(op)


def leaf_values(net: Network, be: Backend, overrides: Mapping[str, object] | None = None) -> dict:
    vals = {name: be.num(x) for name, x in net.values.items() if name in net}
    if overrides:
        vals.update(overrides)
    missing = [q.name for q in net.leaves if q.name not in vals]
    if missing:
        raise ValueError("no value for " + ", ".join(missing[:5]))
    return vals


def forward(net: Network, be: Backend = FLOAT, overrides: Mapping[str, object] | None = None) -> dict:
    """Every quantity's value. In floats, a value that is not a finite float (an overflow, a logarithm
    of 0) is a DeriveError naming the quantity, not an exception from the depths of math."""
    if be is FLOAT:
        return _forward_floats(net, overrides)
    v = leaf_values(net, be, overrides)
    for q in net.quantities:
        if q.op is not None:
            v[q.name] = evaluate(q, v, be, net)
    return v


FLOAT_FAILURES = {OverflowError: "it is too large for a float", ZeroDivisionError: "it divides by 0",
                  ValueError: "it takes the logarithm of 0 or less"}


def _forward_floats(net: Network, overrides: Mapping[str, object] | None) -> dict:
    try:
        v = leaf_values(net, FLOAT, overrides)
    except OverflowError:
        big = next(n for n, x in net.values.items() if n in net and abs(x) > 10 ** 300)
        raise DeriveError(f"the value of {big} is too large to compute with in floats") from None
    for q in net.quantities:
        if q.op is None:
            continue
        try:
            x = evaluate(q, v, FLOAT, net)
        except (OverflowError, ZeroDivisionError, ValueError) as e:
            why = next(text for kind, text in FLOAT_FAILURES.items() if isinstance(e, kind))
            raise DeriveError(f"at these values {q.name} cannot be computed in floats: {why}; use smaller "
                              "numbers") from None
        if not math.isfinite(x):
            raise DeriveError(f"at these values {q.name} is {x} in floats (too large); use smaller numbers")
        v[q.name] = x
    return v


def max_pool_margin(net: Network, values: dict | None = None) -> float:
    """The smallest gap, over every max-pooling window, between its largest and second-largest input
    (inf without max pooling). Where it is 0 the tie rule decides; where it is tiny, finite differences
    straddle the kink and disagree with any derivative."""
    v = values if values is not None else forward(net)
    gaps = [float("inf")]
    for q in net.quantities:
        if isinstance(q.op, Pool) and q.op.fn == "max":
            xs = sorted((float(v[a]) for a in q.op.args), reverse=True)
            gaps.append(xs[0] - xs[1] if len(xs) > 1 else float("inf"))
    return min(gaps)


def kinks(net: Network, values: Mapping[str, object], margin: float = 1e-4) -> list[str]:
    """The inputs of activations with a kink at 0 (ReLU) that lie within `margin` of it at these values."""
    return [q.op.arg for q in net.quantities
            if isinstance(q.op, Activate) and ACTIVATIONS[q.op.fn].kink and abs(float(values[q.op.arg])) < margin]
