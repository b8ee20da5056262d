"""Checks that need no numbers (judge/structure.py): free indices, chains of derivatives, update rules.

Each note below is generic (nothing can be instantiated on a network), so the only verdict a claim can get is
the one its structure gives. Expected verdicts are worked out by hand in the comments."""

from __future__ import annotations

from derive.verify import verify_text
from derive.verify.judge.verdict import Stage, Status


def _structure(body: str) -> list:
    report = verify_text("note.md", "# Derivation\n\n" + body)
    return [v for v in report.verdicts if v.stage == Stage.STRUCTURE]


def _one(body: str):
    got = _structure(body)
    assert len(got) == 1, got
    return got[0]


# --- free indices ---------------------------------------------------------------------------------


def test_an_index_free_on_the_left_only_is_wrong():
    # left ∂J/∂Θ_{ij} has i and j free; right a_j δ_1 has only j: it cannot depend on i
    v = _one("$$\\frac{\\partial J}{\\partial \\Theta_{ij}} = a_j \\delta_1$$\n")
    assert v.status == Status.WRONG
    assert "i is free on the left" in v.message and "Θ_{ij}" in v.message


def test_matching_indices_and_implicit_sums_are_not_reported():
    assert _structure("$$\\frac{\\partial E}{\\partial w_{ij}} = \\delta_j o_i$$\n") == []
    # j written twice on the right: summed over (z_i = Σ_j W_ij x_j), a plausible reading
    assert _structure("$$z_i = W_{ij} x_j$$\n") == []
    # an index-free right side may be the same value for every i
    assert _structure("$$\\frac{\\partial z_i}{\\partial b_i} = 1$$\n\n$$c_i = u v$$\n") == []


def test_a_sum_closed_by_its_parentheses_binds_nothing_after_them():
    # Σ_i (y_i log p_i) ends at ")": y_i and p_i in the second term are outside it, and L has no i
    v = _one("$$L = -\\sum_i (y_i \\log(p_i)) + (1 - y_i \\log(1 - p_i))$$\n")
    assert v.status == Status.WRONG and "sum over i" in v.message and "y_i" in v.message


def test_a_sum_without_parentheses_is_only_a_warning_naming_the_reading():
    # Σ_i y_i log p_i + (1 − y_i) log(1 − p_i): many notes mean the sum to run to the end
    v = _one("$$L = -\\sum_i y_i \\log p_i + (1-y_i)\\log(1-p_i)$$\n")
    assert v.status == Status.WARNING and v.message.startswith("reading the sum over i")


def test_a_sum_binds_over_the_whole_product_after_it():
    # Σ_t a_t · b_t · c_t: the · does not end the sum, so t is bound everywhere
    assert _structure("$$\\frac{\\partial L}{\\partial V} = \\sum_t \\frac{\\partial L_t}{\\partial y_t} \\cdot "
                      "\\frac{\\partial y_t}{\\partial z_t} \\cdot \\frac{\\partial z_t}{\\partial V}$$\n") == []
    assert _structure("$$L = \\frac{1}{N}\\sum_{n \\in N} \\sum_{i \\in C} y_{n,i} \\log q_{n,i}$$\n") == []


def test_an_arrow_is_not_an_equality():
    assert _structure("$$a_j \\rightarrow z_i$$\n") == []


# --- chains ---------------------------------------------------------------------------------------


def test_a_chain_after_dots_must_go_on_from_where_it_got_to():
    # ∂h_t/∂h_{t-1} steps by −1; after "…" the factor ∂h_t/∂h_1 starts again from h_t, which the chain has left.
    # The factor that reaches h_1 is ∂h_{1+1}/∂h_1 = ∂h_2/∂h_1.
    v = _one("$$\\frac{\\partial h_t}{\\partial W} = \\frac{\\partial h_t}{\\partial h_{t-1}} \\ldots "
             "\\frac{\\partial h_t}{\\partial h_1} \\frac{\\partial h_1}{\\partial W}$$\n")
    assert v.status == Status.WRONG
    assert "starts again from h_t" in v.message and v.expected == "∂h_2/∂h_1"


