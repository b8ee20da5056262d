"""Templates: one Jinja environment per output format, and the filters that place ready-made mathematics.

Templates come from the installed package `derive.templates` (the checkout's templates/ folder when
running from source); a folder given with --templates overrides any of them by file name. Undefined
variables fail loudly (StrictUndefined). The .tex templates use ((* *)) for blocks, ((( ))) for
values and ((= =)) for comments, so that LaTeX's braces never clash with Jinja's.

Mathematics reaches the templates ready-made (LaTeX strings from the document stage); the filters here
only place it: `eq` displays an Equation, `math` sets LaTeX inline, `num` writes a number. For HTML
they convert the same LaTeX to MathML (latex2mathml), so the page needs no script and no network.
"""

from __future__ import annotations

import importlib.resources
import re
from pathlib import Path

import jinja2
from latex2mathml.converter import convert
from markupsafe import Markup

from ..document.formatting import fmt, fmt_tex
from ..document.model import join_terms, visible_length
from ..errors import DeriveError

TEX_LINE = 66          # a displayed equation showing more characters than this is set over several lines
TEX_TERMS_LINE = 72    # a sum showing more than this is broken after its terms


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
    env.filters["spelled"] = spelled
    return env


# --- filters -------------------------------------------------------------------------------------

def _md_eq(e) -> str:
    return f"$${e.latex}$$"


def _tex_part(part) -> list[str]:
    """A sum as lines: whole when short, else one term per line."""
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


ALIGN_LINE = 72   # a row of an aligned group showing more than this continues on the next line


def aligned_lines(e, width: int = ALIGN_LINE, split_terms: bool = True) -> list[str]:
    """One equation as rows of an aligned group: `lhs &= a = b`, continued on new rows `&= c` when it
    grows wider than width, and a long sum one term per row."""
    if len(e.parts) == 1:
        return [join_terms(e.parts[0])]
    lines: list[str] = []
    current = e.lhs + " &= "
    first = True
    for part in e.parts[1:]:
        whole = join_terms(part)
        if first:
            candidate = current + whole
        else:
            candidate = current + " = " + whole
        if visible_length(candidate) <= width or first and visible_length(whole) <= width:
            current = candidate
        else:
            if not first:
                lines.append(current)
                current = "&= "
            pieces = _tex_part(part) if split_terms else [whole]
            current += pieces[0]
            for piece in pieces[1:]:
                lines.append(current)
                current = r"&\quad " + piece
        first = False
    lines.append(current)
    return lines


def _group_rows(g, split_terms: bool = True) -> list[str]:
    eqs = g.equations if hasattr(g, "equations") else g.lines if hasattr(g, "lines") else g
    rows: list[str] = []
    for e in eqs:
        if getattr(e, "kind", "") == "omitted":
            rows.append(r"&\quad \text{\ldots\ and %d more of the same kind} " % e.count)
        else:
            rows += aligned_lines(e, split_terms=split_terms)
    return rows


def aligned(g) -> str:
    return "\\begin{aligned}\n" + " \\\\\n".join(_group_rows(g, split_terms=False)) + "\n\\end{aligned}"


def _md_eqs(g) -> str:
    return f"$${aligned(g)}$$"


def _tex_eqs(g) -> str:
    return "\\begin{align*}\n" + " \\\\\n".join(_group_rows(g)) + "\n\\end{align*}"


def split_at_alignment(row: str) -> tuple[str, str]:
    """A row of an aligned group at its alignment point: the first & outside braces and environments."""
    depth = 0
    for m in re.finditer(r"\\begin\{[^{}]*\}|\\end\{[^{}]*\}|\\[{}&]|[{}&]", row):
        t = m.group(0)
        if t.startswith("\\begin") or t == "{":
            depth += 1
        elif t.startswith("\\end") or t == "}":
            depth -= 1
        elif t == "&" and depth == 0:
            return row[:m.start()], row[m.end():]
    return "", row


def _mathml_inner(latex: str) -> str:
    """The content of latex2mathml's <math> element for a formula, to place in a cell of our own table."""
    if not latex.strip():
        return ""
    out = str(_mathml(latex, "inline"))
    return out[out.index(">") + 1:out.rindex("</math>")]


