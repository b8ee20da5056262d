r"""Notation of real backprop notes, family by family: what each formula reads as (the IR), and on short notes of
our own, the verdicts.

Hand calculations for the verdicts:
  over_hat: z = wx + b, ŷ = σ(z), E = ½(ŷ − t)² (written {1 \over 2}): ∂E/∂w = (ŷ − t) ŷ(1 − ŷ) x is right;
            ∂E/∂b = (ŷ − t) ŷ(1 − ŷ) · 1, so (ŷ − t) x (σ′ dropped, an x added) is wrong.
  update_arg: J_1(θ) = (t − o)², o = w h: ∂J_1(θ)/∂w = −2(t − o) h is right (the (θ) names J_1's arguments, it
            is not a factor θ), and 2(t − o) h has the wrong sign.
"""

from __future__ import annotations

import pytest

from derive.verify import verify_text
from derive.verify.read.ir import BigSum, Deriv, Func, Juxt, Num, Op, Opaque, Paren, Ref
from derive.verify.read.parse import parser
from derive.verify.read.segment import blank, read_note
from derive.verify.read.statements import statements
from derive.verify.read.to_ir import chains


def read(formula: str):
    text = blank(formula)
    return chains(parser().parse(text), text)


def one(formula: str):
    """The members of the formula's only chain, and its relations."""
    (ch,) = read(formula)
    return [m.node for m in ch.members], ch.rels


def claims(formula: str):
    stmts, bad, _ = statements(read_note("n.md", f"$${formula}$$\n"))
    assert not bad, bad
    return stmts


# --- layer labels in superscripts: part of the name, never a power --------------------------------------------

@pytest.mark.parametrize("formula, key", [
    (r"z^{(l)}", ("z", "^(l)")),                 # a parenthesised letter (as before)
    (r"a^{(l-1)}", ("a", "^(l-1)")),             # a letter minus a number, in parentheses
    (r"\delta^{(l+1)}", ("delta", "^(l+1)")),
    (r"a^{[L-1]}", ("a", "^(L-1)")),             # square brackets: the same label as round ones
    (r"Z^{[l]}", ("Z", "^(l)")),
    (r"h^{l-1}", ("h", "^l-1")),                 # bare: jihwan-style u^l, h^{l-1}, W^{l+1}
    (r"W^{l+1}", ("W", "^l+1")),
    (r"u^l", ("u", "^l")),
    (r"W^{(t+1)}", ("W", "^(t+1)")),             # the step of an update
    (r"\omega^k_{ij}", ("omega", "^k", "ij")),
    (r"W^{(l)}_{jk}", ("W", "^(l)", "jk")),
])
def test_a_layer_label_is_part_of_the_name(formula, key):
    (node,), _ = one(formula)
    assert isinstance(node, Ref) and node.key == key and node.power is None


def test_a_label_on_a_primed_function_is_its_layer():
    (node,), _ = one(r"f'^{(L-1)}(z)")
    assert isinstance(node, Juxt) and node.left == Func("f", 1, "(L-1)")


def test_a_number_over_a_letter_is_still_a_power_and_a_transpose_still_a_transpose():
    (node,), _ = one(r"x^{2}")
    assert isinstance(node, Ref) and node.power == 2
    (node,), _ = one(r"a^{(l-1)T}")
    assert isinstance(node, Op) and node.kind == "T" and node.args[0].key == ("a", "^(l-1)")


# --- fractions, accents, presentational commands ---------------------------------------------------------------

def test_over_and_frac_with_digits_are_fractions():
    (node, _), _ = one(r"{1 \over 2} = E")
    assert node == Op("/", (Num(1, "1", 0), Num(2, "2", 0)))
    (node,), _ = one(r"\frac12")
    assert isinstance(node, Op) and node.kind == "/" and [a.text for a in node.args] == ["1", "2"]
    (node,), _ = one(r"{\partial E \over \partial w}")
    assert isinstance(node, Deriv) and node.of.key == ("E",) and node.wrt.key == ("w",)


