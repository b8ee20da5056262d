"""The documents as a lecture gives them, checked on the generated text and on the typeset PDF: the output
layer before the hidden one, no display twice, and a length (in PDF pages, with no overfull box) a reader
can take in. The PDF tests need pdflatex and pdfinfo and skip without them."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from derive import derive, load
from derive.document.build import build
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
