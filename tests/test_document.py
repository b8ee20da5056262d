"""The document model: every formula printed by the network's printers, every number the engine's,
every kind of network the engine supports, and the notebook displays."""

import re
import xml.etree.ElementTree as ET
from fractions import Fraction

import numpy as np
import pytest
from oracles import mlp_numpy

from derive import derive, load
from derive import document as derive_document
from derive.document.build import build
from derive.document.figure import network_figure
from derive.document.formatting import fmt_tex
from derive.document.model import Equation, Omitted, join_terms
from derive.document.printing import Printers, leibniz
from derive.network.examples import EXAMPLES
from derive.network.mlp import LAYERED, build_mlp
from derive.output.draw import svg_text, to_svg, to_tikz
from derive.output.notebook import latex, markdown
from derive.output.render import document_files

DOUBLE_SUPERSCRIPT = re.compile(r"\^\{[^{}]*\}\^|\^\{[^{}]*\}'")


def every_equation(doc):
    eqs = list(doc.forward) + list(doc.loss) + list(doc.outputs) + list(doc.signals)
    for g in doc.gradients:
        eqs += [e for e in (g.chain, g.form, g.delta, g.update) if e is not None] + list(g.factors)
    if doc.matrix:
        eqs += [e for row in doc.matrix.entries for e in row]
        for layer in doc.matrix.layers:
            eqs += list(layer.forward + layer.delta + layer.weights + layer.bias)
    for s in doc.extra:
        eqs += list(s.equations)
    return [e for e in eqs if isinstance(e, Equation)]


@pytest.fixture(scope="module")
def mlp222():
    d = derive(load("mlp-222"))
    return d, build(d)


def test_w5_reads_like_the_note_with_the_true_numbers(mlp222):
    d, doc = mlp222
    w5 = next(g for g in doc.gradients if g.name == "w5")
    assert w5.detailed and w5.paths == 1
    assert w5.chain.latex == (r"\frac{\partial E_{\mathrm{total}}}{\partial w_{5}} = \frac{\partial E_{\mathrm{total}}}"
                              r"{\partial \mathrm{out}_{o1}} \cdot \frac{\partial \mathrm{out}_{o1}}{\partial "
                              r"\mathrm{net}_{o1}} \cdot \frac{\partial \mathrm{net}_{o1}}{\partial w_{5}}")
    assert [f.parts[-1] for f in w5.factors] == [("0.74136507",), ("0.186815602",), ("0.593269992",)]
    assert w5.form.latex.endswith(r"= 0.74136507 \cdot 0.186815602 \cdot 0.593269992 = 0.082167041")
    assert w5.delta.latex.endswith(r"\delta_{o1} \mathrm{out}_{h1} = 0.138498562 \cdot 0.593269992 = 0.082167041")
    assert w5.update.latex == (r"w_{5}^{\mathrm{new}} = w_{5} - \eta \frac{\partial E_{\mathrm{total}}}{\partial w_{5}}"
                               r" = 0.4 - 0.5 \cdot 0.082167041 = 0.35891648")


def test_the_forward_pass_and_the_loss_with_numbers(mlp222):
    _, doc = mlp222
    assert doc.forward[0].latex == (r"\mathrm{net}_{h1} = w_{1} i_{1} + w_{2} i_{2} + b_{1} = 0.15 \cdot 0.05 + "
                                    r"0.2 \cdot 0.1 + 0.35 = 0.3775")
    assert doc.forward[2].latex == (r"\mathrm{out}_{h1} = \sigma\left(\mathrm{net}_{h1}\right) = "
                                    r"\sigma\left(0.3775\right) = 0.593269992")
    assert doc.loss[-1].parts[0] == (r"E_{\mathrm{total}}",) and doc.loss[-1].parts[-1] == ("0.298371109",)
    assert [o.parts[-1] for o in doc.outputs] == [("0.74136507",), ("-0.217071535",)]


