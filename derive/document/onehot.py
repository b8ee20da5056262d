"""A cross-entropy with a one-hot target, as a lecture writes it: of the sum over the classes only the
term of the true class is left (the target is class 3, so L = −log o_3), and ∂ℓ/∂z = p − t is derived
from ℓ = −log p_3."""

from __future__ import annotations

import os

from ..network.graph import Loss
from .model import OneHot
from .writer import Writer

ONE_HOT_BOX = (  # softmax_ce when the target is class {c}: from ℓ = −log p_c, as a lecture derives it
    (r"p_{{j}}", r"\frac{{e^{{z_{{j}}}}}}{{\sum_{{i}} e^{{z_{{i}}}}}}"),
    (r"\ell", r"-\log\left(p_{{{c}}}\right)", r"-z_{{{c}}} + \log \sum_{{i}} e^{{z_{{i}}}}"),
    (r"\frac{{\partial \ell}}{{\partial z_{{k}}}}",
     r"-\mathbf{{1}}[k = {c}] + \frac{{e^{{z_{{k}}}}}}{{\sum_{{i}} e^{{z_{{i}}}}}}", r"p_{{k}} - t_{{k}}"),
)


def indexed(texs: list[str]) -> tuple[str, str, list[str]] | None:
    """Names printed alike but for one number (t_{0}, …, t_{9}): what comes before and after it, and
    each number as printed; None when they differ otherwise."""
    if len(texs) < 2:
        return None
    before = os.path.commonprefix(texs).rstrip("0123456789")
    after = os.path.commonprefix([t[::-1] for t in texs])[::-1].lstrip("0123456789")
    numbers = [t[len(before):len(t) - len(after)] for t in texs]
    if not all(n.isdigit() for n in numbers) or any(len(before) + len(after) >= len(t) for t in texs):
        return None
    return before, after, numbers


def one_hot(w: Writer) -> tuple[OneHot, str, str] | None:
    """A cross-entropy whose targets are known and one-hot, over outputs and targets numbered alike
    (o_{0} … o_{9}, t_{0} … t_{9}): the true class, the loss as one indexed sum, and the prediction
    of the true class. None otherwise (a distribution as target, targets not given, other names)."""
    net = w.net
    op = net[net.loss].op
    if not isinstance(op, Loss) or op.fn != "cross_entropy" or w.d.values is None:
        return None
    targets = [net.values.get(t) for _, t in op.pairs]
    if any(v is None or v not in (0, 1) for v in targets) or sum(targets) != 1:
        return None
    preds, truths = indexed([w.tex(y) for y, _ in op.pairs]), indexed([w.tex(t) for _, t in op.pairs])
    if preds is None or truths is None or preds[2] != truths[2]:
        return None
    numbers = [int(n) for n in preds[2]]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return None
    k = "k"
    general = (rf"-\sum_{{{k}={numbers[0]}}}^{{{numbers[-1]}}} {truths[0]}{k}{truths[1]} "
               rf"\log\left({preds[0]}{k}{preds[1]}\right)")
    true = targets.index(1)
    return OneHot(preds[2][true], w.tex(op.pairs[true][1]), len(op.pairs)), general, op.pairs[true][0]
