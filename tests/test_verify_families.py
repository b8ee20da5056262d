"""Notation and structure families of real notes, each in a short note written for this test:
plain-text formulas with δ for ∂ and a slip of the pen in a name, a definition chain whose first
form goes round in a circle, letters side by side (wx) and an error called e, sections that change
the activation, and a worked example whose output is only computed from numbers.

Expected verdicts are worked out by hand in the comments."""

from pathlib import Path

import pytest

from derive.cli.main import main
from derive.verify import verify_file

NOTES = Path(__file__).parent / "notes" / "families"


def verdicts(name):
    report = verify_file(NOTES / name)
    return report, {(v.line, v.status) for v in report.verdicts}


def wrong_lines(report):
    return sorted({v.line for v in report.verdicts if v.status == "wrong"})


def test_plain_text_with_delta_for_partial_and_a_slip_in_a_name():
    report, got = verdicts("plain_text_slips.md")
    # line 11: the chain rule as written is dE/dv1; line 12 the same with ao1 for a_o1 (a warning, not
    # an error); line 13 ends in x2 where h1 = u1 x1 + u2 x2 gives x1; line 14 differentiates by u1
    # on the right for dE/du2 on the left
    assert wrong_lines(report) == [13, 14]
    assert (11, "correct") in got and (12, "warning") in got and (12, "correct") in got
    assert any("ao1" in v.message and "a_o1" in v.message for v in report.verdicts if v.line == 12)


def test_a_definition_chain_that_goes_round_in_a_circle():
    report, _ = verdicts("plain_text_circle.md")
    # p = σ(k) = 1/(1+exp(-h)) with k = w2 p: σ(k) cannot define p, so p is σ(h), and the step
    # p = σ(k) is the error (σ(w2 σ(h)) is not σ(h))
    assert wrong_lines(report) == [4]
    assert any("circle" in r for r in report.readings)


def test_letters_side_by_side_and_an_error_called_e():
    report, got = verdicts("products_and_e.md")
    # z = 0.5·2 − 0.5 = 0.5, ŷ = σ(0.5) = 0.622459 → 0.6225, e = −0.377541 → −0.3775,
    # L = e² = 0.142537 → 0.1425, ∂L/∂e = 2e = −0.755081 → −0.7551,
    # ∂L/∂w = 2e·ŷ(1 − ŷ)·x = −0.755081·0.235004·2 = −0.354894 → −0.3549
    assert wrong_lines(report) == []
    assert report.summary["correct"] >= 10 and report.summary["unverifiable"] == 0


def test_a_section_that_changes_the_activation_is_another_example():
    report, got = verdicts("sections_relu.md")
    # with h = σ(vx): ∂L/∂v = −2(y − ŷ)·u·h(1 − h)·x; with h = max(0, vx) and vx = 0.5 > 0:
    # ∂L/∂v = −2(y − ŷ)·u·x. Neither is wrong in its own section; `u → −0.861` is a new value
    assert wrong_lines(report) == []
    assert (9, "correct") in got and (18, "correct") in got


def test_a_quantity_worked_out_from_numbers_is_never_constant():
    report, got = verdicts("worked_numbers.md")
    # z1 = 0.5, a1 = σ(0.5) = 0.622459 → 0.6225, z2 = −0.6225 + 0.5 = −0.1225,
    # ŷ = σ(−0.1225) = 0.469414 → 0.4694, L = 0.4694² = 0.220336 → 0.2203, −2(0 − 0.4694) = 0.9388:
    # all right; L is known only by its numbers, so ∂L/∂ŷ is not taken as 0; w₂ = −1.0 − 1.0 · 0.1455
    # = −1.1455 is the new w₂ (its arithmetic is checked), not a claim that w₂ is −1.1455 before the step
    assert wrong_lines(report) == []
    assert (8, "correct") in got and (11, "correct") in got


@pytest.mark.parametrize("name", ["plain_text_slips.md", "plain_text_circle.md"])
def test_the_note_exits_1(capsys, name):
    assert main(["verify", str(NOTES / name)]) == 1


