"""PDF through a TeX engine (latexmk or pdflatex), deterministic: the same source gives the same bytes."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import DeriveError, ToolMissing

TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended texlive-pictures latexmk"
TEX_TIMEOUT = 300


def tex_engine() -> list[str]:
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "-quiet"]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
    raise ToolMissing("making a PDF needs a TeX engine (latexmk and pdflatex), and none is installed; "
                      f"install it with: apt-get install {TEX_PACKAGES}")


def compile_pdf(tex: str) -> bytes:
    """LaTeX source to PDF bytes, in a temporary folder. The same source gives the same bytes
    (SOURCE_DATE_EPOCH fixes the dates and the document id)."""
    engine = tex_engine()
    env = dict(os.environ, SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
    with tempfile.TemporaryDirectory(prefix="derive-tex-") as tmp:
        (Path(tmp) / "doc.tex").write_text(tex, encoding="utf-8")
        runs = 1 if engine[0] == "latexmk" else 2
        for _ in range(runs):
            try:
                proc = subprocess.run(engine + ["doc.tex"], cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                                      capture_output=True, text=True, errors="replace", timeout=TEX_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise DeriveError(f"the TeX engine took longer than {TEX_TIMEOUT} s and was stopped") from None
            if proc.returncode != 0:
                raise DeriveError("the TeX engine failed: " + _tex_error(Path(tmp) / "doc.log", proc.stdout))
        return (Path(tmp) / "doc.pdf").read_bytes()


def _tex_error(log: Path, stdout: str) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else stdout
    lines = [ln for ln in text.splitlines() if ln.startswith("!") or ":" in ln and ".tex:" in ln]
    return " | ".join(lines[:3]) or "see its log (no error line found)"
