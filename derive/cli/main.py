"""The `derive` command. The only module that touches argv, files, the terminal and exit codes.

Exit status: 0 all is well; 1 something is wrong (a wrong line in a note, a failed check);
2 bad input or usage (one line naming the problem, never a traceback).

Start-up: this module and the interfaces it gathers import click and nothing heavy. Each command's work
(SymPy, NumPy, Jinja, the checker) is imported when the command runs, so `derive --help` prints at once.
"""

from __future__ import annotations

import importlib
import sys

import click
from click.shell_completion import CompletionItem

from .. import __version__
from ..errors import DeriveError, printable
from ..output.ascii import ascii_fallback
from .common import complete_target, runs
from .docs import build_gallery, doc, handout
from .notes import verify

# commands whose module is imported only when the command is asked for, with the summary the command list
# shows (none now: every command's interface is light and imports its work when it runs)
LATER: dict[str, tuple[str, str]] = {}


class Commands(click.Group):
    """The group of derive's commands: the LATER ones are imported on demand, and the command list shows each
    command's summary whole (click cuts a docstring's first sentence at the width of the terminal)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(LATER))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LATER and name not in self.commands:
            module, attr = LATER[name][0].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)

    def summary(self, name: str) -> str:
        return LATER[name][1] if name in LATER else self.commands[name].short_help or ""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, self.summary(name)) for name in self.list_commands(ctx)])

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """The command names (without importing the LATER ones), and the group's options after a dash."""
        names = [CompletionItem(n, help=self.summary(n)) for n in self.list_commands(ctx) if n.startswith(incomplete)]
        return names + click.Command.shell_complete(self, ctx, incomplete)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="derive")
@click.option("-q", "--quiet", is_flag=True, help="Print results and errors only: no progress, no 'wrote' lines.")
@click.pass_context
def cli(ctx: click.Context, quiet: bool) -> None:
    """Backpropagation by hand, done right: exact gradients written the way a teacher writes them,
    documents and handouts, and a checker for hand-written notes."""
    ctx.meta["quiet"] = quiet


@cli.command(short_help="List the built-in networks and the note each reproduces.")
@runs("derive.cli.gradients:examples")
def examples() -> int:
    """List the built-in networks and the note each reproduces."""


@cli.command(short_help="Every parameter's gradient, its chain and its update.")
@click.argument("target", shell_complete=complete_target)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--check", is_flag=True, help="Compare every gradient with central finite differences.")
@click.option("--lr", "lr", metavar="ETA", help="Learning rate for the update (overrides the target's).")
@click.option("--steps", type=click.IntRange(min=1),
              help="Also run K steps of gradient descent; show the loss after each.")
@click.option("--allow-large", is_flag=True, help="Derive networks above the size limit anyway.")
@runs("derive.cli.gradients:gradients")
def gradients(target: str, as_json: bool, check: bool, lr: str | None, steps: int | None, allow_large: bool) -> int:
    """Every parameter's gradient. TARGET is a built-in example name, a spec file (TOML), or - to read the
    spec from standard input."""


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
