"""Where the mathematics is in a Markdown (or LaTeX) text, the way MathJax, KaTeX and pandoc find it:
`$…$`, `$$…$$` (also inline, as kramdown writes it), `\\(…\\)`, `\\[…\\]`, bare `equation`/`align`/…
environments outside any dollars, `<script type="math/tex">`, and the LaTeX of formula images
(`![alt](https://latex.codecogs.com/svg.latex?…)`).

The block structure (fenced code, indented code, tables, headings) comes from markdown-it-py, which
gives each block its lines; the delimiters are found by a scan over the source itself, so that every
span keeps its exact offset. Every loop advances through the text: linear time, no backtracking regex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote

from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Span:
    """Mathematics at text[start:end] (the content, without its delimiters); outer includes them."""
    start: int
    end: int
    kind: str                      # display | inline | env | image
    outer: tuple[int, int]
    text: str | None = None        # for an image URL: the decoded LaTeX, padded to end - start


@dataclass
class Blocks:
    """Line ranges (0-based, end exclusive) of the Markdown blocks that matter for finding maths."""
    code: list[tuple[int, int, str]] = field(default_factory=list)   # (first, end, info string)
    tables: list[tuple[int, int]] = field(default_factory=list)
    headings: list[tuple[int, int, str]] = field(default_factory=list)  # (line, level, title)


_MD = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])  # blocks only


def blocks(text: str) -> Blocks:
    out = Blocks()
    for tok in _MD.parse(text):
        if tok.map is None:
            continue
        if tok.type in ("fence", "code_block"):
            out.code.append((tok.map[0], tok.map[1], tok.info.strip() if tok.type == "fence" else ""))
        elif tok.type == "table_open":
            out.tables.append((tok.map[0], tok.map[1]))
        elif tok.type == "heading_open":
            out.headings.append((tok.map[0], int(tok.tag[1:]), ""))
    return out


# --- delimiters ----------------------------------------------------------------------------------

_OPENERS = re.compile(r"\$\$|\\\[|\$|\\\(|\\begin\{|<script\b|!\[", re.I)
_CLOSERS = {"$$": "$$", "\\[": "\\]", "$": "$", "\\(": "\\)"}
DISPLAY_ENVS = ("equation", "equation*", "align", "align*", "aligned", "gather", "gather*", "multline",
                "multline*", "eqnarray", "eqnarray*", "flalign", "flalign*", "alignat", "alignat*", "split",
                "displaymath", "math")
_ENV_NAME = re.compile(r"([a-zA-Z]+\*?)\}")
_SCRIPT_END = re.compile(r"</script\s*>", re.I)
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*(https?://[^\s)]*)")
_RENDERER = re.compile(r"codecogs\.com|/svg\.latex\?|/png\.latex\?|/gif\.latex\?|chart\.apis\.google\.com"
                       r"|render\.githubusercontent\.com/render/math|latex\.codecogs|/math\?math=|i\.upmath\.me",
                       re.I)
_LATEXY = re.compile(r"[\\=^_]")
_RENDER_OPTIONS = re.compile(r"\\(?:dpi\{\d+\}|bg_\w+|bg\{\w+\}|fg_\w+|inline|large|Large|huge|small|tiny"
                             r"|fn_\w+)\s?")


def find(text: str, start: int, skip: list[tuple[int, int]]) -> list[Span]:
    """Maths in text[start:], outside the offset ranges in skip (code), in document order."""
    scan = _Scan(text)
    spans: list[Span] = []
    skip = sorted(skip)
    k = 0
    i = start
    while True:
        m = _OPENERS.search(text, i)
        if not m:
            break
        pos = m.start()
        while k < len(skip) and skip[k][1] <= pos:
            k += 1
        if k < len(skip) and skip[k][0] <= pos:
            i = skip[k][1]
            continue
        opener = m.group(0)
        if pos > 0 and text[pos - 1] == "\\" and opener[0] == "$":
            i = m.end()
            continue
        found = scan.delimited(m, opener)
        if found is None:
            i = m.end()
            continue
        spans.append(found)
        i = max(found.outer[1], m.end())
    return spans


class _Scan:
    """Closing delimiters, each looked for at most once past a point where it was missing, and the
    \\begin/\\end pairs of the whole text matched once with a stack: linear in the text."""

    def __init__(self, text: str):
        self.text = text
        self.missing: dict[str, int] = {}  # closer -> an offset after which it does not occur
        self.ends: dict[int, int] = {}     # offset of \begin{env} -> offset of its \end{env}
        stacks: dict[str, list[int]] = {}
        for m in _ENV.finditer(text):
            if m.group(1) == "begin":
                stacks.setdefault(m.group(2), []).append(m.start())
            elif stacks.get(m.group(2)):
                self.ends[stacks[m.group(2)].pop()] = m.start()

    def find(self, closer: str, pos: int) -> int:
        if self.missing.get(closer, len(self.text) + 1) <= pos:
            return -1
        at = self.text.find(closer, pos)
        if at < 0:
            self.missing[closer] = pos
        return at

    def delimited(self, m: re.Match, opener: str) -> Span | None:
        text = self.text
        if opener in _CLOSERS:
            closer = _CLOSERS[opener]
            close = self.find(closer, m.end())
            if close < 0:
                return None
            if opener == "$" and (close == m.end() or "\n\n" in text[m.end():close]):
                return None
            if opener == "$$" and "\n\n" in text[m.end():close] and "\\begin" not in text[m.end():close]:
                return None
            kind = "display" if opener in ("$$", "\\[") else "inline"
            return Span(m.end(), close, kind, (m.start(), close + len(closer)))
        if opener == "\\begin{":
            name = _ENV_NAME.match(text, m.end())
            if not name or name.group(1) not in DISPLAY_ENVS or m.start() not in self.ends:
                return None
            end = self.ends[m.start()] + len(f"\\end{{{name.group(1)}}}")
            return Span(m.start(), end, "env", (m.start(), end))
        if opener.lower() == "<script":
            if self.missing.get("</script", len(text) + 1) <= m.start():
                return None
            found = _script(text, m.start())
            if found is None and not _SCRIPT_END.search(text, m.start()):
                self.missing["</script"] = m.start()
            return found
        return _image(text, m.start())


_ENV = re.compile(r"\\(begin|end)\{([a-zA-Z*]+)\}")


class _StartTag(HTMLParser):
    """The attributes of one start tag, read by the standard library's HTML parser."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] = {}
        self.tag = ""

    def handle_starttag(self, tag, attrs):
        if not self.tag:
            self.tag, self.attrs = tag, {k: v or "" for k, v in attrs}


