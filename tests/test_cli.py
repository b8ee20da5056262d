"""The command line: exit codes, one-line errors without tracebacks, and the JSON interface."""

import json
import os
import subprocess
import sys

import pytest

from derive.cli.common import EXAMPLE_NAMES, complete_target
from derive.cli.main import main
from derive.output.terminal import Column, table


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_examples_lists_every_example_and_no_file_the_package_lacks(capsys):
    code, out, _ = run(capsys, "examples")
    assert code == 0
    for name in ["mlp-221", "mlp-222", "mlp-221-se", "mlp-231"]:
        assert name in out
    assert ".txt" not in out and "[note" not in out  # the notes are the repository's tests, not installed


def test_gradients_json_keys_and_values(capsys):
    code, out, _ = run(capsys, "gradients", "mlp-222", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"loss", "gradients", "updated"}
    assert set(data["loss"]) >= {"latex", "value"}
    w5 = data["gradients"]["w5"]
    assert set(w5) >= {"latex", "chain", "value"}
    assert all(isinstance(c, str) for c in w5["chain"]) and len(w5["chain"]) == 3
    assert round(data["loss"]["value"], 9) == 0.298371109
    assert round(w5["value"], 9) == 0.082167041
    assert round(data["updated"]["w5"], 8) == 0.35891648


def test_check_reports_the_largest_error(capsys):
    code, out, _ = run(capsys, "gradients", "mlp-222", "--check", "--json")
    assert code == 0
    assert json.loads(out)["check"]["max_abs_error"] < 1e-7


def test_steps_lower_the_loss(capsys):
    code, out, _ = run(capsys, "gradients", "mlp-222", "--steps", "3", "--json")
    losses = [s["loss"] for s in json.loads(out)["training"]]
    assert code == 0 and len(losses) == 3 and losses[0] > losses[1] > losses[2]
    assert losses[0] < 0.298371109


