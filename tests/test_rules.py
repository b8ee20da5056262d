"""Activations and losses are data (derive.rules): a new activation is one record, and every stage (specs,
numbers, the engine, documents, the figure, handouts) takes it from there. Checked here with softplus,
registered for the length of a test, against central finite differences (never against derive itself)."""

from __future__ import annotations

import math

import pytest
import sympy as sp

from derive import derive, rules
from derive.algebra import Sigmoid, Step, symbol
from derive.derivation.engine import expand_in_leaves
from derive.derivation.numeric import FLOAT, MP, finite_differences, forward
from derive.document.build import build
from derive.errors import SpecError
from derive.network.spec import network_from_spec
from derive.output.render import document_files

SOFTPLUS = rules.ActivationRule(
    "softplus",
    f=lambda z, be: be.log(1 + be.exp(z)),
    slope=lambda z, a, be: 1 / (1 + be.exp(-z)),  # σ(z)
    sym=lambda z: sp.log(1 + sp.exp(z)),
    sym_slope=lambda a, z: Sigmoid(z),
    tex=r"\operatorname{softplus}",
    figure_tex=r"\mathrm{softplus}",
    slope_tex=r"\sigma\left({z}\right)",
    outputs=("mlp",),
)

MLP = {"kind": "mlp", "layers": [2, 3, 2], "activation": ["softplus", "sigmoid"], "loss": "half_sse",
       "values": {"x": [0.05, -0.4], "t": [0.01, 0.99], "W1": [[0.15, 0.2], [-0.25, 0.3], [0.35, -0.4]],
                  "b1": [0.35, -0.1, 0.2], "W2": [[0.4, 0.45, -0.5], [0.55, -0.6, 0.65]], "b2": [0.6, -0.3],
                  "learning_rate": 0.5}}


@pytest.fixture
def softplus(monkeypatch):
    monkeypatch.setitem(rules.ACTIVATIONS, "softplus", SOFTPLUS)


def agrees_with_finite_differences(net) -> None:
    d = derive(net)
    fd = finite_differences(net)
    assert set(fd) == set(d.gradients)
    for name, g in d.gradients.items():
        assert g.value == pytest.approx(fd[name], rel=1e-6, abs=1e-9), name


def test_an_mlp_with_a_registered_activation_agrees_with_finite_differences(softplus):
    net = network_from_spec(MLP)
    agrees_with_finite_differences(net)
    v = forward(net, FLOAT)
    assert v["a1_1"] == pytest.approx(math.log(1 + math.exp(v["z1_1"])))
    assert float(forward(net, MP)["a1_1"]) == pytest.approx(v["a1_1"], rel=1e-14)


def test_its_symbolic_forms_agree_with_its_numbers(softplus):
    d = derive(network_from_spec(MLP))
    g = d.gradients["W1_1_1"]
    assert Sigmoid(symbol("z1_1")) in g.best_form.atoms(Sigmoid)  # softplus' = σ, in the named quantities
    leaves = {symbol(n): sp.Rational(x.numerator, x.denominator) for n, x in d.network.values.items()}
    for name in ("W1_1_1", "b1_2", "W2_2_3"):
        exact = expand_in_leaves(d.network, d.gradients[name].best_form, d.signals).xreplace(leaves)
        assert float(exact.evalf(30)) == pytest.approx(d.gradients[name].value, rel=1e-12), name


def test_its_document_writes_it_everywhere(softplus):
    page = document_files(build(derive(network_from_spec(MLP))), "md", None)[""].decode()
    assert r"\operatorname{softplus}\left(\mathbf{z}^{(1)}\right)" in page  # the matrix form's forward pass
    assert r"\sigma\left(\mathbf{z}^{(1)}\right)" in page                   # ... and its δ
    assert "data:image/svg+xml;base64," in page


def test_rnn_and_cnn_take_it_as_a_hidden_activation(softplus):
    rnn = network_from_spec({"kind": "rnn", "steps": 2, "hidden_size": 2, "activation": "softplus", "seed": 3})
    cnn = network_from_spec({"kind": "cnn", "input": [1, 4, 4], "activation": "softplus", "seed": 2, "label": 1,
                             "layers": [{"type": "conv", "maps": 2, "kernel": 3}, {"type": "dense", "units": 2}]})
    for net in (rnn, cnn):
        agrees_with_finite_differences(net)
    assert r"\sigma\left(\boldsymbol{o}_{t}\right)" in document_files(build(derive(rnn)), "md", None)[""].decode()
    page = document_files(build(derive(cnn)), "md", None)[""].decode()
    assert r"\operatorname{softplus}\left(C^{1,\mathrm{sum}}" in page


def test_its_constraints_are_the_records_own(softplus):
    with pytest.raises(SpecError, match="allowed: .*softplus"):
        network_from_spec({**MLP, "activation": "softmin"})
    with pytest.raises(SpecError, match="output_activation.*allowed: linear, sigmoid, tanh, softmax$"):
        network_from_spec({"kind": "rnn", "steps": 2, "output_activation": "softplus"})  # outputs=("mlp",)


def test_without_it_the_name_is_refused():
    with pytest.raises(SpecError, match="unknown value 'softplus'"):
        network_from_spec(MLP)


@pytest.mark.parametrize("rule", list(rules.ACTIVATIONS.values()), ids=lambda r: r.name)
def test_every_elementwise_slope_is_the_derivative_of_its_function(rule):
    if not rule.elementwise:
        return
    z = sp.Symbol("z")
    a = rule.sym(z)
    for z0 in (-1.3, 0.4, 2.1):
        h = 1e-6
        numeric = (rule.f(z0 + h, FLOAT) - rule.f(z0 - h, FLOAT)) / (2 * h)
        assert float(rule.slope(z0, rule.f(z0, FLOAT), FLOAT)) == pytest.approx(numeric, rel=1e-6, abs=1e-9)
        symbolic = sp.sympify(rule.sym_slope(a, z)).replace(Step, lambda x: sp.Piecewise((1, x > 0), (0, True)))
        assert float(symbolic.subs(z, z0).rewrite(sp.exp).evalf()) == pytest.approx(numeric, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("rule", list(rules.LOSSES.values()), ids=lambda r: r.name)
def test_every_loss_slope_is_the_derivative_of_its_term(rule):
    y, t = sp.symbols("y t")
    for y0, t0 in ((0.3, 0.8), (0.9, 0.2)):
        h = 1e-7
        numeric = (rule.f(y0 + h, t0, 3, FLOAT) - rule.f(y0 - h, t0, 3, FLOAT)) / (2 * h)
        assert rule.slope(y0, t0, 3) == pytest.approx(numeric, rel=1e-5)
        assert float(rule.sym_slope(y, t, 3).subs({y: y0, t: t0})) == pytest.approx(numeric, rel=1e-5)
        assert float(rule.sym(y, t, 3).subs({y: y0, t: t0})) == pytest.approx(rule.f(y0, t0, 3, FLOAT))
