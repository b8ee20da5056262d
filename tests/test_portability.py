"""A console whose encoding lacks δ and σ (cp1252, a Windows console) gets them in ASCII, never an
encoding error."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cp1252(*argv):
    env = dict(os.environ, PYTHONIOENCODING="cp1252")
    return subprocess.run([sys.executable, "-m", "derive", *argv], capture_output=True, env=env, cwd=ROOT,
                          timeout=300)


def test_gradients_on_a_cp1252_console():
    r = run_cp1252("gradients", "mlp-222")
    assert r.returncode == 0 and b"Traceback" not in r.stderr
    text = r.stdout.decode("cp1252")
    assert "d_net_o1 = dE_total/dnet_o1" in text  # δ_net_o1 written as d_net_o1


def test_verify_on_a_cp1252_console():
    r = run_cp1252("verify", "tests/notes/seeds/000_bd776a7096b11a4f.txt")
    assert r.returncode == 1 and b"Traceback" not in r.stderr  # 1: the note has mistakes
    assert "h1 = sigma(" in r.stdout.decode("cp1252")


# --- "-": standard input where a spec is read, standard output where a document is written --------------

SPEC = """layers = [2, 2, 1]
[values]
x = [0.05, 0.10]
t = [0.01]
W1 = [[0.15, 0.20], [0.25, 0.30]]
b1 = [0.35, 0.35]
W2 = [[0.40, 0.45]]
b2 = [0.60]
learning_rate = 0.5
"""


def run_with_stdin(monkeypatch, capsys, text: str, *argv):
    from derive.cli.main import main

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_gradients_reads_the_spec_from_standard_input(monkeypatch, capsys, tmp_path):
    (tmp_path / "net.toml").write_text(SPEC)
    code, out, err = run_with_stdin(monkeypatch, capsys, SPEC, "gradients", "-", "--json")
    assert code == 0, err
    code, from_file, _ = run_with_stdin(monkeypatch, capsys, "", "gradients", str(tmp_path / "net.toml"), "--json")
    assert json.loads(out)["gradients"] == json.loads(from_file)["gradients"]


def test_a_spec_on_standard_input_that_is_not_toml_is_one_line(monkeypatch, capsys):
    code, out, err = run_with_stdin(monkeypatch, capsys, "layers = [2,\n", "gradients", "-")
    assert code == 2 and out == ""
    assert err.startswith("derive: error: standard input is not valid TOML") and err.count("\n") == 1


def test_doc_with_output_dash_prints_instead_of_writing_a_file(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_with_stdin(monkeypatch, capsys, "", "doc", "mlp-221", "--format", "md", "-o", "-")
    assert code == 0 and out.startswith("<!--") and "mlp-221" in out
    assert list(tmp_path.iterdir()) == []  # no file named "-"
    code, from_stdin, err = run_with_stdin(monkeypatch, capsys, SPEC, "doc", "-", "--format", "tex", "-o", "-")
    assert code == 0, err
    assert "\\documentclass" in from_stdin and "0.35891648" in from_stdin and list(tmp_path.iterdir()) == []


def test_a_handout_of_a_spec_from_standard_input_keeps_the_spec_in_its_key(monkeypatch, capsys, tmp_path):
    code, _, err = run_with_stdin(monkeypatch, capsys, SPEC, "handout", "-", "-o", str(tmp_path))
    assert code == 0, err
    reproduce = json.loads((tmp_path / "stdin-1-key.json").read_text())["reproduce"]
    assert reproduce["spec"] == SPEC and reproduce["command"].startswith("derive handout - ")


def test_the_version_is_written_in_one_place():
    import tomllib
    from importlib.metadata import version

    import derive

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and project["dynamic"] == ["version"]  # read from derive.__version__
    assert version("derive-backprop") == derive.__version__
    assert "Programming Language :: Python :: 3.11" in project["classifiers"]
