"""The `derive` command. The only module that touches argv, files, the terminal and exit codes.

Exit status: 0 all is well; 1 something is wrong (a wrong line in a note, a failed check);
2 bad input or usage (one line naming the problem, never a traceback).
"""

from __future__ import annotations

import json
import math
import sys

import click

from .. import __version__
from ..derivation import numeric
from ..derivation.engine import derive
from ..errors import DeriveError, printable
from ..network.cnn import TIE_RULE
from ..network.evaluate import kinks, max_pool_margin
from ..network.examples import EXAMPLES
from ..network.graph import Loss
from ..network.sampling import sample_values
from ..network.spec import learning_rate, load_target
from ..output.ascii import ascii_fallback
from ..output.terminal import to_json, to_text
from .docs import build_gallery, doc, handout
from .verify import verify

CHECK_TOLERANCE = 1e-6  # |symbolic - finite difference| / max(1, |gradient|) beyond which --check fails ...
FD_STEP = 1e-5  # ... unless finite differences cannot resolve it: their step is h = FD_STEP·max(1, |w|), and
ROUNDING = 8 * sys.float_info.epsilon  # each loss they take is rounded by about eps·(the largest value on the
# way), which (L(w+h) - L(w-h)) / 2h turns into an error of about eps·that/h: 1e-5 at a target of 1,000
CHECK_SEED = 1  # example numbers for --check on a network given without numbers
MAX_LISTED = 8  # names listed in a message about a network's missing values


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="derive")
def cli() -> None:
    """Backpropagation by hand, done right: exact gradients written the way a teacher writes them,
    documents and handouts, and a checker for hand-written notes."""


@cli.command()
def examples() -> int:
    """List the built-in networks and the note each reproduces."""
    width = max(len(n) for n in EXAMPLES)
    for e in EXAMPLES.values():
        click.echo(f"{e.name.ljust(width)}  {e.summary}  [note {e.note}]")
    return 0


@cli.command()
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--check", is_flag=True, help="Compare every gradient with central finite differences.")
@click.option("--lr", "lr", metavar="ETA", help="Learning rate for the update (overrides the target's).")
@click.option("--steps", type=click.IntRange(min=1),
              help="Also run K steps of gradient descent; show the loss after each.")
@click.option("--allow-large", is_flag=True, help="Derive networks above the size limit anyway.")
def gradients(target: str, as_json: bool, check: bool, lr: str | None, steps: int | None, allow_large: bool) -> int:
    """Every parameter's gradient. TARGET is a built-in example name or a spec file (TOML)."""
    net = load_target(target, allow_large)
    if lr is not None:
        net = net.with_values(net.values, learning_rate(lr, "--lr"))
    unset = [q.name for q in net.leaves if q.name not in net.values]
    more = f" and {len(unset) - MAX_LISTED} more" if len(unset) > MAX_LISTED else ""
    missing = ", ".join(unset[:MAX_LISTED]) + more
    if steps and not net.has_numbers():
        raise DeriveError(f"--steps needs numbers: {net.name} has no value for {missing}")
    if check and not net.has_numbers():  # a symbolic example is still checked: at example numbers
        loss = net[net.loss].op  # softmax with cross-entropy: targets one-hot, so that p − t is the gradient
        hot = [t for _, t in loss.pairs if t not in net.values] if isinstance(loss, Loss) and loss.logits else []
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
        click.echo(to_text(d, fd, history), nl=False)
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


for command in (doc, handout, build_gallery, verify):
    cli.add_command(command)


RECURSION_LIMIT = 6000  # deep graphs (an RNN over hundreds of steps) recurse once per quantity


def main(argv: list[str] | None = None) -> int:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    ascii_fallback()  # a console that cannot write δ gets d, never an encoding error
    try:
        rv = cli.main(args=argv, prog_name="derive", standalone_mode=False)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return 2
    except click.exceptions.Abort:
        click.echo("derive: interrupted", err=True)
        return 130
    except DeriveError as e:  # one line, whatever file name or key the message carries
        click.echo(f"derive: error: {printable(str(e))}", err=True)
        return 2
    except BrokenPipeError:
        return 0
    except RecursionError:
        click.echo("derive: error: the network is too deep to write its derivation out (a chain of thousands of "
                   "quantities); use fewer steps or layers", err=True)
        return 2
    return rv if isinstance(rv, int) else 0
