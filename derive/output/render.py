"""Documents and handouts to files: {file name: bytes}, each text with the generator's marker line.

A document is rendered from its template with the figure as its format shows it (TikZ in LaTeX, inline
SVG in HTML, an SVG file beside a Markdown page); a PDF is its LaTeX through the TeX engine.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import jinja2

from ..document.formatting import DECIMALS, written_with
from ..document.handout import DEFAULT_TOLERANCE, Sheet, Variant, sheet, variants
from ..errors import DeriveError
from ..network.graph import Network
from .draw import circuit_svg, circuit_tikz, to_svg, to_tikz
from .marker import MARKER, mark
from .pdf import compile_pdf
from .templates import environment

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


def graph_for(fmt_: str, circuit, svg_name: str | None) -> tuple[str, dict[str, bytes]]:
    """The computational graph with its numbers as the format shows it ('' when there is none to draw),
    and any file it needs beside the document. The numbers are written with the decimals in use."""
    if circuit is None or not circuit.nodes:
        return "", {}
    if fmt_ == "tex":
        return circuit_tikz(circuit), {}
    svg = circuit_svg(circuit)
    if fmt_ == "html":
        return svg, {}
    if svg_name:
        svg = mark(svg, f"{MARKER}: the computational graph of a derivation document")
        return f"![the computational graph]({svg_name})", {svg_name: svg.encode()}
    data = base64.b64encode(svg.encode()).decode()
    return f"![the computational graph](data:image/svg+xml;base64,{data})", {}


def document_files(doc, fmt_: str, stem: str | None, templates: Path | None = None,
                   source: str = "") -> dict[str, bytes]:
    """A derivation document: {file name: bytes}. stem None gives the document alone (no file
    beside it) under the name '' for printing."""
    base = "tex" if fmt_ == "pdf" else fmt_
    figure, extra = figure_for(base, doc.figure, f"{stem}.svg" if stem and base == "md" else None)
    with written_with(doc.decimals):
        graph, beside = graph_for(base, getattr(doc.figure, "graph", None),
                                  f"{stem}-graph.svg" if stem and base == "md" else None)
        extra.update(beside)
        context = {"doc": doc, "figure": figure, "graph": graph, "circuit": getattr(doc.figure, "graph", None)}
        text = render(f"document.{base}.j2", base, context, templates, source)
    if fmt_ == "pdf":
        return {f"{stem or doc.name}.pdf": compile_pdf(text)}
    return {(f"{stem}.{fmt_}" if stem else ""): text.encode(), **extra}


@dataclass(frozen=True)
class Planned:
    """One sheet to make: its file stem, its variant, and the command that made it (for the marker line)."""
    stem: str
    variant: Variant
    source: str
    student_id: str = ""
    student_name: str = ""


@dataclass(frozen=True)
class Rendered:
    planned: Planned
    sheet: Sheet
    files: dict[str, bytes]  # the exercise sheet and its answer key (and the figure beside a Markdown sheet)
    figure: str              # the figure as the format shows it


def numbered(net: Network, count: int, seed: int, tolerance: Fraction = DEFAULT_TOLERANCE) -> list[Planned]:
    """Variants 1..count from one seed, numbered with as many digits as count has (01..12), so that
    the files sort in order."""
    width = len(str(count))
    return [Planned(f"{net.name}-{v.number:0{width}d}", v,
                    f"derive handout {net.name} --seed {seed} (variant {v.number})")
            for v in variants(net, count, seed, tolerance)]


def handout_files(net: Network, count: int, seed: int, fmt_: str, templates: Path | None = None,
                  progress=None, allow_large: bool = False, decimals: int = DECIMALS) -> dict[str, bytes]:
    """{file name: bytes} for every variant's exercise sheet and answer key."""
    files: dict[str, bytes] = {}
    for r in rendered_handouts(net, numbered(net, count, seed), count, seed, fmt_, templates, progress, allow_large,
                               decimals):
        files.update(r.files)
    return files


def rendered_handouts(net: Network, planned: list[Planned], count: int, seed: int, fmt_: str,
                      templates: Path | None = None, progress=None, allow_large: bool = False,
                      decimals: int = DECIMALS) -> list[Rendered]:
    """Every planned sheet rendered: its exercise sheet and answer key, as files of the format, with
    numbers of at most `decimals` decimals (the JSON keys keep every value exact)."""
    with written_with(decimals):
        return _rendered(net, planned, count, seed, fmt_, templates, progress, allow_large)


def _rendered(net: Network, planned: list[Planned], count: int, seed: int, fmt_: str, templates: Path | None,
              progress, allow_large: bool) -> list[Rendered]:
    base = "tex" if fmt_ == "pdf" else fmt_
    out = []
    for i, p in enumerate(planned, 1):
        if progress:
            progress(f"{'student ' + p.student_id if p.student_id else 'variant ' + str(p.variant.number)} "
                     f"({i} of {len(planned)})")
        s, doc = sheet(p.variant, count, seed, allow_large, p.student_id, p.student_name)
        figure, files = figure_for(base, s.figure, f"{net.name}-network.svg" if base == "md" else None)
        for part in ("exercise", "answers"):
            text = render(f"{part}.{base}.j2", base, {"sheet": s, "doc": doc, "figure": figure}, templates, p.source)
            if fmt_ == "pdf":
                files[f"{p.stem}-{part}.pdf"] = compile_pdf(text)
            else:
                files[f"{p.stem}-{part}.{fmt_}"] = text.encode()
        out.append(Rendered(p, s, files, figure))
    return out


def combined_file(net: Network, rendered: list[Rendered], fmt_: str, templates: Path | None = None,
                  source: str = "") -> dict[str, bytes]:
    """Every exercise sheet in one file for printing, each starting a new page: NAME-exercises.FORMAT."""
    base = "tex" if fmt_ == "pdf" else fmt_
    context = {"sheets": [{"sheet": r.sheet, "figure": r.figure} for r in rendered]}
    text = render(f"combined.{base}.j2", base, context, templates, source)
    return {f"{net.name}-exercises.{fmt_}": compile_pdf(text) if fmt_ == "pdf" else text.encode()}