def test_every_chain_ends_in_the_engines_value(mlp222):
    d, doc = mlp222
    for g in doc.gradients:
        value = fmt_tex(d.gradients[g.name].value)
        assert g.delta.parts[-1] == (value,)
        if g.form is not None:
            assert g.form.parts[-1] == (value,)
        assert g.update.parts[-1] == (fmt_tex(d.gradients[g.name].updated),)
    for row in doc.summary:
        assert row.value == d.gradients[row.name].value and row.updated == d.gradients[row.name].updated
    names = [leibniz(Printers(d.network), d.network.loss, p) for p in d.gradients]
    assert [g.delta.lhs for g in doc.gradients] == names


def test_matrix_form_of_a_layered_network(mlp222):
    d, doc = mlp222
    m = doc.matrix
    out, hidden = m.layers
    assert out.output and not hidden.output
    assert hidden.delta[0].parts[1] == (r"\left(W^{(2)\top} \boldsymbol{\delta}^{(2)}\right) \odot \mathbf{a}^{(1)} "
                                        r"\odot \left(1 - \mathbf{a}^{(1)}\right)",)
    assert out.weights[0].parts[1] == (r"\boldsymbol{\delta}^{(2)} \mathbf{a}^{(1)\top}",)
    grads = out.weights[0].parts[-1][0]
    assert "0.082167041 & 0.082667628" in grads and "-0.02260254 & -0.022740242" in grads
    # one bias shared by the layer: its gradient is the sum of the layer's δ
    assert out.bias[0].latex.endswith(r"= 0.138498562 + (-0.038098237) = 0.100400325")


def test_no_equation_has_a_double_superscript_or_an_empty_side():
    for name in EXAMPLES:
        doc = build(derive(load(name)))
        for e in every_equation(doc):
            assert not DOUBLE_SUPERSCRIPT.search(e.latex), e.latex
            assert all(p and all(t.strip() for t in p) for p in e.parts), e.parts


def test_a_symbolic_network_has_no_numbers():
    doc = build(derive(load("mlp-231")))
    assert not doc.has_numbers and not doc.givens
    assert all(g.update is None and g.value is None for g in doc.gradients)
    w11 = next(g for g in doc.gradients if g.name == "w11")
    assert w11.form.latex == (r"\frac{\partial \mathrm{Loss}}{\partial w_{11}} = \left(\text{output} - y_{T}\right) "
                              r"\text{output} \left(1 - \text{output}\right) w_{a} \sigma(z_{h1}) \left(1 - "
                              r"\sigma(z_{h1})\right) x_{1}")
    assert [len(layer.delta) for layer in doc.matrix.layers] == [1, 1]


@pytest.mark.parametrize("acts,loss", [(["tanh", "softmax"], "cross_entropy"), (["relu", "sigmoid"], "bce"),
                                       (["linear", "linear"], "mse"), (["sigmoid", "tanh"], "sse")])
def test_every_activation_and_loss(acts, loss):
    net = build_mlp([2, 2, 2], acts, loss, LAYERED, "t")
    values = {q.name: Fraction(k % 7 - 3, 10) or Fraction(1, 5) for k, q in enumerate(net.leaves)}
    if loss in ("cross_entropy", "bce"):
        values.update({"t1": Fraction(1), "t2": Fraction(0)})
    d = derive(net.with_values(values, Fraction(1, 10)))
    doc = build(d)
    assert doc.logits == (loss == "cross_entropy")
    assert len(doc.gradients) == len(net.params) and doc.detailed_all
    for g in doc.gradients:
        assert g.delta.parts[-1] == (fmt_tex(d.gradients[g.name].value),)
    assert doc.matrix is not None and all(layer.delta for layer in doc.matrix.layers)


