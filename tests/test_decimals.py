"""Documents and handouts written with fewer decimals than the default nine: every number in them, the
sentence that says how many, and nothing else."""

import re

import numpy as np
import pytest
from oracles import mlp_numpy

from derive import derive, load
from derive.document.build import build
from derive.document.formatting import decimals_in_use, fmt
from derive.errors import DeriveError
from derive.output.render import document_files, handout_files

DECIMAL = re.compile(r"(?<![\w.])\d+\.(\d+)")


def mlp_222_gradient_w5() -> float:
    W = {1: np.array([[0.15, 0.20], [0.25, 0.30]]), 2: np.array([[0.40, 0.45], [0.50, 0.55]])}
    b = {1: np.array([0.35, 0.35]), 2: np.array([0.60, 0.60])}
    _, dW, _ = mlp_numpy.mlp_gradients([2, 2, 2], ["sigmoid", "sigmoid"], "half_sse", W, b, [0.05, 0.10], [0.01, 0.99])
    return float(dW[2][0, 0])


def longest_decimals(text: str) -> int:
    return max(len(m.group(1)) for m in DECIMAL.finditer(text))


@pytest.mark.parametrize("fmt_", ["md", "tex", "html"])
def test_a_document_with_four_decimals(fmt_):
    w5 = f"{mlp_222_gradient_w5():.4f}"  # 0.0822
    doc = build(derive(load("mlp-222")), decimals=4)
    text = document_files(doc, fmt_, "x")[f"x.{fmt_}"].decode()
    assert "at most four decimals" in text
    text = re.sub(r"<svg.*?</svg>", "", text, flags=re.S)  # the figure's coordinates are not numbers of the text
    assert longest_decimals(text.split("decimals;", 1)[1]) == 4
    assert w5 in text and f"{mlp_222_gradient_w5():.9f}" not in text
    assert decimals_in_use() == 9  # nothing outside the document changed


def test_the_default_is_nine_decimals():
    w5 = f"{mlp_222_gradient_w5():.9f}"  # 0.082167041
    text = document_files(build(derive(load("mlp-222"))), "md", "x")["x.md"].decode()
    assert "at most nine decimals" in text and f"= {w5}" in text
    assert longest_decimals(text.split("decimals;", 1)[1]) == 9


def test_a_handout_with_three_decimals():
    files = handout_files(load("mlp-222"), 1, 7, "md", decimals=3)
    answers = next(v.decode() for k, v in files.items() if k.endswith("-answers.md"))
    assert "at most three decimals" in answers
    assert longest_decimals(answers.split("decimals;", 1)[1]) == 3
    default = next(v.decode() for k, v in handout_files(load("mlp-222"), 1, 7, "md").items()
                   if k.endswith("-answers.md"))
    assert longest_decimals(default.split("decimals;", 1)[1]) == 9


def test_small_values_keep_significant_digits():
    assert fmt(0.05, 4) == "0.05" and fmt(0.0012, 4) == "0.0012" and fmt(0.00012, 4) == "1.200e-04"
    assert fmt(0.0000123, 9) == "0.0000123" and fmt(0.00000123, 9) == "1.2300e-06"  # as before


@pytest.mark.parametrize("bad", [0, 1, 16, 2.5, True])
def test_decimals_out_of_range_are_refused(bad):
    with pytest.raises(DeriveError, match="decimals"):
        build(derive(load("mlp-221")), decimals=bad)