def test_a_generic_formula_with_no_range_is_checked_on_a_small_instance():
    report, got = verdicts("generic_unranged.md")
    # L = −Σ_k t_k log p_k over k = 1, 2, 3: ∂L/∂p_k = −t_k/p_k (line 5), not p_k − t_k (line 7, the
    # derivative with respect to the logit of a softmax, written for the probability)
    assert wrong_lines(report) == [7] and (5, "correct") in got
    assert sum(1 for v in report.verdicts if v.line == 7) == 1  # one verdict, not one per instance
    assert any("k as 1, 2, 3" in r for r in report.readings)


def test_lettered_parts_of_an_exercise_are_answered_with_their_own_definitions():
    report, got = verdicts("lettered_parts.md")
    # each part defines its own y; the answers under the same letters use them: (a) 3u²·2 = 6(2x − 3)² with
    # u = 2x − 3 (u² a square, not a label), (b) 2x/(1 + x²), (c) −2(1 − s)·s(1 − s) = −2s(1 − s)²; the last
    # line drops the minus sign of −2(1 − σ)
    assert wrong_lines(report) == [25]
    assert (15, "correct") in got and (19, "correct") in got and (23, "correct") in got
    assert not any(v.status == "warning" for v in report.verdicts)  # a part's own y is no redefinition


def test_an_activation_the_note_never_defines_is_any_function():
    report, got = verdicts("undefined_activation.md")
    # with f unknown, the chain rule holds for every f (line 11) and loses the factor x on line 13; f' = h(1 − h)
    # holds only when f is the sigmoid, which the note says in words alone: a warning, not an error
    assert wrong_lines(report) == [13]
    assert (9, "correct") in got and (11, "correct") in got and (15, "warning") in got
    assert any("sigmoid" in v.message for v in report.verdicts if v.line == 15)


def test_cases_conditions_and_a_name_given_only_as_a_number():
    report, got = verdicts("cases_and_conditions.md")
    # t = 1 and t = 0 on one line are two classes, not a conflict; z1 is given only as 0.5 (= w1·x), so
    # ReLU'(z1) is compared at the note's values: −2(0.5 + 0.5)(−1)(1)(1) = 2; "if z1 < 0, then ReLU'(z1) = 0"
    # is a case, not a claim about z1 = 0.5
    assert wrong_lines(report) == []
    assert (13, "correct") in got and (15, "correct") in got
    assert (17, "unverifiable") in got


def test_a_generic_layer_label_is_not_a_layer_the_loss_ignores():
    report, got = verdicts("layer_labels_generic.md")
    # δ^(l) = ∂L/∂z^(l) for a generic l says nothing about L's dependence: never "δ is 0". The worked numbers:
    # σ(0.6) = 0.645656 → 0.6457, 0.8·0.6457 − 0.1 = 0.41656 → 0.4166, σ(0.4166) = 0.602669 → 0.6027,
    # (1 − 0.6027)² = 0.157847 → 0.1578, −2·0.3973 = −0.7946, −0.7946·0.6027·0.3973 = −0.190269 → −0.1903
    assert wrong_lines(report) == []
    assert (19, "correct") in got and (15, "correct") in got


def test_a_named_function_a_function_not_written_out_and_a_shorthand():
    report, got = verdicts("notation_more.md")
    # RBF = φ(z) = e^{−z²} defines φ (the word in front only names it): φ' = −2z e^{−z²} = −2zφ(z); softmax of
    # the scores is not written out, so p(1 − p) is not judged (softmax times s would make it wrong);
    # "denote y = σ(wx + b) as y = σ(q)" makes q a name of its own, and ∂y/∂q = y(1 − y) holds for it
    assert wrong_lines(report) == []
    assert (7, "correct") in got and (15, "correct") in got
    assert (11, "unverifiable") in got


def test_a_network_drawn_as_a_mermaid_chart():
    report, got = verdicts("mermaid_chart.md")
    # the edges define s = v·x + c, h = σ(s), r = u·h + d, ŷ = σ(r) (y_hat is ŷ); with L = ½(ŷ − y)²:
    # dL/du = (ŷ − y)ŷ(1 − ŷ)h, dL/dv = (ŷ − y)ŷ(1 − ŷ)u·h(1 − h)·x (line 15 drops x), dL/dc has no x (line 17
    # adds one)
    assert wrong_lines(report) == [15, 17]
    assert (13, "correct") in got
    assert any(d.line == 5 and "definition of s" in d.message for d in report.definitions)


