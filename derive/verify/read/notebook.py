"""A Jupyter notebook's markdown cells as one Markdown text (read by nbformat, never executed): the
cells in order, one blank line between them, as the corpus tools extract them, so that a line of
the text is a line of the note; `cell_starts` says where each cell begins."""

from __future__ import annotations

import warnings

import nbformat

from ...errors import NoteError


def markdown_of(path: str, raw: str) -> tuple[str, list[tuple[int, int]]]:
    """(the markdown cells' text, [(first line of the cell in that text, cell number from 1), …])."""
    try:
        with warnings.catch_warnings():  # old notebooks lack cell ids: nothing the reader must hear about
            warnings.simplefilter("ignore")
            nb = nbformat.reads(raw, as_version=4)
    except Exception as e:  # noqa: BLE001 - nbformat raises many kinds (JSON, schema, version)
        raise NoteError(path, f"not a readable notebook ({type(e).__name__})") from None
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    line = 1
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        source = source.replace("\r\n", "\n").rstrip("\n")
        starts.append((line, number))
        parts.append(source)
        line += source.count("\n") + 2
    return "\n\n".join(parts) + "\n", starts


def looks_like_notebook(text: str) -> bool:
    head = text.lstrip()[:2000]
    return head.startswith("{") and '"cells"' in text[:200_000] or '"worksheets"' in head