@pytest.mark.parametrize("name", ["mlp-221", "mlp-222", "mlp-221-se", "mlp-231", "rnn-2step", "lenet"])
def test_check_agrees_on_every_example(capsys, name):
    # examples without numbers (notes 000, 002, 004 are symbolic) are checked at drawn example values
    code, out, err = run(capsys, "gradients", name, "--check", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["check"]["max_abs_error"] < 1e-7
    assert all(g["value"] is not None for g in data["gradients"].values())
    assert ("example values drawn" in err) == (name in ("mlp-221", "mlp-221-se", "mlp-231"))


def test_the_output_is_deterministic(capsys):
    first = run(capsys, "gradients", "mlp-222", "--json")[1]
    assert run(capsys, "gradients", "mlp-222", "--json")[1] == first


@pytest.mark.parametrize("argv,words", [
    (["gradients", "no-such-net"], "neither a built-in example"),
    (["gradients", "missing.toml"], "no such file"),
    (["gradients", "mlp-222", "--lr", "fast"], "--lr: expected a number"),
    (["gradients", "mlp-222", "--lr", "-1"], "--lr: a learning rate is a positive number"),
    (["gradients", "mlp-231", "--steps", "2"], "needs numbers"),
    (["gradients"], "Missing argument"),
    (["frobnicate"], "No such command"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert words in err
    assert "Traceback" not in err + out


def test_bad_spec_file(tmp_path, capsys):
    spec = tmp_path / "net.toml"
    spec.write_text("layers = [2, 2\n")
    code, _, err = run(capsys, "gradients", str(spec))
    assert code == 2 and "not valid TOML" in err and len(err.strip().splitlines()) == 1


def test_size_limit_and_override(tmp_path, capsys):
    spec = tmp_path / "big.toml"
    spec.write_text("layers = [60, 40, 1]\n")  # 2,481 parameters: under the limit
    assert run(capsys, "gradients", str(spec))[0] == 0
    spec.write_text("layers = [60, 50, 1]\n")  # 3,101 parameters
    code, _, err = run(capsys, "gradients", str(spec))
    assert code == 2 and "3,101 parameters" in err and "--allow-large" in err
    assert run(capsys, "gradients", str(spec), "--allow-large")[0] == 0


def test_a_long_sequence_is_derived_and_a_too_deep_one_refused_in_one_line(tmp_path, capsys):
    spec = tmp_path / "rnn.toml"
    spec.write_text('kind = "rnn"\nsteps = 1000\nseed = 1\n')
    code, out, _ = run(capsys, "gradients", str(spec), "--json")
    assert code == 0 and len(json.loads(out)["gradients"]) == 5
    spec.write_text('kind = "rnn"\nsteps = 5000\nseed = 1\n')
    code, _, err = run(capsys, "gradients", str(spec))
    assert code == 2 and "too deep" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_spec_saved_with_a_byte_order_mark_is_read(tmp_path, capsys):
    spec = tmp_path / "bom.toml"
    spec.write_bytes("\ufeff".encode() + b'layers = [2, 2, 1]\n')
    assert run(capsys, "gradients", str(spec))[0] == 0


def test_a_failed_check_at_a_relu_kink_says_why(tmp_path, capsys):
    # z = 1·1 − 1 = 0: ReLU has no derivative there; the engine takes ReLU'(0) = 0 (gradient of W1 is 0),
    # central differences see the average of the two sides, (0 + 1)/2 · 1 = 0.5
    spec = tmp_path / "relu0.toml"
    spec.write_text('layers = [1, 1, 1]\nactivation = ["relu", "linear"]\n[values]\nx = [1]\nt = [0]\n'
                    'W1 = [[1]]\nb1 = [-1]\nW2 = [[1]]\nb2 = [1]\n')
    code, out, err = run(capsys, "gradients", str(spec), "--check", "--json")
    assert code == 1
    assert abs(json.loads(out)["check"]["max_abs_error"] - 0.5) < 1e-4  # up to the step of the differences
    assert "ReLU's input is (nearly) 0" in err and "z1_1" in err


def derive_in_a_pipe(columns: str | None, *argv: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = columns
    run = subprocess.run([sys.executable, "-m", "derive", *argv], capture_output=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout.decode().splitlines()


def signals(lines: list[str]) -> str:
    """The δ section with its wrapped lines joined back."""
    return " ".join(" ".join(lines[lines.index("where (error signals, from the loss backwards):"):]).split())


def test_a_narrow_terminal_gets_every_line_wrapped_to_its_width():
    narrow, whole = derive_in_a_pipe("60", "gradients", "mlp-222"), derive_in_a_pipe("400", "gradients", "mlp-222")
    assert max(map(len, narrow)) <= 60 < max(map(len, whole))
    assert signals(narrow) == signals(whole)  # cut at spaces, nothing lost
    at = narrow.index("where (error signals, from the loss backwards):")
    assert narrow[at + 1].startswith("  δ_net_o2 = ") and narrow[at + 2].startswith("      ")  # goes on indented
    row = next(i for i, line in enumerate(narrow) if line.startswith("w5 "))
    assert "0.082167041" in narrow[row] and narrow[row + 1].strip() == "δ_net_o1*out_h1"  # in its column


def test_a_pipe_gets_80_columns_and_a_parameters_row_stays_one_line():
    lines = derive_in_a_pipe(None, "gradients", "mlp-222")
    assert max(map(len, lines)) <= 80 and any(line.startswith("      ") for line in lines)
    long_cell = Column("gradient", ["dL/dk = " + " + ".join(f"δ_{i}*x_{i}" for i in range(30))])
    columns = [Column("parameter", ["k"]), long_cell, Column("value", ["0.5"])]
    assert len(table(columns, None, wrapped=1).splitlines()) == 3  # unwrapped: the row whole
    wrapped = table(columns, 50, wrapped=1).splitlines()
    assert max(map(len, wrapped)) <= 50 and wrapped[2].endswith("0.5") and len(wrapped) > 3
    assert " ".join(" ".join(wrapped[2:]).replace("0.5", "").split()) == "k " + long_cell.cells[0]


def test_a_target_completes_to_the_examples_and_the_files():
    items = complete_target(None, None, "mlp-2")
    assert [(i.value, i.type) for i in items] == [("mlp-221", "plain"), ("mlp-222", "plain"), ("mlp-221-se", "plain"),
                                                  ("mlp-231", "plain"), ("mlp-2", "file")]  # file: the shell's own
    assert [i.value for i in complete_target(None, None, "")][:-1] == list(EXAMPLE_NAMES)


def bash_complete(*words: str) -> tuple[list[str], str]:
    env = dict(os.environ, _DERIVE_COMPLETE="bash_complete", COMP_WORDS=" ".join(("derive",) + words),
               COMP_CWORD=str(len(words)))
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "derive"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.splitlines(), run.stderr


@pytest.mark.parametrize("command", ["gradients", "doc", "handout"])
def test_the_shell_completes_a_commands_target(command):
    items, _ = bash_complete(command, "rn")
    assert items == ["plain,rnn-2step", "file,rn"]


def test_the_shell_completes_the_command_names_without_loading_the_engine():
    items, imports = bash_complete("")
    assert items == [f"plain,{name}" for name in ["build", "doc", "examples", "gradients", "handout", "verify"]]
    assert "click" in imports and "sympy" not in imports and "numpy" not in imports


def test_doc_and_handout_write_numbers_with_the_decimals_asked_for(capsys, tmp_path):
    import re
    code, out, _ = run(capsys, "doc", "mlp-222", "--format", "md", "--decimals", "3", "-o", "-")
    # out_h1 = σ(0.3775) = 0.593269992…: written 0.593 with three decimals, 0.593269992 by default
    assert code == 0 and "0.593" in out and not re.search(r"\d\.\d{4,}", out.split("</svg>")[-1])
    assert "0.593269992" in run(capsys, "doc", "mlp-222", "--format", "md", "-o", "-")[1]
    code, _, _ = run(capsys, "handout", "mlp-222", "--decimals", "4", "--combine", "-o", str(tmp_path))
    key = (tmp_path / "mlp-222-1-answers.md").read_text(encoding="utf-8")
    # the variant's own numbers: each computed one with four decimals at most (the default writes nine)
    assert code == 0 and re.search(r"\d\.\d{4}\b", key) and not re.search(r"\d\.\d{5,}", key)
    assert run(capsys, "doc", "mlp-222", "--decimals", "1")[0] == 2  # below the range: one line, exit 2


def test_a_document_too_large_to_read_is_refused_before_it_is_built(capsys, tmp_path):
    spec = tmp_path / "long.toml"
    spec.write_text('kind = "rnn"\nhidden_size = 4\nsteps = 300\ninput_size = 2\noutput_size = 2\n', encoding="utf-8")
    for argv in (["doc", str(spec), "--format", "md", "-o", str(tmp_path / "x.md")],
                 ["handout", str(spec), "-o", str(tmp_path / "h")]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "the document would be about" in err and "limited to 50 MB" in err
    assert not (tmp_path / "x.md").exists() and not (tmp_path / "h").exists()


def test_the_table_names_no_note_the_package_does_not_ship(capsys):
    # the built-in networks reproduce notes kept in the repository; an installed package has none of them
    code, out, _ = run(capsys, "gradients", "mlp-222")
    assert code == 0 and "note 0" not in out.splitlines()[0] + out.splitlines()[1]
