"""Find the formulas in a note: display and inline maths, rows of aligned environments, column sums,
formula images, and plain-text formula lines, each with its exact position in the note. Markdown,
plain text, LaTeX documents (.tex) and notebooks (.ipynb: their markdown cells) are read; where the
maths is comes from markup.py, which plain-text lines are formulas from plaintext.py.

Every formula's text has the same length as the slice of the note it came from (what the grammar
should not see is blanked with spaces), so a position inside a formula maps straight back to the
note's line and column.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import PurePath

import yaml

from ...errors import NoteError
from . import latexdoc, markup, mermaid, notebook, plaintext, tables
from .macros import expand, find_macros, original


def locate(cells: list[tuple[int, int]], line: int) -> str:
    """Where a line is for a reader, given the (first line, number) of each notebook cell:
    "cell 3, line 2" in a notebook, else "line 12"."""
    i = bisect.bisect_right([first for first, _ in cells], line) - 1
    if i < 0:
        return f"line {line}"
    first, number = cells[i]
    return f"cell {number}, line {line - first + 1}"


@dataclass(frozen=True)
class Formula:
    text: str
    start: int            # offset of text[0] in the note
    line: int             # 1-based
    col: int              # 1-based
    kind: str             # display | inline | row | bare | column_sum | table | vector
    block: int            # formulas of one math block share this number
    rows: tuple[int, ...] = ()  # for kind "vector": the indices of the aligned rows it continues
    ranges: tuple[tuple[str, int, int], ...] = ()  # (g, h = 1, …, 10; c = 1, …, 6): one formula per value
    origin: tuple = ()  # the note's macros written out in text: where each was (macros.expand)


@dataclass
class Note:
    path: str
    text: str
    front_matter: dict = field(default_factory=dict)
    formulas: list[Formula] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)
    cells: list[tuple[int, int]] = field(default_factory=list)  # notebook: (first line, cell number)
    headings: list[tuple[int, int, str]] = field(default_factory=list)  # (line, level, title)
    markup: str = "markdown"  # markdown | latex | notebook

    def locate(self, line: int) -> str:
        """Where a line is for a reader: "cell 3, line 2" in a notebook, else "line 12"."""
        return locate(self.cells, line)

    def where(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.line_starts, offset) - 1
        return i + 1, offset - self.line_starts[i] + 1

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        return self.text[start:end]


# --- blanking: what the grammar never needs to see, replaced by spaces of the same length ---------

_BLANK = re.compile(
    r"(?P<keep>\\\\|\\begin\{[a-zA-Z]*matrix\}.*?\\end\{[a-zA-Z]*matrix\})"
    r"|\\(left|right|bigl|bigr|Bigl|Bigr|big|Big|bigg|Bigg)(?![a-zA-Z])\.?"
    r"|\\(displaystyle|textstyle|limits|nolimits|nonumber|notag|hline|qquad|quad|hfill)(?![a-zA-Z])"
    r"|\\[,;:! ]|~|&|\\tag\*?\{[^{}]*\}"
    # presentation only: colour, size, font switches, labels, a row's extra space, zero-width characters
    r"|\\(color|textcolor|label)\s*\{[^{}]*\}"
    r"|\\(large|Large|LARGE|huge|Huge|small|footnotesize|normalsize|rm|bf|it|sf|newline|scriptstyle)(?![a-zA-Z])"
    r"|(?<=\\\\)\s*\[-?[\d.]+\s*(pt|em|ex|mm|cm)\]|^\s*\[-?[\d.]+\s*(pt|em|ex|mm|cm)\]"
    r"|[\u200b\u200c\u200d\u2060\ufeff]"
    r"|\\(begin|end)\{(equation|displaymath)\*?\}", re.S
)
_PRIME = re.compile(r"\^\{?\\prime\}?|\\prime(?![a-zA-Z])|′|’")
# `… \text{ if } j = 0`: what comes before holds under a condition (the grammar's COND mark, ¦)
_IF = re.compile(r"\\(?:text|mbox|textrm)\s*\{\s*(?:if|when|for all|otherwise|else)\s*[,:]?\s*\}")
# "and", "where", "with", "for" in the languages notes are written in (\text{où}, \text{其中}, \text{여기서})
_CONNECTIVES = ("and|or|where|with|for|et|ou|où|avec|pour|donde|y|o|con|para|und|oder|wobei|mit|für|где|и|или|при|"
                "с|для|其中|这里|此时|且|和|ここで|ただし|および|여기서|및|그리고")
_AND = re.compile(r"\\(?:text|mbox|textrm)\s*\{\s*(" + _CONNECTIVES + r")\s*[,:]?\s*\}"
                  r"|(?<![\\a-zA-Z{])(and|with|where|for|let)(?![a-zA-Z}])")
_BULLET = re.compile(r"^\s*(-|\\otimes|\\bullet|\*|⊗|•)\s+(?=\\[dt]?frac|\\text|\\partial|d|[A-Za-z])")
_TRAILING = re.compile(r"(?:[\s.:,;]|\\\\)+$")  # a row break or full stop at the end
# … \quad \text{(unit 2 is off)}
_REMARK = re.compile(r"\\q?quad\s*\(?\s*\\(?:text|textrm|mathrm|textit)\s*\{[^{}]*\}\s*\)?[\s.]*$"
                     # … \text{ (substituting f back with h) }: a parenthesised remark of several words
                     r"|\\(?:text|textrm|mbox|textit)\s*\{\s*\([^{}\s]*\s[^{}]*\)\s*\}[\s.]*$")


def _blank_match(m: re.Match) -> str:
    if m.group("keep") is None:
        return " " * len(m.group(0))
    if m.group(0) == "\\\\":
        return m.group(0)
    # inside a matrix keep & and row breaks, blank only sizing and spacing commands
    inner = m.group(0)
    return re.sub(r"\\(left|right|big|Big|quad|qquad)(?![a-zA-Z])\.?|\\[,;:! ](?<!\\\\ )",
                  lambda k: " " * len(k.group(0)), inner)


_QUAD = re.compile(r"\\q?quad(?![a-zA-Z])")


def _row_vectors(text: str) -> str:
    """`[w_a \\quad w_b \\quad w_c]`: inside square brackets, wide spaces separate entries."""
    out, depth = list(text), 0
    for i, c in enumerate(text):
        if c == "[":
            depth += 1
        elif c == "]":
            depth = max(0, depth - 1)
        elif c == "\\" and depth and _QUAD.match(text, i):
            m = _QUAD.match(text, i)
            out[i:m.end()] = "," + " " * (m.end() - i - 1)
    return "".join(out)


_SET_BRACE = re.compile(r"(?<!\\)\\([{}])")


# full-width punctuation of Chinese and Japanese notes, read as its ASCII form (one character for one)
_FULL_WIDTH = str.maketrans({"，": ",", "、": ",", "；": ";", "：": ":", "（": "(", "）": ")", "。": ".", "＝": "="})
# decimal commas: 0{,}5 always; 0,5 in a note that writes its decimals so (see decimal_comma)
_BRACED_COMMA = re.compile(r"(\d+)\{,\}(\d+)")
_COMMA_NUMBER = re.compile(r"(?<![\w.,{_^])(?:0,\d+|\d+,\d{2,})(?![\d,])")
_POINT_NUMBER = re.compile(r"(?<![\w.])\d+\.\d+")


def decimal_comma(src: str) -> bool:
    """The note writes decimals with a comma (0{,}5, or 0,6225 in a note with no decimal point), as French,
    Spanish, Russian and German notes do."""
    return "{,}" in src or (bool(_COMMA_NUMBER.search(src)) and not _POINT_NUMBER.search(src))


def _decimal_points(text: str) -> str:
    """0{,}5 → 0.5 (the two spaces after the number) and 0,5 → 0.5, except in a subscript or superscript
    (x_{1,2} keeps its comma). One pass, with the braces open at each point on a stack."""
    text = _BRACED_COMMA.sub(lambda m: m.group(1) + "." + m.group(2) + "  ", text)
    out = list(text)
    scripts: list[bool] = []  # for each open brace: is it a subscript's or a superscript's
    for i, c in enumerate(text):
        if c == "{":
            scripts.append(i > 0 and text[i - 1] in "_^")
        elif c == "}":
            if scripts:
                scripts.pop()
        elif c == "," and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit() \
                and not (scripts and scripts[-1]):
            out[i] = "."
    return "".join(out)


_CUT_COMMA = re.compile(r"\d\{(?:,\}?\d*)?$")
_COMMA_REST = re.compile(r"[,}]*\d*")


def source_end(text: str, end: int) -> int:
    """Where a claim read from text[…:end] ends in the note's own text: a number written 0{,}5 is read as 0.5,
    two characters shorter, so a claim ending in one is given the rest of it."""
    if _CUT_COMMA.search(text[max(0, end - 40):end]):
        return _COMMA_REST.match(text, end).end()
    return end


# ‖a − y‖²: for the numbers a note's formulas are read in, the square of a norm is the square
_NORM_SQUARED = re.compile(r"(?P<open>\\(?:lVert|Vert|\|))(?P<inner>(?:(?!\\(?:lVert|rVert|Vert|\|)).)*?)"
                           r"(?P<close>\\(?:rVert|Vert|\|))(?P<power>\s*\^\s*\{?\s*2\s*\}?)")


def _norm_squared(m: re.Match) -> str:
    """Each bar becomes a parenthesis and spaces, so that every column keeps its place."""
    return ("(" + " " * (len(m.group("open")) - 1) + m.group("inner") + ")" + " " * (len(m.group("close")) - 1)
            + m.group("power"))


_QUOTED = re.compile(r"(?m)^[ \t]*(?:>[ \t]?)+")


def _unquoted(text: str) -> str:
    """A display inside a Markdown blockquote: every line after the first starts with `>`, which is the quote's
    and not a relation."""
    lines = text.split("\n")
    if len(lines) > 1 and all(_QUOTED.match(line) for line in lines[1:] if line.strip()):
        return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)
    return text


# a^{⟨t⟩}, Ng's time step: a label in angle brackets, read as a^{(t)}
_ANGLE_LABEL = re.compile(r"\^\s*\{\s*(\\langle|⟨)([^{}]*?)(\\rangle|⟩)\s*\}")


def _angle_label(m: re.Match) -> str:
    out = "^{(" + " " * (len(m.group(1)) - 1) + m.group(2) + ")" + " " * (len(m.group(3)) - 1)
    return out + " " * (len(m.group(0)) - len(out) - 1) + "}"


def blank(text: str, comma: bool = False) -> str:
    """Length-preserving clean-up of a formula's text (comma: the note's decimals are written with a comma)."""
    text = _ANGLE_LABEL.sub(_angle_label, text) if "rangle" in text or "⟩" in text else text
    text = _NORM_SQUARED.sub(_norm_squared, _unquoted(text).translate(_FULL_WIDTH))
    if comma:
        text = _decimal_points(text)
    out = _REMARK.sub(lambda m: " " * len(m.group(0)), text)
    out = _SET_BRACE.sub(lambda m: " (" if m.group(1) == "{" else ") ", out)  # \big\{ … \big\}: parentheses
    out = _BLANK.sub(_blank_match, _row_vectors(out))
    out = _PRIME.sub(lambda m: "'" + " " * (len(m.group(0)) - 1), out)
    out = _IF.sub(lambda m: "¦" + " " * (len(m.group(0)) - 1), out)
    out = _AND.sub(lambda m: ";" + " " * (len(m.group(0)) - 1), out)
    m = _BULLET.match(out)
    if m:
        out = " " * len(m.group(0)) + out[len(m.group(0)):]
    m = _TRAILING.search(out)
    if m:
        out = out[: m.start()] + " " * len(m.group(0))
    return out


# --- splitting aligned environments --------------------------------------------------------------

_ENV = re.compile(r"\\(begin|end)\{([a-zA-Z*]+)\}")
_ROWS_ENVS = ("aligned", "align", "align*", "split", "gathered", "gather", "gather*", "eqnarray", "eqnarray*")


def _matching_end(s: str, pos: int, env: str) -> int:
    """Index of the \\end{env} closing the \\begin{env} that ends at pos (-1 if none)."""
    depth = 1
    for m in _ENV.finditer(s, pos):
        if m.group(2) == env:
            depth += 1 if m.group(1) == "begin" else -1
            if depth == 0:
                return m.start()
    return -1


def _split_rows(s: str, start: int, end: int) -> list[tuple[int, int]]:
    """Row spans of s[start:end] split at \\\\ that are not inside braces or nested environments."""
    rows, depth, env_depth, i, row_start = [], 0, 0, start, start
    while i < end:
        c = s[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif s.startswith("\\begin{", i):
            env_depth += 1
        elif s.startswith("\\end{", i):
            env_depth -= 1
        elif s.startswith("\\\\", i) and depth == 0 and env_depth == 0:
            rows.append((row_start, i))
            i += 2
            row_start = i
            continue
        elif c == "\\":
            i += 2
            continue
        i += 1
    rows.append((row_start, end))
    return rows


_ARITH_LINE = re.compile(r"^[\s\d.+\-−*/×·()=\[\]]+$")
_COLUMN = re.compile(r"\\begin\{array\}\{[^{}]*\}(.*?)\\end\{array\}", re.S)


class _Builder:
    def __init__(self, note: Note, src: str | None = None):
        self.note = note
        self.src = note.text if src is None else src  # as long as note.text: what the formulas are read from
        self.block = 0
        self.comma = decimal_comma(self.src)
        self.macros = find_macros(self.src)

    def add(self, start: int, end: int, kind: str, rows: tuple[int, ...] = ()) -> int | None:
        text, ranges = index_ranges(self.src[start:end])
        text, origin = expand(text, self.macros)
        text = blank(text, self.comma)
        if not text.strip():
            return None
        lead = len(text) - len(text.lstrip())
        line, col = self.note.where(start + original(origin, lead))
        self.note.formulas.append(Formula(text, start, line, col, kind, self.block, rows, ranges, origin))
        return len(self.note.formulas) - 1

    def display(self, start: int, end: int, kind: str = "display") -> None:
        s = self.src
        self.block += 1
        pos = start
        for m in _ENV.finditer(s, start, end):
            if m.start() < pos or m.group(1) != "begin":
                continue
            env = m.group(2)
            if env in _ROWS_ENVS:
                close = _matching_end(s, m.end(), env)
                if close < 0 or close > end:
                    continue
                self.add(pos, m.start(), kind)
                rows = [self.add(a, b, "row") for a, b in _split_rows(s, m.end(), close)]
                pos = close + len(f"\\end{{{env}}}")
                after = s[pos:end].lstrip()
                if after.startswith("=") and any(r is not None for r in rows):
                    self.add(pos, end, "vector", tuple(r for r in rows if r is not None))
                    pos = end
            elif env == "array":
                close = _matching_end(s, m.end(), env)
                body = s[m.end():close] if close > 0 else ""
                if close > 0 and "\\hline" in body:
                    self.column_sum(m.start(), close + len("\\end{array}"))
                    self.add(pos, m.start(), kind)
                    pos = close + len("\\end{array}")
        rows = _split_rows(s, pos, end) if kind in ("display", "inline") and "\\\\" in s[pos:end] else []
        if len(rows) > 1:  # `a = b \\ c = d` with no environment: MathJax breaks the line there
            for a, e in rows:
                self.add(a, e, "row")
            return
        self.add(pos, end, kind)

    def column_sum(self, start: int, end: int) -> None:
        """A written-out addition: numbers above \\hline, their sum below."""
        s = self.src[start:end]
        body = _COLUMN.search(s)
        if not body:
            return
        above, _, below = body.group(1).partition("\\hline")
        nums = re.findall(r"-?\d+(?:\.\d+)?", above)
        total = re.findall(r"-?\d+(?:\.\d+)?", below)
        if len(nums) >= 2 and len(total) == 1:
            text = " + ".join(nums) + " = " + total[0]
            line, col = self.note.where(start)
            self.note.formulas.append(Formula(text, start, line, col, "column_sum", self.block))


_DOTS = r"(?:\\dots|\\ldots|\\cdots|\.\.\.|…)"
_ONE_RANGE = rf"[a-z](?:\s*,\s*[a-z])*\s*=\s*-?\d+\s*,\s*{_DOTS}\s*,\s*-?\d+"
_RANGES = re.compile(rf"(?:\\q?quad|,)\s*\(\s*({_ONE_RANGE}(?:\s*;\s*(?:\\[ ,;])?\s*{_ONE_RANGE})*)\s*\)\s*$")


def index_ranges(text: str) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    """A formula written for a range of indices, `… \\quad (g, h = 1, \\dots, 10;\\ c = 1, \\dots, 6)`:
    the clause blanked out, and the ranges."""
    m = _RANGES.search(text)
    if not m:
        return text, ()
    ranges = []
    for part in re.split(r";", m.group(1)):
        letters, bounds = part.split("=")
        lo, hi = re.findall(r"-?\d+", bounds)[:1] + re.findall(r"-?\d+", bounds)[-1:]
        for letter in re.findall(r"[a-z]", letters):
            ranges.append((letter, int(lo), int(hi)))
    return text[: m.start()] + " " * (len(text) - m.start()), tuple(ranges)


_MATH_FENCES = ("math", "latex", "tex")
SYNTHESIZED = ("column_sum", "table")  # formulas whose text is made from the note's, not a slice of it
_PLAIN_FENCES = ("", "text", "txt", "plain", "plaintext", "math")
_FORMAT = {".tex": "latex", ".ipynb": "notebook", ".md": "markdown", ".markdown": "markdown", ".txt": "markdown"}


_LONE_CR = re.compile(r"\r(?!\n)")


def read_note(path: str, text: str) -> Note:
    """Split a note into formulas. Raises NoteError only for a note that cannot be read at all.
    The markup comes from the file's suffix, or for stdin and other names from its content; a
    notebook may be given as its JSON or as its markdown cells already extracted."""
    if "\x00" in text:
        raise NoteError(path, "this is not a text file")
    text = _LONE_CR.sub("\n", text)  # an old Mac line end: a line end for Markdown, so one for the places too
    fmt = _FORMAT.get(PurePath(path).suffix.lower())
    if fmt is None:
        fmt = ("notebook" if notebook.looks_like_notebook(text)
               else "latex" if latexdoc.looks_like_latex(text) else "markdown")
    cells: list[tuple[int, int]] = []
    if fmt == "notebook" and notebook.looks_like_notebook(text):
        text, cells = notebook.markdown_of(path, text)
    note = Note(path, text, cells=cells, markup=fmt)
    note.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    if fmt == "latex":
        src, body_start, body_end = latexdoc.body(text)
        note.headings = latexdoc.headings(src[body_start:body_end], lambda o: note.where(body_start + o)[0])
        skip: list[tuple[int, int]] = [(body_end, len(text))]
        plain_lines: set[int] = set()
        math_fences: list[tuple[int, int]] = []
        charts: set[int] = set()
    else:
        src, body_start = text, _front_matter(note)
        skip, plain_lines, math_fences, charts = _markdown_blocks(note)
    spans = [sp for sp in markup.find(src, body_start, skip) if sp.start < len(text)]
    spans += [markup.Span(a, b, "display", (a, b)) for a, b in math_fences]
    src = _decoded_images(src, spans)
    math_spans = [sp.outer for sp in spans]
    bare = [] if fmt == "latex" else _bare_lines(note, src, body_start, math_spans, skip, plain_lines)
    bare += _chart_edges(note, charts)
    src = _patched(src, [(a, t) for a, _, t in bare if t is not None])
    b = _Builder(note, src)
    for sp in sorted(spans, key=lambda sp: sp.start):
        if sp.kind == "env":
            _environment(b, sp)
        else:
            b.display(sp.start, sp.end, "display" if sp.kind == "display" else "inline")
    for a, e, _ in bare:
        b.block += 1
        b.add(a, e, "bare")
    if fmt == "markdown":  # | $C$ | $\nabla_a C$ |: each row claims the derivative of its formula
        lines = text.split("\n")
        for n, offset, claim in tables.derivative_rows(lines):
            b.block += 1
            start = note.line_starts[n] + offset
            note.formulas.append(Formula(claim, start, n + 1, offset + 1, "table", b.block))
    note.formulas.sort(key=lambda f: (f.start, f.kind != "vector"))
    return note


_BEGIN = re.compile(r"\\begin\{([a-zA-Z]+\*?)\}(\{[^{}]*\})?")


def _environment(b: _Builder, sp: markup.Span) -> None:
    """A bare environment: rows of align-like ones, the body of equation-like ones (multline's line
    breaks blanked: it is one formula)."""
    m = _BEGIN.match(b.src, sp.start)
    env = m.group(1) if m else ""
    if env in _ROWS_ENVS:
        b.display(sp.start, sp.end, "display")
        return
    close = b.src.rfind("\\end{", sp.start, sp.end)
    start = m.end() if m else sp.start
    end = close if close > start else sp.end
    if env.startswith("multline"):
        b.src = b.src[:start] + b.src[start:end].replace("\\\\", "  ") + b.src[end:]
    b.display(start, end, "display")


def _chart_edges(note: Note, lines: set[int]) -> list[tuple[int, int, str | None]]:
    """The edges of ```mermaid flowcharts that define a node, as plain-text definitions (mermaid.py)."""
    out: list[tuple[int, int, str | None]] = []
    for n in sorted(lines):
        found = mermaid.formula(note.line_text(n))
        if found is not None:
            start = note.line_starts[n - 1]
            out.append((start + found[0], start + len(note.line_text(n)), found[1]))
    return out


def _markdown_blocks(note: Note) -> tuple[list[tuple[int, int]], set[int], list[tuple[int, int]], set[int]]:
    """From markdown-it's block structure: the offsets of code to skip when looking for delimiters,
    the lines of plain code blocks (read for plain-text formulas), ```math blocks (display maths) and
    the lines of ```mermaid charts."""
    blocks = markup.blocks(note.text)
    starts = note.line_starts

    def offset(line: int) -> int:
        return starts[line] if line < len(starts) else len(note.text)

    skip, plain, fences, charts = [], set(), [], set()
    for first, end, info in blocks.code:
        if not info and (first >= len(starts) or not note.line_text(first + 1).lstrip().startswith(("```", "~~~"))):
            continue  # an indented block: delimiters in it are still looked for (OCR indents maths)
        skip.append((offset(first), offset(end)))
        word = info.split()[0].lower() if info.split() else ""
        if word in _MATH_FENCES:
            fences.append((offset(first + 1), max(offset(first + 1), offset(end - 1) - 1)))
        elif word in _PLAIN_FENCES:
            plain.update(range(first + 2, end))
        elif word == "mermaid":
            charts.update(range(first + 2, end))
    note.headings = [(line + 1, level, note.line_text(line + 1).strip("# \t")) for line, level, _ in blocks.headings]
    return skip, plain, fences, charts


