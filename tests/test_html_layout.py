"""The HTML document's mathematics: a group of equations is one display aligned on '=' (a MathML table of
two columns, since latex2mathml would run `aligned` rows together with a literal &), and an upright name of
several letters is one element, not one <mi> per letter."""

import re

from derive import derive, load
from derive.document.build import build
from derive.output.render import document_files
from derive.output.templates import split_at_alignment


def html(name: str) -> str:
    return document_files(build(derive(load(name))), "html", "x")["x.html"].decode()


def test_groups_are_tables_aligned_on_the_equals_sign():
    text = html("mlp-222")
    tables = re.findall(r'<mtable class="aligned"[^>]*>(.*?)</mtable>', text, re.S)
    assert len(tables) >= 8
    for t in tables:
        rows = re.findall(r"<mtr>(.*?)</mtr>", t, re.S)
        assert rows and all(r.count("<mtd") == 2 for r in rows)
        # the second cell of every row starts with the relation or a continuation, never with a name
        assert all(re.search(r'<mtd class="r"><mrow>(<mo>&#x0003D;</mo>|<mspace|<mo>&#x0002B;|<mo>&#x02212;|<mtext>)',
                             r) for r in rows)
    assert "<mi>&amp;</mi>" not in text and "<mi>&</mi>" not in text
    loss = next(t for t in tables if "E" in t and "0.298371109" in t)
    assert len(re.findall(r"<mtr>", loss)) == 4  # E_o1, E_o2, E_total and its numbers on a row of their own


def test_upright_names_are_one_element():
    text = html("mlp-222")
    assert "<mtext>net</mtext>" in text and "<mtext>out</mtext>" in text and "<mtext>total</mtext>" in text
    assert not re.search(r'<mi mathvariant="normal">[a-z]</mi><mi mathvariant="normal">[a-z]</mi>', text)


def test_the_alignment_point_is_outside_braces_and_matrices():
    assert split_at_alignment(r"\delta_{o1} &= a") == (r"\delta_{o1} ", "= a")
    assert split_at_alignment(r"&\quad + b") == ("", r"\quad + b")
    assert split_at_alignment(r"W = \begin{bmatrix} a & b \end{bmatrix} &= c") == \
        (r"W = \begin{bmatrix} a & b \end{bmatrix} ", "= c")
    assert split_at_alignment(r"x = 1") == ("", "x = 1")


def test_a_sign_is_a_prefix_and_a_difference_is_not():
    text = html("mlp-222")
    assert "<mo>&#x0003D;</mo><mo>&#x02212;</mo>" not in text  # "= − 0.217071535" spaced as a difference
    assert '<mo>&#x0003D;</mo><mo form="prefix">&#x02212;</mo><mn>0.217071535</mn>' in text
    assert re.search(r"<mtext>out</mtext>.{0,120}?</msub><mo>&#x02212;</mo><msub><mtext>target</mtext>", text)


def test_a_shortened_group_says_how_many_in_words():
    text = html("lenet")
    assert "ldots" not in text
    assert "<mtext>… and 45 more of the same kind</mtext>" in text