def test_a_chain_that_telescopes_is_not_reported():
    assert _structure("$$\\frac{\\partial h_t}{\\partial W} = \\frac{\\partial h_t}{\\partial h_{t-1}} \\cdots "
                      "\\frac{\\partial h_2}{\\partial h_1} \\frac{\\partial h_1}{\\partial W}$$\n") == []
    # written in any order, the factors of a product still make the path L → a → z → w
    assert _structure("$$\\frac{\\partial L}{\\partial w} = \\frac{\\partial z}{\\partial w}"
                      "\\frac{\\partial L}{\\partial a}\\frac{\\partial a}{\\partial z}$$\n") == []


def test_a_chain_that_skips_within_a_family_is_wrong():
    # ∂L/∂a_1 reaches a_1, then ∂a_2/∂z_1 starts from a_2: no order of the factors makes a path
    v = _one("$$\\frac{\\partial L}{\\partial w_1} = \\frac{\\partial L}{\\partial a_1}"
             "\\frac{\\partial a_2}{\\partial z_1}\\frac{\\partial z_1}{\\partial w_1}$$\n")
    assert v.status == Status.WRONG and v.expected == "∂a_1/∂z_1"


def test_a_chain_for_another_weight_is_wrong():
    # the chain telescopes L → a_1 → w_2, but the left side asks for ∂L/∂w_1
    v = _one("$$\\frac{\\partial L}{\\partial w_1} = \\frac{\\partial L}{\\partial a_1}"
             "\\frac{\\partial a_1}{\\partial w_2}$$\n")
    assert v.status == Status.WRONG and "ends at w_2, not at w_1" in v.message


def test_a_product_with_other_factors_is_not_read_as_a_chain():
    assert _structure("$$\\frac{\\partial L}{\\partial w_1} = \\frac{\\partial L}{\\partial a_1} x_2 "
                      "\\frac{\\partial a_2}{\\partial w_1}$$\n") == []


# --- updates --------------------------------------------------------------------------------------


def test_an_update_along_the_gradient_is_wrong():
    v = _one("$$W \\leftarrow W + \\eta \\frac{\\partial E}{\\partial W}$$\n")
    assert v.status == Status.WRONG and "along the gradient" in v.message


def test_an_update_against_the_gradient_is_not_reported():
    for rule in ("W \\leftarrow W - \\eta \\frac{\\partial E}{\\partial W}",
                 "w := w - \\alpha \\frac{\\partial L}{\\partial w}",
                 "w^{new} = w - \\eta \\frac{\\partial L}{\\partial w}",
                 "\\theta_{t+1} = \\theta_t - \\eta \\frac{\\partial L}{\\partial \\theta_t}"):
        assert _structure(f"$${rule}$$\n") == [], rule


def test_gradient_ascent_is_fine_when_the_note_maximises():
    assert _structure("We maximise the log-likelihood $\\ell$.\n\n"
                      "$$w \\gets w + \\eta \\frac{\\partial \\ell}{\\partial w}$$\n") == []


def test_an_update_with_another_parameters_gradient_is_wrong():
    # w_5 is updated with ∂E/∂w_6: 5 ≠ 6, certainly another weight
    v = _one("$$w_5 \\leftarrow w_5 - \\eta \\frac{\\partial E}{\\partial w_6}$$\n")
    assert v.status == Status.WRONG and v.expected == "w_5 - η ∂E/∂w_5"


def test_the_same_note_gives_the_same_messages():
    body = ("$$L = -\\sum_i (y_i \\log(p_i)) + (1 - y_i \\log(1 - p_i))$$\n\n"
            "$$\\frac{\\partial J}{\\partial \\Theta_{ij}} = a_j \\delta_1$$\n")
    assert [v.message for v in _structure(body)] == [v.message for v in _structure(body)]


def test_a_left_index_summed_over_on_the_right_may_be_a_label():
    # L_i = (1/n) Σ_i (y_i − g_i)²: read L_i as a name, not as indexed by the i the sum binds
    assert _structure("$$L_i = \\frac{1}{n}\\sum_{i=1}^{n} (y_i - g_i)^2$$\n") == []
