"""A LaTeX document: its body (between \\begin{document} and \\end{document}), comments blanked with
spaces so that offsets stay those of the file, and its sections as headings. Nothing is executed."""

from __future__ import annotations

import re

_BODY = re.compile(r"\\begin\{document\}")
_END = re.compile(r"\\end\{document\}")
_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_SECTION = re.compile(r"\\(part|chapter|section|subsection|subsubsection|paragraph)\*?\s*\{([^{}\n]*)\}")
_LEVEL = {"part": 1, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4, "paragraph": 5}
_VERBATIM = re.compile(r"\\begin\{(verbatim|lstlisting|minted|comment)\}")


def looks_like_latex(text: str) -> bool:
    return "\\documentclass" in text[:5000] or "\\begin{document}" in text


def body(text: str) -> tuple[str, int, int]:
    """(the text with comments and verbatim blocks blanked, first and end offset of the body)."""
    blanked = _COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    chars, pos = list(blanked), 0
    while m := _VERBATIM.search(blanked, pos):
        close = blanked.find(f"\\end{{{m.group(1)}}}", m.end())
        stop = len(blanked) if close < 0 else close + len(m.group(1)) + 6
        chars[m.start():stop] = [c if c == "\n" else " " for c in blanked[m.start():stop]]
        pos = stop
    blanked = "".join(chars)
    start = _BODY.search(blanked)
    first = start.end() if start else 0
    end = _END.search(blanked, first)
    return blanked, first, end.start() if end else len(text)


def headings(text: str, line_of) -> list[tuple[int, int, str]]:
    """(line, level, title) of each sectioning command."""
    return [(line_of(m.start()), _LEVEL[m.group(1)], m.group(2).strip()) for m in _SECTION.finditer(text)]
