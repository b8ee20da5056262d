"""What the commands' interfaces share. Light on purpose: a command's arguments, options and help are declared
with click alone, and its work (SymPy, NumPy, Jinja) is imported when it runs, so that `derive --help`,
`derive COMMAND --help` and shell completion start at once."""

from __future__ import annotations

import functools
import importlib
import sys
from typing import Callable

import click
from click.shell_completion import CompletionItem

from ..errors import DeriveError

STDIO = "-"  # where a file is read, standard input; where one is written, standard output
# the built-in examples (network.examples.EXAMPLES), named here so that completing a TARGET loads no engine;
# a test keeps the two the same
EXAMPLE_NAMES = ("mlp-221", "mlp-222", "mlp-221-se", "mlp-231", "rnn-2step", "lenet")


def runs(path: str) -> Callable[[Callable], Callable]:
    """The decorated command's work is the function `module:name`, imported when the command runs; the
    decorated function gives its name, parameters and help."""
    module, name = path.split(":")

    def decorate(interface: Callable) -> Callable:
        @functools.wraps(interface)
        def command(**kwargs):
            return getattr(importlib.import_module(module), name)(**kwargs)
        command.runs = path  # what runs it, for the test that each interface and its work agree
        return command
    return decorate


def complete_target(ctx: click.Context | None, param: click.Parameter | None, incomplete: str) -> list[CompletionItem]:
    """Shell completion of a TARGET: the built-in examples that start with what is typed, and the files."""
    names = [CompletionItem(n, help="built-in example") for n in EXAMPLE_NAMES if n.startswith(incomplete)]
    return names + [CompletionItem(incomplete, type="file")]


def read_stdin(limit: int, what: str) -> str:
    """Standard input as UTF-8 text of at most `limit` bytes (`cat /dev/zero | derive gradients -` ends)."""
    stream = getattr(sys.stdin, "buffer", None)
    data = stream.read(limit + 1) if stream is not None else sys.stdin.read(limit + 1).encode("utf-8")
    if len(data) > limit:
        raise DeriveError(f"standard input: larger than the {limit:,} bytes a {what} may have")
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as e:
        raise DeriveError(f"standard input is not UTF-8 text (byte {e.start + 1:,} cannot be read as UTF-8)") from None


def quiet() -> bool:
    """`derive --quiet COMMAND`: only results and errors, no progress or "wrote" lines."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().meta.get("quiet"))


def say(message: str) -> None:
    """A line of progress or of what was written, on stderr, unless --quiet."""
    if not quiet():
        click.echo(f"derive: {message}", err=True)
