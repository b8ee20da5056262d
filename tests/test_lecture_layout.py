"""The documents as a lecture gives them, checked on the generated text and on the typeset PDF: the output
layer before the hidden one, no display twice, and a length (in PDF pages, with no overfull box) a reader
can take in. The PDF tests need pdflatex and pdfinfo and skip without them."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from derive import derive, load
from derive.document.build import build
from derive.document.model import Equation, Omitted, nonzero, trim
from derive.network.examples import EXAMPLES
from derive.output.render import document_files

HAVE_TEX = bool(shutil.which("pdflatex") and shutil.which("pdfinfo"))


def text_of(name: str, fmt: str) -> str:
    return document_files(build(derive(load(name))), fmt, "x")[f"x.{fmt}"].decode()


def typeset(tex: str, tmp: Path) -> tuple[int, str]:
    """The number of pages of the PDF and the TeX log (pdflatex twice, as the references need)."""
    (tmp / "doc.tex").write_text(tex, encoding="utf-8")
    for _ in range(2):
        proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                              timeout=600)
        assert proc.returncode == 0, proc.stdout[-2000:]
    info = subprocess.run(["pdfinfo", str(tmp / "doc.pdf")], capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return pages, (tmp / "doc.log").read_text(encoding="utf-8", errors="replace")


def displays(text: str) -> list[str]:
    """Every row of every display of a Markdown document: a one-line display, or a row of an aligned group."""
    rows = []
    for block in re.findall(r"\$\$(.*?)\$\$", text, re.S):
        body = re.sub(r"\\(begin|end)\{aligned\}", "", block.replace("\n> ", "\n"))
        rows += [r.strip() for r in body.split("\\\\") if r.strip()]
    return rows


@pytest.mark.parametrize("fmt", ["md", "tex"])
def test_the_output_layer_is_derived_before_the_hidden_layer(fmt):
    text = text_of("mlp-222", fmt)
    first = {name: text.index(rf"{{\partial {name}}}") for name in ("w_{1}", "w_{4}", "w_{5}", "w_{8}")}
    assert max(first["w_{5}"], first["w_{8}"]) < min(first["w_{1}"], first["w_{4}"])
    assert text.index(r"\delta_{o1} &=") < text.index(r"\delta_{h1} &=")


def test_no_display_is_repeated_verbatim():
    for name in ("mlp-222", "mlp-221", "mlp-231"):
        rows = displays(text_of(name, "md"))
        repeated = sorted({r for r in rows if rows.count(r) > 1})
        assert len(rows) > 20 and not repeated, (name, repeated[:3])


@pytest.mark.skipif(not HAVE_TEX, reason="needs pdflatex and pdfinfo")
def test_mlp_222_fits_in_six_pages(tmp_path):
    pages, log = typeset(text_of("mlp-222", "tex"), tmp_path)
    assert pages <= 6


@pytest.mark.skipif(not HAVE_TEX, reason="needs pdflatex and pdfinfo")
def test_lenet_fits_in_twelve_pages(tmp_path):
    pages, _ = typeset(text_of("lenet", "tex"), tmp_path)
    assert pages <= 12  # 32 before: every pixel, weight, δ and summary row in a flat list


@pytest.mark.skipif(not HAVE_TEX, reason="needs pdflatex and pdfinfo")
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_no_line_runs_off_the_page(name, tmp_path):
    _, log = typeset(text_of(name, "tex"), tmp_path)
    assert re.findall(r"Overfull \\hbox \(([\d.]+)pt", log) == []


def lenet_first_maps() -> np.ndarray:
    """C¹ of the lenet example, computed here from its inputs and kernels: C¹_{g,h,c} =
    σ(Σ_{m,n} x_{g+m-1,h+n-1} k¹_{m,n,c} + b¹_c)."""
    v = {k: float(x) for k, x in load("lenet").values.items()}
    x = np.array([[v[f"x_{i}_{j}"] for j in range(1, 13)] for i in range(1, 13)])
    out = np.zeros((10, 10, 6))
    for c in range(6):
        k = np.array([[v[f"k1_{m}_{n}_{c + 1}"] for n in range(1, 4)] for m in range(1, 4)])
        for g in range(10):
            for h in range(10):
                out[g, h, c] = 1 / (1 + np.exp(-(np.sum(x[g:g + 3, h:h + 3] * k) + v[f"b1_{c + 1}"])))
    return out


def test_the_example_deltas_of_a_max_pooled_map_are_the_ones_that_are_not_zero():
    """Max pooling passes the gradient to one position of each 2x2 window: the examples shown are such
    positions (the first three of C¹ were all 0 before)."""
    text = text_of("lenet", "md")
    shown = re.findall(r"^\\delta\^\{C\^\{1\}\}_\{(\d+),(\d+),(\d+)\} &=", text, re.M)
    assert len(shown) == 3
    C = lenet_first_maps()
    for g, h, c in ((int(a) - 1, int(b) - 1, int(k) - 1) for a, b, k in shown):
        window = C[g - g % 2:g - g % 2 + 2, h - h % 2:h - h % 2 + 2, c]
        assert C[g, h, c] == window.max()


def test_a_long_summary_shows_a_few_of_each_kind():
    text = text_of("lenet", "md")
    table = text[text.index("| parameter |"):]
    rows = [ln for ln in table.splitlines() if ln.startswith("| $")]
    assert 10 <= len(rows) <= 30  # 265 parameters
    assert table.count("more, from") == 5  # k¹, b¹, k², w and b; the three b² are all shown
    assert "| … and 117 more, from $w_{0,3}$ to $w_{9,11}$ |" in table


def test_trim_prefers_what_the_test_passes():
    eqs = [Equation(((f"d_{{{i}}}",), ("0" if i % 4 else "0.5",))) for i in range(40)]
    items = [(("d",), e.lhs, e) for e in eqs]
    plain = trim(items)
    assert [e.lhs for e in plain if isinstance(e, Equation)] == ["d_{0}", "d_{1}", "d_{39}"]
    chosen = trim(items, prefer=nonzero)
    assert [e.lhs for e in chosen if isinstance(e, Equation)] == ["d_{0}", "d_{4}", "d_{36}"]
    gap = next(e for e in chosen if isinstance(e, Omitted))
    assert (gap.count, gap.first, gap.last) == (37, "d_{1}", "d_{39}")