def _script(text: str, pos: int) -> Span | None:
    """`<script type="math/tex">…</script>` and `… mode=display`: MathJax 2's own markup."""
    gt = text.find(">", pos, pos + 300)
    if gt < 0:
        return None
    parser = _StartTag()
    parser.feed(text[pos:gt + 1])
    kind = parser.attrs.get("type", "").replace(" ", "").lower()
    if parser.tag != "script" or not kind.startswith("math/tex"):
        return None
    end = _SCRIPT_END.search(text, gt + 1)
    if not end:
        return None
    return Span(gt + 1, end.start(), "display" if "mode=display" in kind else "inline", (pos, end.end()))


def _image(text: str, pos: int) -> Span | None:
    """A formula image: its alt text when that is the LaTeX (exact columns), else the LaTeX of its
    URL, percent-decoded and padded with spaces to the URL's length (columns within the URL are
    approximate, the line is exact)."""
    m = _IMAGE.match(text, pos)
    if not m or not _RENDERER.search(m.group(2)):
        return None
    close = text.find(")", m.end())
    outer = (pos, close + 1 if close >= 0 else m.end())
    alt = m.group(1)
    if alt.strip() and _LATEXY.search(alt):
        return Span(m.start(1), m.end(1), "image", outer)
    url = m.group(2)
    q = url.find("?")
    if q < 0:
        return None
    raw = url[q + 1:]
    raw = raw.split("math=", 1)[1] if raw.startswith("math=") else raw
    latex = _RENDER_OPTIONS.sub("", unquote(raw))
    if not _LATEXY.search(latex):
        return None
    start = m.start(2) + q + 1
    return Span(start, m.end(2), "image", outer, latex.ljust(m.end(2) - start)[: m.end(2) - start])
