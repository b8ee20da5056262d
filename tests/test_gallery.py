"""The gallery in output/docs and output/handouts is what `derive build` makes, byte for byte."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from derive.cli.main import main
from derive.network.examples import EXAMPLES
from derive.output.files import WRITTEN

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "output"
HAVE_TEX = bool(shutil.which("pdflatex"))


def committed() -> dict[str, bytes]:
    """The gallery's files; the record of what a build wrote (WRITTEN) is the build's bookkeeping, not the gallery,
    and differs with and without PDFs."""
    out = {}
    for folder in ("docs", "handouts"):
        for path in sorted((GALLERY / folder).rglob("*")):
            if path.is_file() and path.name != WRITTEN:
                out[path.relative_to(GALLERY).as_posix()] = path.read_bytes()
    return out


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gallery")
    args = ["build", "--out", str(out)] + ([] if HAVE_TEX else ["--no-pdf"])
    assert main(args) == 0
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != WRITTEN}


def test_the_gallery_holds_a_document_per_example():
    have = committed()
    for name in EXAMPLES:
        for ext in ("md", "svg", "tex", "html"):
            assert f"docs/{name}.{ext}" in have, f"docs/{name}.{ext} is missing: run `derive build`"
    assert any(k.startswith("handouts/") and k.endswith("-exercise.md") for k in have)
    assert any(k.startswith("handouts/") and k.endswith("-answers.md") for k in have)


def banner(pdf: bytes) -> bytes:
    m = re.search(rb"/PTEX\.Fullbanner \(([^)]*)\)", pdf)
    return m.group(1) if m else b""


def pdf_text(pdf: bytes, tmp: Path) -> str:
    path = tmp / "x.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout


def test_regenerating_the_gallery_changes_nothing(regenerated, tmp_path):
    have = committed()
    if not HAVE_TEX:  # PDFs cannot be remade here; every other file must still match
        have = {k: v for k, v in have.items() if not k.endswith(".pdf")}
    assert sorted(regenerated) == sorted(have), "the gallery is stale: run `derive build` and commit output/"
    changed = []
    for k in have:
        if have[k] == regenerated[k]:
            continue
        if k.endswith(".pdf") and banner(have[k]) != banner(regenerated[k]) and shutil.which("pdftotext"):
            # another TeX engine than the one that made the gallery: the same text is all it can promise
            if pdf_text(have[k], tmp_path) == pdf_text(regenerated[k], tmp_path):
                continue
        changed.append(k)
    assert not changed, f"these gallery files differ from what derive makes now: {changed}"

