"""Deterministic example numbers for a network: every leaf drawn from a fixed seed, with few decimals.

Used by the built-in examples and by spec files that say `seed = N` instead of listing hundreds of
kernel entries. The numbers are short decimals (0.37, -0.12) so that a reader can copy them into a
hand calculation; they are exact Fractions, like numbers written in a spec file.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Iterable, Mapping

from ..rules import LOSSES
from .graph import Loss, Network, Role


def draw(rng: random.Random, low: float, high: float, decimals: int) -> Fraction:
    """A uniform number in [low, high] rounded to `decimals` places, as an exact decimal Fraction."""
    scale = 10 ** decimals
    k = rng.randint(round(low * scale), round(high * scale))
    return Fraction(k, scale)


def sample_values(net: Network, seed: int, decimals: int = 2, keep: Mapping[str, Fraction] | None = None,
                  param_range: tuple[float, float] = (-0.5, 0.5), input_range: tuple[float, float] = (0.0, 1.0),
                  one_hot: Iterable[str] = (), label: int = 0,
                  input_decimals: int | None = None) -> dict[str, Fraction]:
    """A value for every input, target and parameter of `net`, the same for the same seed.

    Leaves in `keep` keep their value (and are not drawn, so other draws do not shift). Targets named in
    `one_hot` form a one-hot vector with a 1 at position `label`; other targets are drawn from
    input_range (or from the loss's own target_range: bce's targets lie strictly inside (0, 1)).
    Inputs get `input_decimals` places (default: `decimals`).
    """
    keep = dict(keep or {})
    rng = random.Random(seed)
    hot = list(one_hot)
    target_range = LOSSES[net[net.loss].op.fn].target_range or input_range
    out: dict[str, Fraction] = {}
    for q in net.leaves:
        if q.name in keep:
            out[q.name] = keep[q.name]
        elif q.name in hot:
            out[q.name] = Fraction(1 if hot.index(q.name) == label else 0)
        elif q.role is Role.PARAM:
            out[q.name] = draw(rng, *param_range, decimals)
        elif q.role is Role.TARGET:
            out[q.name] = draw(rng, *target_range, decimals)
        else:
            out[q.name] = draw(rng, *input_range, decimals if input_decimals is None else input_decimals)
    return out


def one_hot_targets(net: Network) -> list[str]:
    """The targets that drawn values must make one-hot: a softmax with cross-entropy's (p − t is its gradient
    only when t is a distribution); none for other losses."""
    loss = net[net.loss].op
    return [t for _, t in loss.pairs] if isinstance(loss, Loss) and loss.logits else []
