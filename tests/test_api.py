"""The Python API at the package root: the examples in its docstring run, and a document and a note's
report come back as text and a report."""

import doctest

import derive


def test_the_docstring_examples_run():
    failures, tried = doctest.testmod(derive, verbose=False)
    assert tried >= 5 and failures == 0


def test_document_of_a_network_and_a_note_checked_from_text():
    text = derive.document("mlp-221", "tex")
    assert "\\documentclass" in text and "\\frac" in text
    report = derive.verify_text("$$z = w x + b$$\n\n$$\\frac{\\partial z}{\\partial w} = b$$\n")
    assert report.summary["wrong"] == 1 and report.coverage == 1.0


def test_a_format_it_cannot_give_as_text_is_one_clear_error():
    try:
        derive.document("mlp-221", "pdf")
    except derive.DeriveError as e:
        assert "md, tex, html" in str(e)
    else:
        raise AssertionError("a PDF is not text")
