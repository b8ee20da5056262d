"""The TeX document's tables of numbers: the summary's and the answer key's numbers in dcolumn columns
(siunitx is not in texlive-latex-recommended), set in math mode, so aligned on the decimal point and
signed with a real minus. Expected numbers come from the numpy oracle."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from oracles import mlp_numpy

from derive import derive, load
from derive.document.build import build
from derive.output.render import document_files

HAVE_TEX = bool(shutil.which("pdflatex") and shutil.which("pdftotext"))


def tex_of(name: str) -> str:
    return document_files(build(derive(load(name))), "tex", "x")["x.tex"].decode()


def mazur_gradients() -> dict[str, float]:
    W = {1: np.array([[0.15, 0.20], [0.25, 0.30]]), 2: np.array([[0.40, 0.45], [0.50, 0.55]])}
    b = {1: np.array([0.35, 0.35]), 2: np.array([0.60, 0.60])}
    _, dW, _ = mlp_numpy.mlp_gradients([2, 2, 2], ["sigmoid", "sigmoid"], "half_sse", W, b, [0.05, 0.10], [0.01, 0.99])
    return {"w7": dW[2][1, 0], "w8": dW[2][1, 1], "w5": dW[2][0, 0]}


def test_the_summary_aligns_its_numbers_on_the_decimal_point():
    tex = tex_of("mlp-222")
    assert r"\usepackage{booktabs,longtable,dcolumn}" in tex
    assert r"\begin{longtable}{l D{.}{.}{-1} l D{.}{.}{2.9} D{.}{.}{2.9}}" in tex
    summary = tex[tex.index(r"\section*{Summary}"):]
    row = next(ln for ln in summary.splitlines() if ln.startswith("$w_{7}$"))
    cells = [c.strip() for c in row.rstrip("\\ ").split("&")]
    assert float(cells[3]) == pytest.approx(mazur_gradients()["w7"], abs=5e-10) and cells[3].startswith("-")
    assert "$" not in "".join(cells[1:2] + cells[3:])   # the column itself is math: no $ inside
    assert r"\multicolumn{1}{c}{gradient}" in summary


def test_the_answer_key_aligns_its_numbers_too():
    """(The gallery's answer key: tests/test_gallery.py checks that it is what the templates make.)"""
    text = (Path(__file__).resolve().parents[1] / "output" / "handouts" / "mlp-222-1-answers.tex").read_text()
    assert r"\begin{longtable}{l D{.}{.}{-1} r}" in text and r"\multicolumn{1}{c}{value}" in text


@pytest.mark.skipif(not HAVE_TEX, reason="needs pdflatex and pdftotext")
def test_a_negative_number_in_the_summary_has_a_real_minus(tmp_path):
    (tmp_path / "doc.tex").write_text(tex_of("mlp-222"), encoding="utf-8")
    for _ in range(2):
        proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", timeout=600)
        assert proc.returncode == 0, proc.stdout[-2000:]
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "doc.pdf"), "-"], capture_output=True,
                          text=True).stdout
    summary = text[text.rindex("Summary"):]
    for name in ("w7", "w8"):
        value = f"{mazur_gradients()[name]:.9f}".rstrip("0")
        assert value.startswith("-")
        assert "\u2212" + value[1:] in summary and value not in summary