def test_a_large_network_lists_gradients_compactly():
    net = build_mlp([6, 10, 10, 3], ["sigmoid", "tanh", "sigmoid"], "half_sse", LAYERED, "wide")
    values = {q.name: Fraction((k * 37) % 19 - 9, 40) for k, q in enumerate(net.leaves)}
    d = derive(net.with_values(values, Fraction(1, 2)))
    doc = build(d)
    assert not doc.detailed_all
    assert {g.name for g in doc.worked} == {"W1_1_1", "b1_1", "W2_1_1", "b2_1", "W3_1_1", "b3_1"}
    first = next(g for g in doc.worked if g.name == "W1_1_1")
    assert first.paths > 8 and first.chain is not None and first.factors  # through the δ of what it feeds
    assert all(g.delta.parts[-1] == (fmt_tex(d.gradients[g.name].value),) for g in doc.gradients)
    assert doc.matrix.entries == ()  # too wide to write out entry by entry; the equations remain
    assert len(doc.matrix.layers) == 3


def test_rnn_document_sums_over_steps():
    d = derive(load("rnn-2step"))
    doc = build(d)
    keys = [s.key for s in doc.extra]
    assert keys == ["bptt", "steps"]
    steps = doc.extra[1].equations
    w_i = next(e for e in steps if e.lhs == r"\frac{\partial L}{\partial W_{i}}")
    assert w_i.parts[-1] == ("0.102936215",)
    assert doc.matrix is None


def test_cnn_document_is_trimmed_and_has_index_formulas():
    d = derive(load("lenet"))
    doc = build(d)
    assert [s.key for s in doc.extra] == ["index"]
    omitted = [e for e in doc.forward if isinstance(e, Omitted)]
    assert omitted and sum(e.count for e in omitted) + sum(isinstance(e, Equation) for e in doc.forward) == \
        sum(1 for q in d.network.quantities if q.role.value in ("hidden", "output"))
    shown = [r for r in doc.summary if not isinstance(r, Omitted)]  # a few of each kind of parameter
    assert len(shown) < 30 and len(shown) + sum(r.count for r in doc.summary if isinstance(r, Omitted)) == \
        len(d.network.params) == len(doc.gradients)
    assert not doc.detailed_all and 2 <= len(doc.worked) <= 8


def test_join_terms_writes_minus_signs():
    assert join_terms(("a", "- b", "c")) == "a - b + c"
    assert join_terms(("0.1", "-0.2")) == "0.1 - 0.2"


def test_figures_are_well_formed():
    for name in EXAMPLES:
        fig = network_figure(load(name))
        ET.fromstring(to_svg(fig))  # parses as XML
        tikz = to_tikz(fig)
        assert tikz.startswith(r"\begin{tikzpicture}") and tikz.rstrip().endswith(r"\end{tikzpicture}")
    assert svg_text(r"\mathrm{out}_{o1}") == [("out", 0), ("o1", -1)]
    assert svg_text(r"W^{(2)}_{13}") == [("W", 0), ("(2)", 1), ("13", -1)]


def test_notebook_displays():
    d = derive(load("mlp-222"))
    assert d._repr_latex_().startswith("$$\\begin{aligned}") and "0.082167041" in d._repr_latex_()
    shown = d._repr_markdown_()  # a summary, not the 40 KB document with its figure
    assert len(shown) < 8000 and "data:image" not in shown
    assert "E_{\\mathrm{total}} = 0.298371109" in shown and "0.082167041" in shown
    assert "derive.document(d)" in shown
    big = derive(load("lenet"))._repr_markdown_()
    assert len(big) < 8000 and "more gradients" in big
    g = d.gradients["w5"]
    assert g._repr_latex_() == latex(g) == markdown(g)
    # in the document's names: its loss (E_total, not L), its quantities (\mathrm{out}_{h1}, not out_{h1})
    text = derive_document(d)
    lhs = re.search(r"\\frac\{\\partial (E_\{[^{}]*\{[^{}]*\}\})\}\{\\partial w_\{5\}\}", text)
    assert lhs and lhs.group(1) == r"E_{\mathrm{total}}"
    assert g._repr_latex_().startswith(f"$${lhs.group(0)} = ")
    assert r"\mathrm{out}_{h1}" in text and r"\mathrm{out}_{h1}" in g._repr_latex_()
    assert "out_{h1}" not in g._repr_latex_().replace(r"\mathrm{out}_{h1}", "")
    assert g._repr_latex_().endswith(f"= {fmt_tex(g.value)}$$")