def test_a_new_value_written_with_a_plus_and_the_values_after_training():
    report, got = verdicts("plus_updates.md")
    # ŷ = 0.5·2 = 1, L = (3 − 1)² = 4, ∂L/∂w = −2(3 − 1)·2 = −8, w⁺ = 0.5 − 0.1·(−8) = 1.3: w^{+} and w^+ are the
    # new w, and 0.5 + 0.8 is 1.3, not 1.4; w = 1.5 after training is a value of its own, not a conflict with 0.5
    assert wrong_lines(report) == [13]
    assert (11, "correct") in got and not any(v.line == 17 for v in report.verdicts)


def test_a_table_of_costs_and_their_derivatives():
    report, got = verdicts("table_derivatives.md")
    # each row claims ∂C/∂a: ½(y − a)² → a − y; −y log a − (1 − y) log(1 − a) → −y/a + (1 − y)/(1 − a), so the
    # written y/a − (1 − y)/(1 − a) has the wrong sign; log(1 + e^{−a}) → −e^{−a}/(1 + e^{−a}); a row that sums
    # over j is not read (its a is a vector)
    assert wrong_lines(report) == [6]
    assert (5, "correct") in got and (8, "correct") in got and not any(v.line == 7 for v in report.verdicts)


def test_the_targets_of_a_cross_entropy_are_a_distribution():
    report, got = verdicts("softmax_generic.md")
    # on the instance k = 1, 2, 3: ∂L/∂z_k = ŷ_k Σ_m y_m − y_k, which is ŷ_k − y_k because the targets sum to 1
    # (random targets that do not would call line 9 wrong); line 11 multiplies in ŷ_k(1 − ŷ_k) as for a sigmoid
    assert wrong_lines(report) == [11]
    assert (9, "correct") in got


def test_softmax_written_as_an_operator_over_an_index():
    report, got = verdicts("softmax_operator.md")
    # ŷ_k = e^{z_k} / Σ_m e^{z_m}, so ∂ŷ_k/∂z_k = ŷ_k − ŷ_k² = ŷ_k(1 − ŷ_k) (line 5), not ŷ_k (line 7); with
    # L = −Σ y_k log ŷ_k and Σ y_k = 1, ∂L/∂z_k = −y_k + ŷ_k Σ_m y_m = ŷ_k − y_k (line 9). Each ŷ_k depends on
    # every z_m: read elementwise, softmax would be none of these
    assert wrong_lines(report) == [7]
    assert (5, "correct") in got and (9, "correct") in got


def test_an_activation_named_f_that_the_prose_calls_the_softmax():
    report, got = verdicts("softmax_named.md")
    # p_i = f(z_i) with f the softmax (said in words; the loss takes log p_i). ∂E/∂z_i = p_i − t_i (line 11);
    # ∂E/∂p_i · ∂p_i/∂z_i = (−t_i/p_i)·p_i(1 − p_i) = −t_i(1 − p_i) drops the terms through the other p_k, so
    # line 13 is wrong; ∂E/∂p_i = −t_i/p_i (line 15); line 17 puts in an extra p_i(1 − p_i)
    assert wrong_lines(report) == [13, 17]
    assert (11, "correct") in got and (15, "correct") in got


def test_a_shorthand_stands_for_what_it_abbreviates():
    report, got = verdicts("shorthand.md")
    # h_t = f(uv) with u = W, v = h_{t−1} abbreviates h_t = f(W h_{t−1} + U x_t + b): it is no new definition of
    # h_t (read literally f(W h_{t−1}) would differ), and ∂f(uv)/∂u is ∂h_t/∂W = h_{t−1} f′(·) (lines 8, 10);
    # line 12 gives ∂h_t/∂v = W f′(·) instead. δ ← δ·W has no learning rate: not a gradient step, not judged;
    # W ← W − η δ h_{t−1} is one (∂L/∂W = (h_t − y) f′(·) h_{t−1} = δ h_{t−1})
    assert wrong_lines(report) == [12]
    assert (8, "correct") in got and (10, "correct") in got and (24, "correct") in got
    assert (22, "unverifiable") in got
    assert not any(v.line == 5 and v.status in ("wrong", "warning") for v in report.verdicts)


