"""Templates to text: one Jinja environment per output format, and PDF through a TeX engine.

Templates come from the installed package `derive.templates` (the checkout's templates/ folder when
running from source); a folder given with --templates overrides any of them by file name. Undefined
variables fail loudly (StrictUndefined). The .tex templates use ((* *)) for blocks, ((( ))) for
values and ((= =)) for comments, so that LaTeX's braces never clash with Jinja's.

Mathematics reaches the templates ready-made (LaTeX strings from document.py); the filters here
only place it: `eq` displays an Equation, `math` sets LaTeX inline, `num` writes a number. For HTML
they convert the same LaTeX to MathML (latex2mathml), so the page needs no script and no network.
"""

from __future__ import annotations

import base64
import importlib.resources
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..document.formatting import fmt, fmt_tex
from ..errors import DeriveError, ToolMissing
from .marker import MARKER, mark

TEX_PACKAGES = "texlive-latex-base texlive-latex-recommended texlive-pictures latexmk"
TEX_LINE = 66          # a displayed equation showing more characters than this is set over several lines
TEX_TERMS_LINE = 72    # a sum showing more than this is broken after its terms
TEX_TIMEOUT = 300


# --- loading templates ---------------------------------------------------------------------------

def _checkout_templates() -> Path:
    return Path(__file__).resolve().parents[2] / "templates"


class PackageLoader(jinja2.BaseLoader):
    """Templates shipped in the package derive.templates, or in the checkout's templates/ folder."""

    def __init__(self):
        try:
            self.root = importlib.resources.files("derive.templates")
        except ModuleNotFoundError:
            self.root = _checkout_templates()

    def get_source(self, environment, template):
        path = self.root / template
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        return path.read_text(encoding="utf-8"), None, lambda: True


def environment(fmt_: str, templates: Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        if not templates.is_dir():
            raise DeriveError(f"--templates {templates}: no such folder")
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    loaders.append(PackageLoader())
    options = dict(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined, trim_blocks=True,
                   lstrip_blocks=True, keep_trailing_newline=True, autoescape=(fmt_ == "html"))
    if fmt_ == "tex":
        options.update(block_start_string="((*", block_end_string="*))", variable_start_string="(((",
                       variable_end_string=")))", comment_start_string="((=", comment_end_string="=))")
    env = jinja2.Environment(**options)
    env.filters.update(FILTERS[fmt_])
    return env


# --- filters -------------------------------------------------------------------------------------

def _md_eq(e) -> str:
    return f"$${e.latex}$$"


def visible_length(latex: str) -> int:
    """About how many characters a formula shows: commands count as one, braces and markup as none."""
    s = re.sub(r"\\(left|right|mathrm|text|mathbf|boldsymbol|operatorname|frac|begin|end)\b", "", latex)
    s = re.sub(r"\\[A-Za-z]+", "x", s)
    return len(re.sub(r"[{}\s_^&]", "", s))


def _tex_part(part) -> list[str]:
    """A sum as lines: whole when short, else one term per line."""
    from ..document.build import join_terms

    whole = join_terms(part)
    if visible_length(whole) <= TEX_TERMS_LINE or len(part) == 1:
        return [whole]
    return [part[0]] + [f"- {t[1:].lstrip()}" if t.startswith("-") else f"+ {t}" for t in part[1:]]


def _tex_eq(e) -> str:
    if visible_length(e.latex) <= TEX_LINE or len(e.parts) == 1:
        return "\\[ %s \\]" % e.latex
    lines = []
    for i, part in enumerate(e.parts[1:]):
        for j, text in enumerate(_tex_part(part)):
            lead = (e.lhs if i == 0 and j == 0 else "") + (" &= " if j == 0 else r" &\quad ")
            lines.append(lead + text)
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def _tex_row(eqs) -> str:
    return "\\[ %s \\]" % r", \qquad ".join(e.latex for e in eqs)


TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%",
               "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
               "<": r"$<$", ">": r"$>$", "|": r"$|$"}  # the last three: the default (OT1) fonts lack them
TEX_UNICODE = {"σ": r"$\sigma$", "δ": r"$\delta$", "η": r"$\eta$", "ε": r"$\varepsilon$", "λ": r"$\lambda$",
               "−": "-", "–": "--", "—": "---", "×": r"$\times$", "⊙": r"$\odot$", "½": r"$\frac{1}{2}$",
               "²": r"$^2$", "′": "'", "→": r"$\to$", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}"}