def test_an_accent_without_braces_takes_the_next_letter():
    (node, _), _ = one(r"\hat y = \sigma(z)")
    assert isinstance(node, Ref) and node.tokens == ("y",) and node.hat
    (node,), _ = one(r"\frac{d\hat y}{dz}")
    assert isinstance(node, Deriv) and node.of.hat


@pytest.mark.parametrize("formula", [
    r"\color{red}{x} = y",
    r"\textcolor{blue}{x} = y",
    r"\large x = \rm y",
    r"x = y \newline",
    r"x = y \label{eq:1} \nonumber",
    r"x = y \tag{3}",
    "x = y\u200b",
    r"x \, = \! y \\[10pt]",
])
def test_presentation_is_not_read(formula):
    (x, y), rels = one(formula)
    assert (x.key, y.key, rels) == (("x",), ("y",), ["="])


def test_prime_written_as_a_command():
    (node, _), _ = one(r"g\prime(z) = 1")
    assert isinstance(node, Juxt) and node.left == Func("g", 1)


def test_log_typed_without_a_backslash_is_the_function():
    (_, node), _ = one(r"L = - y \ log \ p")
    assert isinstance(node, Op) and node.kind == "neg"
    assert any(isinstance(n, Func) and n.name == "log" for n in node.walk())
    (node,), _ = one(r"logits")  # a word that starts with log is a name
    assert node.key == ("logits",)


def test_a_star_decorates_a_name():
    (node, _), _ = one(r"E^* = 3")
    assert node.key == ("E", "^*") and node.power is None
    (node,), _ = one(r"t^*_1")
    assert node.key == ("t1", "^*")


# --- declarations, arrows, conditions: nothing is claimed ------------------------------------------------------

def test_a_shape_declaration_ends_the_claim():
    assert claims(r"W^{(l)} \in \mathbb{R}^{n_{l}\times n_{l-1}}") == []
    (st,) = claims(r"z = W x \in \mathbb{R}^{m}")
    assert st.members[0].node.key == ("z",) and isinstance(st.members[1].node, Juxt) and st.rels == ["="]


@pytest.mark.parametrize("formula", [r"g: \mathbb{R}^n \to \mathbb{R}^m",
                                     r"\sigma_l : \mathbb{R}^{n_l} \to \mathbb{R}"])
def test_a_signature_is_a_declaration(formula):
    assert claims(formula) == []


def test_an_arrow_maps_and_never_equates():
    _, rels = one(r"l+1 \to l")
    assert rels == ["maps"]
    _, rels = one(r"\frac{dL_1}{dy_1} \to (y_1 - g_1)")  # an arrow between quantities: the judge's '->'
    assert rels == ["->"]
    _, rels = one(r"a \Longrightarrow b")
    assert rels == ["=>"]


def test_a_sum_over_a_set_or_with_an_exclusion_is_read():
    (node, _), _ = one(r"\sum_{n \in N} x_n = 3")
    assert isinstance(node, Juxt) and isinstance(node.left, BigSum)
    (node, _), _ = one(r"\sum_{t \neq i} x_t = 3")
    assert isinstance(node, Juxt) and isinstance(node.left, BigSum)


def test_therefore_separates_two_claims():
    assert len(read(r"a = b \therefore c = d")) == 2


def test_a_case_is_read_but_not_judged():
    (st,) = claims(r"D_{ij} := \frac{1}{m}\Delta_{ij} \mbox{ if } j \neq 0")
    assert st.members[0].node.key == ("D", "ij") and isinstance(st.members[1].node, Opaque)


def test_an_mbox_label_names_what_follows():
    (st,) = claims(r"\mbox{Hidden Layer1 output} = x_1 = f_1(W_1x_0)")
    assert st.members[0].node.key == ("x1",) and len(st.members) == 2
    assert claims(r"\mbox{Input} = x_0") == []


# --- function notation ------------------------------------------------------------------------------------------

