"""The printed forms are the gradient: every symbolic form evaluates to the same number as an
independent route, SymPy's own differentiation of the whole loss written out in inputs and
parameters (the naive method, fine for small networks)."""

import random
from fractions import Fraction

import pytest
import sympy as sp

from derive import derive, load
from derive.algebra import Sigmoid, Step, delta_symbol, symbol
from derive.derivation.engine import expand_in_leaves
from derive.network.mlp import build_mlp


def numeric_values(d):
    """Every quantity and every δ at the derivation's values, as a SymPy substitution."""
    subs = {symbol(n): sp.Float(v, 30) for n, v in d.values.items()}
    subs.update({delta_symbol(n): sp.Float(s.value, 30) for n, s in d.signals.items()})
    return subs


def evaluate(expr, subs):
    return float(expr.xreplace(subs).doit().evalf(30))


def random_values(net, seed):
    rng = random.Random(seed)
    vals = {q.name: Fraction(rng.uniform(-1, 1)).limit_denominator(10**6) for q in net.leaves}
    return net.with_values(vals, Fraction(1, 10))


CASES = [
    ([2, 2, 1], ["sigmoid", "sigmoid"], "half_sse"),
    ([2, 3, 2], ["tanh", "linear"], "mse"),
    ([3, 2, 2, 1], ["sigmoid", "tanh", "linear"], "sse"),
    ([2, 2, 3], ["tanh", "softmax"], "half_sse"),
]


@pytest.mark.parametrize("layers,acts,loss", CASES)
def test_every_form_matches_sympy_diff_of_the_whole_loss(layers, acts, loss):
    net = random_values(build_mlp(layers, acts, loss), seed=len(layers))
    d = derive(net)
    subs = numeric_values(d)
    whole = expand_in_leaves(net, symbol(net.loss), d.signals).rewrite(sp.exp)
    leaves = {symbol(q.name): sp.Rational(q_val.numerator, q_val.denominator)
              for q, q_val in ((net[n], v) for n, v in net.values.items())}
    for name, g in d.gradients.items():
        truth = float(sp.diff(whole, symbol(name)).xreplace(leaves).evalf(30))
        assert g.value == pytest.approx(truth, rel=1e-10, abs=1e-13), name
        assert evaluate(g.delta_form, subs) == pytest.approx(truth, rel=1e-10, abs=1e-13), name
        if g.compact is not None:
            assert evaluate(g.compact, subs) == pytest.approx(truth, rel=1e-10, abs=1e-13), name
        for path in g.paths:
            for f in path:
                assert f.value == pytest.approx(evaluate(f.expr, subs), rel=1e-10, abs=1e-13)


def test_expanded_form_is_in_leaves_only():
    d = derive(load("mlp-221"))
    e = d.expanded("w1")
    leaves = {symbol(q.name) for q in d.network.leaves}
    assert e.free_symbols <= leaves
    assert symbol("w1") in e.free_symbols and symbol("x1") in e.free_symbols


def test_sigmoid_derivative_is_written_through_its_output():
    d = derive(load("mlp-221"))
    f = d.gradients["w5"].paths[0]
    slopes = [x.expr for x in f if x.of == "output" and x.wrt == "z_out"]
    assert slopes and slopes[0].free_symbols == {symbol("output")}


def test_relu_slope_is_a_step():
    net = build_mlp([1, 1, 1], ["relu", "linear"], "half_sse")
    d = derive(net)
    assert any(isinstance(a, Step) for a in sp.preorder_traversal(d.gradients["W1_1_1"].compact))
    assert not any(isinstance(a, Sigmoid) for a in sp.preorder_traversal(d.gradients["W1_1_1"].compact))
