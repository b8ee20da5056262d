"""Start-up: `derive --help`, `derive COMMAND --help` and `import derive` load no SymPy, NumPy or Jinja (they
took a second before anything was printed); each command imports its work when it runs."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import click
import pytest

from derive.classroom.handouts import EXPORTS
from derive.cli import docs
from derive.cli.common import EXAMPLE_NAMES
from derive.cli.main import cli, main
from derive.network.examples import EXAMPLES

HEAVY = ("sympy", "numpy", "jinja2")
LIGHT_COMMANDS = ["gradients", "doc", "handout", "build", "examples", "verify"]


def imported(*args: str) -> tuple[list[str], str]:
    """(the top-level packages `python -X importtime ARGS` imports, its stdout)."""
    run = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    names = [line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")]
    return sorted({n.split(".")[0] for n in names}), run.stdout


def test_help_imports_no_sympy_numpy_or_jinja_and_lists_every_command():
    packages, out = imported("-m", "derive", "--help")
    assert "click" in packages  # the importtime lines were read
    assert not set(HEAVY) & set(packages), packages
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == sorted(cli.list_commands(None)) == ["build", "doc", "examples", "gradients", "handout", "verify"]
    assert "..." not in out.split("Commands:")[1]  # each summary whole, not cut at the terminal's width


@pytest.mark.parametrize("command", LIGHT_COMMANDS)
def test_a_commands_help_imports_none_of_them_either(command):
    packages, out = imported("-m", "derive", command, "--help")
    assert not set(HEAVY) & set(packages), packages
    assert f"Usage: derive {command}" in out


def test_import_derive_is_light_and_its_names_load_on_first_use():
    packages, _ = imported("-c", "import derive; assert derive.__version__")
    assert not set(HEAVY) & set(packages), packages
    # the function derive.document stays the function when the stage of that name is imported before the root
    run = subprocess.run([sys.executable, "-c", "import derive.document.build, derive; from derive import document; "
                          "print(callable(document), callable(derive.document), derive.derive.__name__)"],
                         capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == ["True", "True", "derive"], run.stderr


def test_the_command_run_later_still_runs(capsys):
    assert main(["verify", "--help"]) == 0
    assert "--against" in capsys.readouterr().out


def test_the_names_kept_light_are_the_engines_own():
    assert EXAMPLE_NAMES == tuple(EXAMPLES)
    assert docs.EXPORT_NAMES == tuple(EXPORTS)


def test_every_light_interface_runs_a_function_that_takes_its_parameters():
    for name in LIGHT_COMMANDS:
        callback = cli.commands[name].callback
        module, attr = callback.runs.split(":")
        work = getattr(importlib.import_module(module), attr)
        parameters = list(inspect.signature(work).parameters)
        assert parameters == list(inspect.signature(callback.__wrapped__).parameters), name
        assert {p.name for p in cli.commands[name].params if p.name != "help"} == set(parameters), name


def test_every_option_of_a_light_command_says_what_it_does():
    for name in LIGHT_COMMANDS:
        for param in cli.commands[name].params:
            if isinstance(param, click.Option):
                assert param.help, f"derive {name} {param.opts[0]} has no help text"


def test_gradients_without_check_load_no_numpy_and_check_does():
    # NumPy is for finite differences only: a table of gradients starts without it (0.13 s of a 0.6 s run)
    packages, out = imported("-m", "derive", "gradients", "mlp-222")
    assert "sympy" in packages and "numpy" not in packages and "w5" in out
    packages, out = imported("-m", "derive", "gradients", "mlp-222", "--check")
    assert "numpy" in packages and "finite difference" in out