def test_arguments_after_a_differentiated_name_are_a_label():
    (node,), _ = one(r"\frac{\partial J_{1}(\theta)}{\partial b_{2}}")
    assert isinstance(node, Deriv) and node.of.key == ("J1",)
    (node,), _ = one(r"\frac{\partial \sigma(z)}{\partial z}")  # a function keeps its call
    assert isinstance(node.of, Juxt)
    (st,) = claims(r"J_{1}(\theta) = (t - o)^2")
    assert st.members[0].node.key == ("J1",)


def test_a_function_the_note_names_is_not_a_product():
    (st,) = claims(r"\text{RBF}(x w_h) = e^{-(x w_h)^2}")
    assert isinstance(st.members[0].node, Opaque)
    (st,) = claims(r"z_l := f_{A_l, b_l}(a_{l-1}) = A_l a_{l-1} + b_l")
    assert isinstance(st.members[1].node, Opaque)
    (st,) = claims(r"\frac{\partial \text{output}}{\partial z} = \text{output}(1 - \text{output})")
    assert isinstance(st.members[1].node, Juxt)  # a product: the word is inside its own parentheses


# --- verdicts on short notes ------------------------------------------------------------------------------------

def _wrong_and_right(text: str) -> tuple[set[int], set[int]]:
    report = verify_text("n.md", text)
    by_line: dict[int, set[str]] = {}
    for v in report.verdicts:
        by_line.setdefault(v.line, set()).add(str(v.status.value))
    return ({n for n, s in by_line.items() if "wrong" in s},
            {n for n, s in by_line.items() if s == {"correct"}})


@pytest.mark.parametrize("rows", [
    [r"$$z = w x + b, \quad \hat y = \sigma(z), \quad E = {1 \over 2}(\hat y - t)^2$$",  # \over, a bare \hat
     r"$$\frac{\partial E}{\partial w} = (\hat y - t)\hat y(1 - \hat y) x$$",
     r"$$\frac{\partial E}{\partial b} = (\hat y - t) x$$"],
    [r"$$o = w h, \quad J_{1}(\theta) = (t - o)^2$$",  # a loss written with its arguments
     r"$$\frac{\partial J_{1}(\theta)}{\partial w} = -2 (t - o) h$$",
     r"$$\frac{\partial J_{1}(\theta)}{\partial w} = 2 (t - o) h$$"],
], ids=["over and bare hat", "loss with its arguments"])
def test_the_notation_is_read_and_judged(rows):
    wrong, right = _wrong_and_right("\n\n".join(rows) + "\n")
    assert wrong == {5} and 3 in right


# --- an aligned block whose rows go on with + or − ---------------------------------------------------------------

def test_a_row_that_starts_with_a_minus_continues_the_row_above():
    # 2·0.5 − 3·0.2 = 1 − 0.6 = 0.4: the block claims 0.4 (right) and then 0.5 (wrong)
    text = ("$$\\begin{aligned}\nE &= 2 \\cdot 0.5 \\\\\n&\\quad - 3 \\cdot 0.2 \\\\\n&= 0.4 \\\\\n"
            "&= 0.5\n\\end{aligned}$$\n")
    stmts, bad, _ = statements(read_note("n.md", text))
    assert not bad
    joined = stmts[0].members[-1].node
    assert isinstance(joined, Op) and joined.kind == "+"  # 2·0.5 + (−3·0.2)
    wrong, right = _wrong_and_right(text)
    assert 5 in wrong and 4 not in wrong


def test_set_braces_group_and_an_equation_environment_inside_dollars_is_not_read():
    (node, _), _ = one(r"\bigg\{ a + b \bigg\} = c")
    assert isinstance(node, Paren) and isinstance(node.items[0], Op)
    (x, y), rels = one(r"\begin{equation} x = y \end{equation}")
    assert (x.key, y.key, rels) == (("x",), ("y",), ["="])
    (_, m), _ = one(r"x = \left[ \begin{smallmatrix} 1 \\ 2 \end{smallmatrix} \right]")
    assert isinstance(m, Paren) or m.__class__.__name__ == "Matrix"
