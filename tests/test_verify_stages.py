"""The note checker stage by stage: read (formula -> IR), model (a note's definitions and values),
judge (a verdict and its reason). Each expectation sits beside the line it is about."""

from __future__ import annotations

from fractions import Fraction

import pytest

from derive.verify import verify_text
from derive.verify.judge.verdict import Stage, Status
from derive.verify.model.passes import build_model
from derive.verify.read.indices import substitute_index
from derive.verify.read.ir import Deriv, Num, Op, Paren, Ref, Unsupported, refs
from derive.verify.read.parse import parser
from derive.verify.read.segment import read_note
from derive.verify.read.statements import statements
from derive.verify.read.to_ir import chains


def ir(text: str):
    """The first member of the one chain in a formula."""
    found = chains(parser().parse(text), text)
    return found[0].members[0].node


# --- read: formula -> IR ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("w_1", Ref(("w1",), "w_{1}")),                                             # a subscript joins the name
    ("0.25", Num(Fraction(1, 4), "0.25", 2)),                                   # numbers keep their decimals
    ("a + b", Op("+", (Ref(("a",), "a"), Ref(("b",), "b")))),
    (r"\frac{\partial L}{\partial w}", Deriv(Ref(("L",), "L"), Ref(("w",), "w"), True)),  # a derivative
    ("x^{2}", Ref(("x",), "x^{2}", power=2)),                                   # a power or a layer label
    ("(a)", Paren((Ref(("a",), "a"),))),
])
def test_read_builds_the_ir(text, expected):
    assert ir(text) == expected


def test_read_keeps_the_place_of_every_member():
    chain = chains(parser().parse("h_1  =  0.5"), "h_1  =  0.5")[0]
    assert [(m.start, m.end) for m in chain.members] == [(0, 3), (8, 11)]  # blanks around = are not in it
    assert chain.rels == ["="]


def test_read_refuses_what_it_cannot_represent():
    with pytest.raises(Unsupported, match="an accent on an expression"):
        ir(r"\hat{a + b} = 1")
    assert ir(r"\underbrace{a + b}_{e_1}") == Op("+", (Ref(("a",), "a"), Ref(("b",), "b")))  # a label is not read


def test_one_walker_for_the_ir():
    node = ir(r"\sigma(w_1 x_1 + b)")
    assert [r.key for r in refs(node)] == [("sigma",), ("w1",), ("x1",), ("b",)]
    written_out = substitute_index(ir("y_i - t_i"), "i", 2)                     # a template for i = 2
    assert [r.key for r in refs(written_out)] == [("y2",), ("t2",)]


# --- model: a note's definitions and values -------------------------------------------------------

NOTE = "\n".join([
    "$z = w x + b$",                 # line 1: z is computed
    "$y = \\sigma(z)$",              # line 2
    "$E = \\frac{1}{2}(y - t)^2$",   # line 3: the loss
    "$w = 0.5, x = 1, b = 0, t = 1$",  # line 4: the leaves' values
])


def model_of(text: str):
    return build_model(statements(read_note("note.md", text))[0])


def test_model_reads_definitions_leaves_and_loss():
    m = model_of(NOTE)
    assert {q.key for q in m.computed()} == {("z",), ("y",), ("E",)}
    assert {q.key for q in m.leaves()} == {("w",), ("x",), ("b",), ("t",)}
    assert m.loss == ("E",)
    assert m.values[("w",)] == Fraction(1, 2)


# --- judge: a verdict with its reason -------------------------------------------------------------

def claims(*lines: str):
    report = verify_text("note.md", "\n".join([NOTE, *lines]))
    return {v.line: v for v in report.verdicts}


def test_judge_a_right_derivative():
    v = claims(r"$\frac{\partial E}{\partial b} = (y - t) y (1 - y)$")[5]      # δ of the one unit
    assert (v.status, v.stage) == (Status.CORRECT, Stage.POINTS)


def test_judge_a_wrong_derivative_says_why():
    v = claims(r"$\frac{\partial E}{\partial w} = (y - t) y (1 - y)$")[5]      # the factor x is missing
    assert (v.status, v.stage) == (Status.WRONG, Stage.POINTS)
    assert "x" in v.message


def test_judge_a_number():
    v = claims("$z = 0.5$")[5]                                                  # z = 0.5 · 1 + 0
    assert (v.status, v.stage) == (Status.CORRECT, Stage.VALUES)
    assert claims("$z = 0.6$")[5].status == Status.WRONG                        # the exact value is 0.5
