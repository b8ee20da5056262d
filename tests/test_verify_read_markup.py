"""Finding the formulas of a note as MathJax, KaTeX and pandoc find them: one short note per markup
family (tests/notes/families), each formula with its exact line and column."""

from pathlib import Path

import pytest

from derive.errors import NoteError
from derive.verify import verify_text
from derive.verify.read.segment import read_note

FAMILIES = Path(__file__).parent / "notes" / "families"


def found(name: str) -> list[tuple[int, int, str]]:
    path = FAMILIES / name
    note = read_note(str(path), path.read_text(encoding="utf-8"))
    return [(f.line, f.col, " ".join(f.text.split())) for f in note.formulas]


def test_bare_environments_kramdown_and_brackets():
    assert found("bare_envs.md") == [
        (5, 1, r"h = \sigma(w_1 x + b_1)"),
        (6, 1, "y = w_2 h + b_2"),
        (10, 1, r"L = \frac{1}{2}(y - t)^2"),
        (12, 25, "z = w x"),
        (12, 56, "a = 2"),
        (13, 4, "b = 3"),
    ]


def test_mathjax_script_tags():
    assert found("script_tex.md") == [
        (1, 37, "L = (y - t)^2"),
        (3, 39, r"\frac{\partial L}{\partial y} = 2(y - t)"),
    ]


def test_formula_images_alt_text_or_url():
    assert found("images.md") == [(1, 18, r"\tfrac{dL}{dw} = x"), (3, 42, "y = w x")]


def test_plain_text_formulas_and_not_prose_or_code():
    assert found("plain.md") == [
        (3, 3, "h1 = w1 * i1 + w2 * i2"),
        (4, 3, "a_h1 = σ(h1) = 1/(1+exp(-h1))"),
        (5, 3, "E = 1/2 * (t - a_o)^2"),
        (6, 5, "∂E/∂w5 = (a_o - t) * a_o*(1-a_o) * a_h1"),
        (7, 1, "∂E/∂w1 = x ^ 2"),
        (15, 1, "y = w * x"),
    ]


def test_plain_text_keeps_the_length_of_the_line():
    path = FAMILIES / "plain.md"
    note = read_note(str(path), path.read_text(encoding="utf-8"))
    for f in note.formulas:
        assert len(f.text) == len(note.text[f.start:f.start + len(f.text)])
        assert "\n" not in f.text


def test_latex_document_body_sections_and_comments():
    path = FAMILIES / "doc.tex"
    note = read_note(str(path), path.read_text(encoding="utf-8"))
    assert note.markup == "latex"
    assert note.headings == [(5, 2, "Forward"), (10, 3, "Loss")]
    assert found("doc.tex") == [(6, 20, r"h = \sigma(z)"), (8, 3, "z = w x + b"), (11, 4, "L = (h - t)^2")]


def test_notebook_markdown_cells_with_cell_positions():
    path = FAMILIES / "cells.ipynb"
    note = read_note(str(path), path.read_text(encoding="utf-8"))
    assert note.markup == "notebook" and note.cells == [(1, 1), (5, 3)]
    assert found("cells.ipynb") == [(3, 16, "y = w x"), (6, 3, r"\frac{dy}{dw} = x")]
    assert note.line_text(6) == r"$$\frac{dy}{dw} = x$$"
    assert note.locate(6) == "cell 3, line 2" and note.locate(3) == "cell 1, line 3"


def test_a_broken_notebook_is_a_note_error():
    with pytest.raises(NoteError):
        read_note("broken.ipynb", '{"cells": [')


def test_markup_is_told_from_content_without_a_suffix():
    assert read_note("-", "\\documentclass{article}\n\\begin{document}\n$a = 1$\n\\end{document}\n").markup == "latex"
    assert read_note("-", "Just $a = 1$.\n").markup == "markdown"


def test_math_fences_are_display_maths():
    note = read_note("n.md", "Text\n\n```math\ny = w x\n```\n")
    assert [(f.line, f.col, f.text.strip()) for f in note.formulas] == [(4, 1, "y = w x")]


def test_unclosed_delimiters_and_long_lines_stay_linear():
    text = ("$" + "\\begin{align}" + "<script type='math/tex'>" + "![x](https://latex.codecogs.com/svg.latex?") * 2000
    note = read_note("n.md", text)
    assert isinstance(note.formulas, list)


def test_line_breaks_without_an_environment_are_rows():
    note = read_note("n.md", "$$a = 1 \\\\\nb = 2 \\\\\n\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix} = v$$\n")
    assert [(f.line, f.col, f.kind) for f in note.formulas] == [(1, 3, "row"), (2, 1, "row"), (3, 1, "row")]



def test_a_lone_carriage_return_ends_a_line():
    # an old Mac line end: Markdown reads it as a line end, and so do the places in the report
    report = verify_text("cr.md", "# T\r$$z = w x$$\r# U\r$$\\frac{dz}{dw} = 2x$$\r")
    assert [(v.line, v.status) for v in report.verdicts if v.status == "wrong"] == [(4, "wrong")]