# --- the lecture order (forward tables, the backward pass layer by layer, the update) ----------------

def test_the_backward_pass_runs_from_the_output_layer_down(mlp222):
    _, doc = mlp222
    assert [s.output for s in doc.stages] == [True, False]
    deltas = [[e.lhs for e in next(i for i in s.items if i.kind == "group" and i.key == "deltas").equations]
              for s in doc.stages]
    assert deltas == [[r"\delta_{o1}", r"\delta_{o2}"], [r"\delta_{h1}", r"\delta_{h2}"]]
    grads = next(i for i in doc.stages[0].items if i.kind == "group" and i.key == "gradients")
    assert grads.first == "w_{5}" and grads.equations[0].latex.endswith(r"= 0.138498562 \cdot 0.593269992 "
                                                                         r"= 0.082167041")
    assert [t.output for t in doc.tables] == [False, True] and len(doc.tables[0].rows) == 4


def test_each_local_derivative_is_shown_once_and_the_sigmoid_box_where_first_used(mlp222):
    _, doc = mlp222
    local = [e.lhs for s in doc.stages for i in s.items if i.kind == "group" and i.key == "locals"
             for e in i.equations]
    assert len(local) == len(set(local)) == 10
    first = doc.stages[0].items
    assert first[0].kind == "box" and first[0].key == "sigmoid"
    assert first[0].lines[-1].latex.endswith(r"= \mathrm{out}_{o1} \left(1 - \mathrm{out}_{o1}\right)")
    assert not any(i.kind == "box" for i in doc.stages[1].items)


def test_no_display_of_the_markdown_document_is_repeated():
    text = document_files(build(derive(load("mlp-222"))), "md", "x")["x.md"].decode()
    rows = [r.strip() for b in re.findall(r"\$\$(.*?)\$\$", text, re.S)
            for r in b.replace("\\begin{aligned}", "").replace("\\end{aligned}", "").split("\\\\") if r.strip()]
    assert len(rows) > 40 and len(rows) == len(set(rows))


def test_the_loss_after_one_step_agrees_with_the_numpy_oracle(mlp222):
    _, doc = mlp222
    layers, acts, x, t = [2, 2, 2], ["sigmoid", "sigmoid"], [0.05, 0.10], [0.01, 0.99]
    W = {1: np.array([[0.15, 0.20], [0.25, 0.30]]), 2: np.array([[0.40, 0.45], [0.50, 0.55]])}
    b = {1: np.array([0.35, 0.35]), 2: np.array([0.60, 0.60])}
    loss, dW, db = mlp_numpy.mlp_gradients(layers, acts, "half_sse", W, b, x, t)
    W = {k: W[k] - 0.5 * dW[k] for k in W}
    b = {k: b[k] - 0.5 * db[k].sum() for k in b}  # one bias shared by the units of a layer
    assert doc.loss_value == pytest.approx(loss, rel=1e-12)
    assert doc.after == pytest.approx(mlp_numpy.mlp_loss(layers, acts, "half_sse", W, b, x, t), rel=1e-12)


@pytest.mark.parametrize("activation, box", [("tanh", "tanh"), ("relu", "relu")])
def test_boxes_follow_the_activations_used(activation, box):
    net = build_mlp([3, 4, 2], [activation, "softmax"], "cross_entropy", LAYERED, "net")
    doc = build(derive(net))
    keys = [i.key for s in doc.stages for i in s.items if i.kind == "box"]
    assert keys == ["softmax_ce", box]
    assert doc.stages[0].items[0].lines[-1].latex.endswith("= p_{k} - t_{k}")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_no_internal_names_reach_the_reader(name):
    doc = build(derive(load(name)))
    text = document_files(doc, "md", "x")["x.md"].decode()
    for word in ("network of note", "(note ", "cross_entropy", "half_sse", "relu_"):
        assert word not in text