def _decoded_images(src: str, spans: list[markup.Span]) -> str:
    return _patched(src, [(sp.start, sp.text) for sp in spans if sp.text is not None])


def _patched(src: str, patches: list[tuple[int, str]]) -> str:
    """src with each (offset, text) written over it, in one pass; every text keeps its slice's length."""
    if not patches:
        return src
    out, pos = [], 0
    for start, new in sorted(patches):
        if start < pos:
            continue
        out.append(src[pos:start])
        out.append(new)
        pos = start + len(new)
    out.append(src[pos:])
    return "".join(out)


MAX_FRONT_MATTER = 20_000  # characters: an id, a name, a table of aliases


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe subset without aliases (*name): a few hundred bytes of nested aliases stand for billions
    of values ("billion laughs"), which the reader of the aliases table would then expand."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed",
                                              self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _front_matter(note: Note) -> int:
    """The YAML between a first line `---` and the next `---`, into note.front_matter; the offset of the body.
    NoteError (front matter ...) for YAML that is not valid, too long, nested too deeply or uses aliases."""
    text = note.text
    if not text.startswith("---\n"):
        return 0
    end = text.find("\n---", 4, 4 + MAX_FRONT_MATTER + 1)
    if end < 0:
        if text.find("\n---", 4) < 0:
            return 0
        raise NoteError(note.path, f"front matter is longer than {MAX_FRONT_MATTER:,} characters; it holds an id "
                                   "and aliases", 1)
    try:
        data = yaml.load(text[4:end], Loader=_FrontMatterLoader)  # a SafeLoader, without aliases
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise NoteError(note.path, f"front matter is not valid YAML: {getattr(e, 'problem', e)}", line) from None
    except RecursionError:
        raise NoteError(note.path, "front matter is nested too deeply", 2) from None
    except ValueError as e:  # an integer of more digits than Python reads (4,300)
        raise NoteError(note.path, f"front matter has a value that cannot be read: {str(e).split(';')[0]}",
                        2) from None
    if data is not None and not isinstance(data, dict):
        raise NoteError(note.path, "front matter must be a mapping (key: value lines)", 2)
    aliases = (data or {}).get("aliases")
    if aliases is not None and (not isinstance(aliases, dict) or any(
            isinstance(v, (dict, list)) or v is None for v in aliases.values())):
        line = 2 + next((i for i, t in enumerate(text[4:end].split("\n")) if t.startswith("aliases")), 0)
        raise NoteError(note.path, "front matter: aliases must be name: name lines (w_41: w_a)", line)
    note.front_matter = data or {}
    return end + 4


def _bare_lines(note: Note, src: str, body_start: int, spans: list[tuple[int, int]], code: list[tuple[int, int]],
                plain_code: set[int]) -> list[tuple[int, int, str | None]]:
    """Formula lines outside maths and outside code (but in plain ```text blocks): plain arithmetic like
    `0.88 * 0.88 + 0.86 * 0.86 = 1.52`, and plain-text formulas (plaintext.py) with their rewritten
    text: (start, end, text or None)."""
    spans = sorted(spans + [(a, e) for a, e in code if note.where(a)[0] + 1 not in plain_code])
    out: list[tuple[int, int, str | None]] = []
    k = 0
    for n, start in enumerate(note.line_starts, start=1):
        line = note.line_text(n)
        end = start + len(line)
        while k < len(spans) and spans[k][1] <= start:
            k += 1
        if start < body_start or any(a < end and e > start for a, e in spans[k:k + 50]):
            continue
        if "=" in line and re.search(r"\d", line) and _ARITH_LINE.match(line):
            out.append((start, end, None))
            continue
        found = plaintext.formula(src[start:end])
        if found is not None:
            offset, text = found
            out.append((start + offset, end, text if text != src[start + offset:end] else None))
    return out
