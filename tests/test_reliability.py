"""Reliability under hostile or careless input: crashes, sizes refused before anything is built, names
that reach outputs, files that are not regular files, numbers out of range, and what a run may delete."""

import re
import shutil
from pathlib import Path

import pytest

from derive.cli.main import main

README = Path(__file__).resolve().parents[1] / "README.md"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> bool:
    return "Traceback" not in err and len(err.strip().splitlines()) == 1 and err.startswith("derive: error:")


def readme_spec(kind: str) -> str:
    """The README's own example spec of this kind (a ```toml block)."""
    for block in re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        if f'kind = "{kind}"' in block:
            return block
    raise AssertionError(f"the README has no {kind} spec")


# --- 1. the README's CNN spec, with its flatten layer, renders in every format -----------------------

@pytest.mark.parametrize("fmt", ["md", "tex", "html", "pdf"])
def test_the_readme_cnn_spec_with_a_flatten_layer_renders(tmp_path, capsys, fmt):
    if fmt == "pdf" and not (shutil.which("pdflatex") or shutil.which("lualatex") or shutil.which("xelatex")):
        pytest.skip("no TeX engine")
    spec = tmp_path / "cnn.toml"
    text = readme_spec("cnn")
    assert '{type = "flatten"}' in text
    spec.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "doc", spec, "--format", fmt, "-o", tmp_path / f"cnn.{fmt}")
    assert code == 0, err
    assert (tmp_path / f"cnn.{fmt}").stat().st_size > 1000


def test_a_handout_of_the_readme_cnn_spec_is_written(tmp_path, capsys):
    spec = tmp_path / "cnn.toml"
    spec.write_text(readme_spec("cnn"), encoding="utf-8")
    code, _, err = run(capsys, "handout", spec, "-o", tmp_path / "sheets")
    assert code == 0, err
    assert (tmp_path / "sheets" / "cnn-1-exercise.md").is_file()