def test_decimal_commas_braced_and_plain():
    # x = 2, w = 0.5, b = −0.5, y = 1: z = 0.5, ŷ = σ(0.5) = 0.622459, L = (ŷ − y)² = 0.142537,
    # ∂L/∂w = 2(ŷ − y)ŷ(1 − ŷ)x = 2(−0.377541)(0.235004)(2) = −0.354894, ∂L/∂b = −0.177447
    fr, got = verdicts("decimal_comma_fr.md")  # 0{,}5: ∂L/∂b with an extra factor x (line 13)
    assert wrong_lines(fr) == [13]
    assert (5, "correct") in got and (11, "correct") in got and fr.summary["unverifiable"] == 0
    assert any(v.line == 5 and v.source.endswith("0{,}5") for v in fr.verdicts)
    es, got = verdicts("decimal_comma_es.md")  # 0,5 with no decimal point anywhere; −0,1925 for −0.1774
    assert wrong_lines(es) == [13]
    assert (11, "correct") in got and es.summary["unverifiable"] == 0
    assert any("w_{1,2}" in d.source and "w_1_2" in d.message for d in es.definitions)  # a subscript keeps its comma


def test_full_width_punctuation_and_connectives_in_other_languages():
    report, got = verdicts("full_width_zh.md")
    # "，" and "。" end formulas, "（均方误差）" is a remark, "其中" ("where") starts a new formula;
    # ∂L/∂b = 2(ŷ − y)ŷ(1 − ŷ) = −0.177447: the factor 2 is missing on line 13 (−0.0887 as written)
    assert wrong_lines(report) == [13]
    assert (7, "correct") in got and (9, "correct") in got and (11, "correct") in got
    assert report.summary["unverifiable"] == 0


def test_a_derivation_for_any_layer_is_checked_on_a_network_of_three():
    report, got = verdicts("layers_generic.md")
    # u^(l) = W^(l) z^(l−1) + b^(l), z^(l) = f(u^(l)) for l = 1, 2, 3 and E = ½ Σ_k (z_k^(3) − d_k)², f any smooth
    # function: ∂E/∂w_ji^(l) = δ_j^(l) z_i^(l−1) (line 10); δ_k^(L) = (y_k − d_k) f′(u_k^(L)) (line 16), and not
    # y_k − d_k unless f is the identity (line 18); δ_j^(l) = Σ_k δ_k^(l+1) w_kj^(l+1) f′(u_j^(l)) (line 22), with
    # w_jk for w_kj the weights of another unit (line 24). ∂E/∂b_j = δ_j, not δ_j z_j^(l−1) (line 12)
    wrong = wrong_lines(report)
    assert {18, 24} <= set(wrong) <= {12, 18, 24}
    assert (10, "correct") in got and (16, "correct") in got and (22, "correct") in got
    assert any("network of 3" in r for r in report.readings)
    assert not any(v.status == "warning" for v in report.verdicts)  # δ = ∂E/∂u, then what it comes to: no new example


def test_sizes_in_a_note_written_with_matrices():
    report, got = verdicts("matrix_shapes.md")
    # z = Wx + b: W is m×n, x is n×1, z and b are m×1. ∂L/∂W (m×n) = δ xᵀ (m×1 · 1×n) (line 7), not x δ
    # (n×1 · m×1 is not defined, line 9); ∂L/∂x (n×1) = Wᵀ δ (line 11), not δ W (line 13). Entry by entry
    # both wrong lines have the right value: only their sizes show the error
    assert wrong_lines(report) == [9, 13]
    assert (7, "correct") in got and (11, "correct") in got and (15, "correct") in got
    assert all(v.stage == "shapes" for v in report.verdicts if v.status == "wrong")
    nine = [v.message for v in report.verdicts if v.line == 9]
    assert any("∂L/∂W is n₁×n₂" in m and "x delta is n₂×n₃" in m for m in nine)


def test_a_general_formula_before_the_note_makes_it_concrete():
    report, got = verdicts("general_formula_first.md")
    # E_total = Σ ½(target − output)² in words the note never uses again is a general formula; E_total = E_o1 +
    # E_o2 defines it. ∂E/∂w1 = (o1 − t1)h (line 11); ∂E/∂w2 has no term from o1 (line 13). g(u) = u is the
    # identity, so ŷ = g(w3 h) has ∂ŷ/∂w3 = h (line 15)
    assert wrong_lines(report) == [13]
    assert (11, "correct") in got and (15, "correct") in got
    assert not any(v.status == "warning" for v in report.verdicts)


