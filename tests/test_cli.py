"""The command line: exit codes, one-line errors without tracebacks, and the JSON interface."""

import json

import pytest

from derive.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_examples_lists_every_note(capsys):
    code, out, _ = run(capsys, "examples")
    assert code == 0
    for name in ["mlp-221", "mlp-222", "mlp-221-se", "mlp-231"]:
        assert name in out


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
