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


def test_reprs_are_one_short_line_in_the_networks_names():
    d = derive.derive(derive.load("mlp-222"))
    net, g = d.network, d.gradients["w5"]
    for r in (repr(d), repr(g)):
        assert "\n" not in r and len(r) < 200, r[:200]
    paths = f"{g.path_count} path" + "s" * (g.path_count != 1)
    assert repr(g) == f"Gradient(w5: d{net.loss}/dw5 = {g.value:.9g}, {paths})"
    assert net.name in repr(d) and f"{len(d.gradients)} gradients" in repr(d) and f"{d.loss_value:.9g}" in repr(d)
    big = derive.derive(derive.load("lenet"))  # 265 parameters, a repr of the same one line
    assert "\n" not in repr(big) and len(repr(big)) < 200 and len(repr(big.gradients["b_9"])) < 200