def _tex_text(s: str) -> str:
    """Plain text for LaTeX: the special characters escaped; characters pdflatex cannot set with its
    default fonts written as LaTeX, or as '?' when there is no such writing."""
    out = []
    for c in str(s):
        if c in TEX_SPECIAL:
            out.append(TEX_SPECIAL[c])
        elif ord(c) < 128 or c.isalpha() and ord(c) < 256:
            out.append(c)
        else:
            out.append(TEX_UNICODE.get(c, "?"))
    return "".join(out)


def _tex_num(x) -> str:
    s = fmt_tex(x)
    return f"${s}$" if "times" in s else s


def _mathml(latex: str, display: str) -> Markup:
    from latex2mathml.converter import convert

    return Markup(convert(latex, display=display))


def _html_eq(e) -> Markup:
    return Markup('<div class="eq">') + _mathml(e.latex, "block") + Markup("</div>")


def _md_row(eqs) -> str:
    return "\n\n".join(_md_eq(e) for e in eqs)


def _html_row(eqs) -> Markup:
    return Markup("").join(_html_eq(e) for e in eqs)


FILTERS = {
    "md": {"eq": _md_eq, "eqrow": _md_row, "math": lambda s: f"${s}$", "display": lambda s: f"$${s}$$",
           "num": fmt, "text": lambda s: s},
    "tex": {"eq": _tex_eq, "eqrow": _tex_row, "math": lambda s: f"${s}$", "display": lambda s: "\\[ %s \\]" % s,
            "num": _tex_num, "text": _tex_text},
    "html": {"eq": _html_eq, "eqrow": _html_row, "math": lambda s: _mathml(s, "inline"),
             "display": lambda s: _mathml(s, "block"), "num": fmt, "text": lambda s: s},
}


# --- rendering -----------------------------------------------------------------------------------

def render(template: str, fmt_: str, context: dict, templates: Path | None = None, source: str = "") -> str:
    """A template rendered, with the generator's marker line (after the doctype for HTML)."""
    try:
        text = environment(fmt_, templates).get_template(template).render(**context)
    except jinja2.TemplateNotFound as e:
        raise DeriveError(f"template not found: {e.name}") from None
    except jinja2.UndefinedError as e:
        raise DeriveError(f"template {template}: {e.message}") from None
    except jinja2.TemplateSyntaxError as e:
        raise DeriveError(f"template {e.filename or template}:{e.lineno}: {e.message}") from None
    if fmt_ == "md":
        text = re.sub(r"\n{3,}", "\n\n", text)
    note = f"{MARKER}{f' from {source}' if source else ''}; edit the templates, not this file"
    return mark(text, note, "tex" if fmt_ == "tex" else "html")


def figure_for(fmt_: str, figure, svg_name: str | None) -> tuple[str, dict[str, bytes]]:
    """The figure as the format shows it, and any file it needs beside the document."""
    from ..document.figure import to_svg, to_tikz

    if fmt_ == "tex":
        return to_tikz(figure), {}
    svg = to_svg(figure)
    if fmt_ == "html":
        return svg, {}
    if svg_name:  # Markdown: an SVG file beside the document (GitHub shows it; inline SVG it does not)
        svg = mark(svg, f"{MARKER}: the figure of a derivation document")
        return f"![the network]({svg_name})", {svg_name: svg.encode()}
    data = base64.b64encode(svg.encode()).decode()
    return f"![the network](data:image/svg+xml;base64,{data})", {}


def document_files(doc, fmt_: str, stem: str | None, templates: Path | None = None,
                   source: str = "") -> dict[str, bytes]:
    """A derivation document: {file name: bytes}. stem None gives the document alone (no file
    beside it) under the name '' for printing."""
    base = "tex" if fmt_ == "pdf" else fmt_
    figure, extra = figure_for(base, doc.figure, f"{stem}.svg" if stem and base == "md" else None)
    text = render(f"document.{base}.j2", base, {"doc": doc, "figure": figure}, templates, source)
    if fmt_ == "pdf":
        return {f"{stem or doc.name}.pdf": compile_pdf(text)}
    return {(f"{stem}.{fmt_}" if stem else ""): text.encode(), **extra}


# --- PDF -----------------------------------------------------------------------------------------

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