def _html_eqs(g) -> Markup:
    """A group of equations aligned on '=' as a MathML table of two columns (latex2mathml does not lay
    out `aligned`: it would run the rows together with a literal &)."""
    eqs = g.equations if hasattr(g, "equations") else g.lines if hasattr(g, "lines") else g
    rows = []
    for e in eqs:
        if getattr(e, "kind", "") == "omitted":  # as text: latex2mathml would spell out \ldots
            rows.append(f'<mtr><mtd class="l"></mtd><mtd class="r"><mtext>… and {e.count} more of the same kind'
                        '</mtext></mtd></mtr>')
            continue
        for row in aligned_lines(e):
            left, right = split_at_alignment(row)
            rows.append(f'<mtr><mtd class="l">{_mathml_inner(left)}</mtd><mtd class="r">{_mathml_inner(right)}</mtd>'
                        '</mtr>')
    return Markup('<div class="eq"><math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'
                  '<mtable class="aligned" displaystyle="true">' + "".join(rows) + "</mtable></math></div>")


def cells(e) -> list[str]:
    """A row of a forward table: `q = definition`, `= with the numbers`, `= value` ('' where missing)."""
    parts = [join_terms(p) for p in e.parts]
    if len(parts) == 1:
        return [parts[0], "", ""]
    head = f"{parts[0]} = {parts[1]}"
    if len(parts) == 2:
        return [head, "", ""]
    middle = " = ".join(parts[2:-1])
    return [head, f"= {middle}" if middle else "", f"= {parts[-1]}"]


TABLE_SMALL = 105  # a forward table whose widest row shows more than this is set a size smaller


def _tex_table_size(rows) -> str:
    """The font size of a forward table: \\small, or \\footnotesize when a row would not fit the page."""
    widths = [visible_length(" ".join(cells(r))) for r in rows if getattr(r, "kind", "") != "omitted"]
    return r"\footnotesize\setlength{\tabcolsep}{3pt}" if max(widths, default=0) > TABLE_SMALL else r"\small"


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


MD_SPECIAL = {"&": "&amp;", "<": "&lt;"}


def _md_text(s) -> str:
    """Plain text for Markdown: '<' and '&' as entities, so that text from a spec or a roster can never
    open an HTML tag or an entity (Markdown passes raw HTML through) and shows as written; '>' alone
    opens nothing and stays readable (k1 -> C1)."""
    return "".join(MD_SPECIAL.get(c, c) for c in str(s))


def _tex_num(x) -> str:
    s = fmt_tex(x)
    return f"${s}$" if "times" in s else s


UPRIGHT_WORD = re.compile(r"\\mathrm\{([A-Za-z]{2,})\}")
UNARY_MINUS = re.compile(  # after an operator other than a closing bracket, or at the start of a row
    r"(<mo(?![^>]*postfix)[^>]*>(?!&#x00029;|&#x0005D;|[)\]])[^<]*</mo>|<mrow>)<mo>&#x02212;</mo>")


def _mathml(latex: str, display: str) -> Markup:
    """MathML of a formula; an upright name of several letters (\\mathrm{net}) as one <mtext>, not one
    <mi> per letter; a minus after '=', '(' or another operator marked as a sign (form="prefix"), which
    browsers set close to its number (= −0.2, not = − 0.2)."""
    out = convert(UPRIGHT_WORD.sub(r"\\text{\1}", latex), display=display)
    return Markup(UNARY_MINUS.sub(r'\1<mo form="prefix">&#x02212;</mo>', out))


def _html_eq(e) -> Markup:
    return Markup('<div class="eq">') + _mathml(e.latex, "block") + Markup("</div>")


def _md_row(eqs) -> str:
    return "\n\n".join(_md_eq(e) for e in eqs)


def _html_row(eqs) -> Markup:
    return Markup("").join(_html_eq(e) for e in eqs)


SPELLED = dict(enumerate("zero one two three four five six seven eight nine ten eleven twelve".split()))


def spelled(n: int) -> str:
    """A small count in words, as prose writes it (nine decimals; 15 decimals)."""
    return SPELLED.get(n, str(n))


FILTERS = {
    "md": {"eqs": _md_eqs, "cells": cells, "eq": _md_eq, "eqrow": _md_row, "math": lambda s: f"${s}$",
           "display": lambda s: f"$${s}$$", "num": fmt, "text": _md_text},
    "tex": {"eqs": _tex_eqs, "cells": cells, "eq": _tex_eq, "eqrow": _tex_row, "math": lambda s: f"${s}$",
            "display": lambda s: "\\[ %s \\]" % s, "table_size": _tex_table_size,
            "num": _tex_num, "text": _tex_text},
    "html": {"eqs": _html_eqs, "cells": cells, "eq": _html_eq, "eqrow": _html_row,
             "math": lambda s: _mathml(s, "inline"), "display": lambda s: _mathml(s, "block"), "num": fmt,
             "text": lambda s: s},
}