def test_a_recurrence_over_the_range_of_its_sum():
    report, got = verdicts("recurrence_ranged.md")
    # h_t = tanh(w h_{t−1} + u x_t) for t = 1, 2 (the range of the loss's sum), h_0 = 0: ∂L/∂v = Σ (ŷ_t − y_t) h_t
    # (line 7); ∂L/∂w must follow h_2 back through h_1: ∂h_2/∂w = (1 − h_2²)(h_1 + w ∂h_1/∂w), so the sum of
    # the immediate terms alone (line 9) is wrong
    assert wrong_lines(report) == [9]
    assert (7, "correct") in got
    assert any("as its sum runs" in r for r in report.readings)


def test_a_notes_own_macros_are_written_out():
    report, got = verdicts("macros.tex")
    # \vx is x, \sig{z} is σ(z), \lr is η, \relu is ReLU: z = 0.5·2 − 0.5 = 0.5, ŷ = σ(0.5) = 0.622459, L = ½(ŷ − 1)²
    # = 0.071268, ∂L/∂w = (ŷ − 1)ŷ(1 − ŷ)x = −0.177447, w − 0.1·(−0.177447) = 0.517745, ReLU(0.5) = 0.5;
    # ∂L/∂b has no factor x (line 20)
    assert wrong_lines(report) == [20]
    assert {(12, "correct"), (17, "correct"), (22, "correct"), (23, "correct")} <= got
    assert report.summary["unverifiable"] == 0
    # places and excerpts are the note's own, with its macros as written
    assert any(v.line == 12 and v.col == 12 and v.source.startswith(r"\sig{z}") for v in report.verdicts)
    mathjax, got = verdicts("macros_mathjax.md")  # defined in the maths, as MathJax reads them; tanh′ = 1 − tanh²
    assert wrong_lines(mathjax) == [9] and (7, "correct") in got


def test_the_gradient_written_with_nabla():
    report, got = verdicts("nabla.md")
    # ∇_a C is ∂C/∂a = a − y (line 5); ∇_w C = (a − y)a(1 − a)x (line 7); ∇_b C has no factor x (line 9)
    assert wrong_lines(report) == [9]
    assert (5, "correct") in got and (7, "correct") in got


def test_vectorised_layers_with_bracketed_labels():
    report, got = verdicts("vectorised_ng.md")
    # Z^[1] = W^[1] X + b^[1] (n₁×m, X is n₀×m), dZ^[1] has Z^[1]'s size: dW^[1] = (1/m) dZ^[1] Xᵀ is n₁×n₀, while
    # (1/m) Xᵀ dZ^[1] multiplies m×n₀ by n₁×m (line 21). dW^[2] = (1/m) dZ^[2] (A^[1])ᵀ restates line 11 (line 15).
    # db, dW and dZ are the gradients' names, not slips of the pen for b, W and Z
    assert wrong_lines(report) == [21]
    assert (15, "correct") in got
    assert not any("one character away" in v.message for v in report.verdicts)


def test_the_four_equations_with_entries_beside_vectors():
    report, got = verdicts("nielsen_four.md")
    # z^l = w^l a^{l−1} + b^l, a^l = σ(z^l), C = ½‖y − a^L‖². ∇_a C, with a written only with layer labels
    # elsewhere, is ∂C/∂a^L: δ^L = (a^L − y) ⊙ σ′(z^L) (lines 5, 7); δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l) (line 9);
    # ∂C/∂w^l = δ^l (a^{l−1})ᵀ (line 15). b^l_j and w^l_{jk} are entries of b^l and w^l, not slips of the pen.
    # Line 17 multiplies w^{l+1} (n_{l+1}×n_l) by δ^{l+1} (n_{l+1}×1): the sizes do not fit
    assert wrong_lines(report) == [17]
    assert {(5, "correct"), (7, "correct"), (9, "correct"), (15, "correct")} <= got
    assert not any(v.status == "warning" for v in report.verdicts)


