"""The work of `derive examples` and `derive gradients`, whose interfaces are in main.py: imported when one of
them runs (it needs the engine: SymPy, NumPy)."""

from __future__ import annotations

import json
import math
import os
import shutil
import sys

import click

from ..derivation import numeric
from ..derivation.engine import derive
from ..errors import DeriveError
from ..network.cnn import TIE_RULE
from ..network.evaluate import kinks, max_pool_margin
from ..network.examples import EXAMPLES
from ..network.graph import Network
from ..network.sampling import one_hot_targets, sample_values
from ..network.spec import MAX_SPEC_BYTES, learning_rate, load_spec_text, load_target
from ..output.terminal import to_json, to_text
from .common import STDIO, read_stdin

CHECK_TOLERANCE = 1e-6  # |symbolic - finite difference| / max(1, |gradient|) beyond which --check fails ...
FD_STEP = 1e-5  # ... unless finite differences cannot resolve it: their step is h = FD_STEP·max(1, |w|), and
ROUNDING = 8 * sys.float_info.epsilon  # each loss they take is rounded by about eps·(the largest value on the
# way), which (L(w+h) - L(w-h)) / 2h turns into an error of about eps·that/h: 1e-5 at a target of 1,000
CHECK_SEED = 1  # example numbers for --check on a network given without numbers
MAX_LISTED = 8  # names listed in a message about a network's missing values
# lines are wrapped to the terminal's width (or COLUMNS); in a pipe or a file, with no COLUMNS, prose and δ lines
# to TEXT_WIDTH, while each parameter's row of the table stays one line, for grep and awk
TEXT_WIDTH = 80


def examples() -> int:
    """The built-in networks, each in a line of words: the note files they reproduce are the repository's
    (tests/notes/seeds, named in the gallery), not the installed package's."""
    width = max(len(n) for n in EXAMPLES)
    for e in EXAMPLES.values():
        click.echo(f"{e.name.ljust(width)}  {e.summary}")
    return 0


def gradients(target: str, as_json: bool, check: bool, lr: str | None, steps: int | None, allow_large: bool) -> int:
    """Every parameter's gradient as a table or JSON; with check, against finite differences (exit 1 on a
    disagreement); with steps, the loss after each step of gradient descent."""
    net = load(target, allow_large)
    if lr is not None:
        net = net.with_values(net.values, learning_rate(lr, "--lr"))
    unset = [q.name for q in net.leaves if q.name not in net.values]
    more = f" and {len(unset) - MAX_LISTED} more" if len(unset) > MAX_LISTED else ""
    missing = ", ".join(unset[:MAX_LISTED]) + more
    if steps and not net.has_numbers():
        raise DeriveError(f"--steps needs numbers: {net.name} has no value for {missing}")
    if check and not net.has_numbers():  # a symbolic example is still checked: at example numbers
        hot = one_hot_targets(net)  # softmax with cross-entropy: targets one-hot, so that p − t is the gradient
        net = net.with_values(sample_values(net, CHECK_SEED, keep=net.values, one_hot=hot))
        click.echo(f"derive: {net.name} gives no value for {missing}; --check uses example values drawn "
                   f"from seed {CHECK_SEED} (the values in the table are at those)", err=True)
    if steps and net.learning_rate is None:
        raise DeriveError("--steps needs a learning rate: give --lr or values.learning_rate in the spec")
    d = derive(net, allow_large=allow_large)
    fd = numeric.finite_differences(net, FD_STEP) if check else None
    history = numeric.train(net, steps, float(net.learning_rate)) if steps else None
    if as_json:
        click.echo(json.dumps(to_json(d, fd, history), indent=2, sort_keys=False))
    else:
        fits = bool(os.environ.get("COLUMNS")) or click.get_text_stream("stdout").isatty()
        width = shutil.get_terminal_size((TEXT_WIDTH, 24)).columns if fits else TEXT_WIDTH
        click.echo(to_text(d, fd, history, width, wrap_table=fits), nl=False)
    if fd is not None:
        values = numeric.forward(net)
        ratio, name, allowed = check_disagreement(d, fd, values)
        if ratio > 1:
            off = abs(fd[name] - d.gradients[name].value)
            click.echo(f"derive: check failed: at {name} |symbolic - finite difference| = {off:.2e}, more than the "
                       f"{allowed:.2e} allowed ({CHECK_TOLERANCE:g} relative, plus what rounding allows finite "
                       "differences at these values)", err=True)
            if max_pool_margin(net, values) < 1e-4:
                click.echo(f"derive: a max-pooling window (nearly) ties at these values: the loss has a kink there, "
                           f"finite differences straddle it, and the derivative follows the rule: {TIE_RULE}",
                           err=True)
            near = kinks(net, values)
            if near:
                click.echo(f"derive: a ReLU's input is (nearly) 0 at these values ({', '.join(near[:5])}): the loss "
                           "has a kink there, finite differences straddle it, and the derivative takes ReLU'(0) = 0",
                           err=True)
            return 1
    return 0


def check_disagreement(d, fd: dict[str, float], values: dict) -> tuple[float, str, float]:
    """(the largest ratio of |symbolic - finite difference| to what is allowed, the parameter, what is allowed
    there). Allowed: CHECK_TOLERANCE relative to max(1, |gradient|), plus the rounding error of the finite
    differences, ROUNDING·(the largest value in the network)/h, which is what made a target of 1,000 fail."""
    scale = max((abs(float(x)) for x in values.values()), default=1.0)
    worst = (0.0, "", 0.0)
    for name, approx in fd.items():
        exact = d.gradients[name].value
        h = FD_STEP * max(1.0, abs(float(values[name])))
        allowed = CHECK_TOLERANCE * max(1.0, abs(exact)) + ROUNDING * scale / h
        off = abs(approx - exact)
        worst = max(worst, (off / allowed if math.isfinite(off) else math.inf, name, allowed))
    return worst


def load(target: str, allow_large: bool | None = None) -> Network:
    """A built-in example, a spec file, or with "-" a spec read from standard input (named "stdin" unless it
    names itself)."""
    if target == STDIO:
        return load_spec_text(read_stdin(MAX_SPEC_BYTES, "spec"), "stdin", "standard input", allow_large)
    return load_target(target, allow_large)