def test_a_definition_through_an_unreadable_one_cannot_be_read_either():
    report, got = verdicts("unreadable_through.md")
    # δ^L = ∇_q C ⊙ σ′(z^L) names a q the note never defines: δ^L cannot be evaluated, nor δ^l built on it, so
    # the claims through them are unverifiable, never wrong (read with δ^L at random values, the right
    # recurrence on line 9 would look wrong)
    assert wrong_lines(report) == []
    assert (9, "unverifiable") in got


def test_a_dot_product_is_not_a_size_error():
    report, got = verdicts("dot_product.md")
    # w · x of two vectors may be their dot product (a number), so it ties no sizes: z = wᵀx + b restates it
    # (line 5) and ∂L/∂w = (a − y)a(1 − a)x holds (line 7); ∂L/∂b has no factor x (line 9)
    assert wrong_lines(report) == [9]
    assert (5, "correct") in got and (7, "correct") in got


def test_two_layers_in_matrix_form():
    report, got = verdicts("matrix_two_layers.md")
    # z¹ = W¹x + b¹ (W¹ is n₁×n₀), h = tanh(z¹), z² = W²h + b², ŷ = σ(z²): every claim on lines 7–23 holds, in
    # ⊙, ∘, ᵀ, ^\top and W^{(2)T} alike. Then ∂L/∂W¹ = xᵀδ¹ (1×n₀ by n₁×1), ∂L/∂h = δ²W² (n₂×1 by n₂×n₁) and
    # an update by h δ²ᵀ (n₁×n₂ for the n₂×n₁ W²) do not fit (lines 25, 27, 29)
    assert wrong_lines(report) == [25, 27, 29]
    assert {(line, "correct") for line in (9, 11, 15, 17, 19, 21, 23)} <= got
    assert all(v.stage == "shapes" for v in report.verdicts if v.status == "wrong")


def test_time_superscripts_and_a_sum_to_t():
    report, got = verdicts("rnn_time_labels.md")
    # h^(t) = tanh(w h^(t−1) + u x^(t)), ŷ^(t) = v h^(t), L = Σ_{t=1}^{T} ½(ŷ^(t) − y^(t))² on t = 1, 2, 3: the T of
    # the sum is its last step, not a transpose. ∂L/∂v = Σ (ŷ^(t) − y^(t)) h^(t) (line 7), ∂L/∂ŷ^(t) = ŷ^(t) − y^(t)
    # (line 9); ∂L/∂w through the immediate terms alone misses the paths through earlier steps (line 11)
    assert wrong_lines(report) == [11]
    assert (7, "correct") in got and (9, "correct") in got


def test_a_section_with_another_loss():
    report, got = verdicts("loss_sections.md")
    # a = σ(wh + b). With E = ½(a − y)²: δ = ∂E/∂z = (a − y)a(1 − a) (line 9), ∂E/∂w = δh (line 11). The section on
    # cross-entropy defines E again, as another function: its own loss, not a claim about the first, and no δ
    # from before it. There ∂E/∂z = a − y (line 17), ∂E/∂w = (a − y)h (line 19), and the σ′ factor of the squared
    # error is one too many (line 21)
    assert wrong_lines(report) == [21]
    assert {(9, "correct"), (11, "correct"), (17, "correct"), (19, "correct")} <= got
    assert not any(v.line == 15 and v.status in ("wrong", "warning") for v in report.verdicts)


def test_time_steps_in_angle_brackets():
    report, got = verdicts("angle_time_steps.md")
    # a^⟨t⟩ = tanh(w_aa a^⟨t−1⟩ + w_ax x^⟨t⟩ + b_a), ŷ^⟨t⟩ = w_ya a^⟨t⟩ + b_y, L = Σ_{t=1}^{T_x} ½(ŷ^⟨t⟩ − y^⟨t⟩)² on
    # t = 1, 2, 3: ∂L/∂w_ya = Σ (ŷ^⟨t⟩ − y^⟨t⟩) a^⟨t⟩ (line 9); ∂L/∂b_y has no factor a^⟨t⟩ (line 11)
    assert wrong_lines(report) == [11]
    assert (9, "correct") in got


def test_another_loss_with_no_heading_before_it():
    report, got = verdicts("loss_sections_plain.md")
    # the same two losses with no heading between them: the cross-entropy E, another function of a and y, still
    # starts an example of its own (lines 15–21 as in loss_sections.md)
    assert wrong_lines(report) == [21]
    assert (17, "correct") in got and (19, "correct") in got
