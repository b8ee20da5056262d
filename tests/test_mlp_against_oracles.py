"""derive's MLP gradients against independent oracles (tests/oracles).

Random networks with 0-3 hidden layers of width 1-5, every hidden activation and every
valid (output activation, loss) pair; weights, inputs and targets drawn with fixed seeds.
The main comparison is the tool against the numpy matrix-form backprop oracle; the oracle
itself is checked against central finite differences, and optionally against torch.
"""
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from oracles import mlp_numpy, mlp_torch

from derive import derive
from derive.derivation import numeric
from derive.network.mlp import build_mlp

HIDDEN = ["sigmoid", "tanh", "relu", "linear"]
OUTPUT_LOSS = (
    [(act, loss) for loss in ("half_sse", "sse", "mse")
     for act in ("sigmoid", "tanh", "relu", "linear", "softmax")]
    + [("sigmoid", "bce"), ("softmax", "cross_entropy"), ("sigmoid", "cross_entropy")]
)
RTOL, ATOL = 1e-9, 1e-12

# (hidden layers, hidden activation, output activation, loss); no hidden layer -> one case per pair.
CASES = [(0, None, o, loss) for o, loss in OUTPUT_LOSS] + [
    (depth, h, o, loss) for depth, h, (o, loss) in product((1, 2, 3), HIDDEN, OUTPUT_LOSS)]
# Hidden layers with different activations each.
MIXED = [["sigmoid", "relu"], ["relu", "tanh", "linear"], ["linear", "sigmoid", "relu"], ["tanh", "relu", "sigmoid"]]
MIXED_CASES = [(hidden, o, loss) for hidden in MIXED for o, loss in OUTPUT_LOSS]


def _case_id(case):
    depth, h, o, loss = case
    return f"{depth}x{h}-{o}-{loss}" if depth else f"{o}-{loss}"


def make_problem(hidden_acts, out_act, loss, seed):
    """Random layers, activations, W, b, x, t; relu pre-activations kept away from 0."""
    rng = np.random.default_rng(seed)
    layers = [int(n) for n in rng.integers(1, 6, size=len(hidden_acts) + 2)]
    activations = list(hidden_acts) + [out_act]
    L = len(layers) - 1
    n_out = layers[-1]
    for _ in range(1000):
        W = {l: rng.uniform(-1, 1, (layers[l], layers[l - 1])) for l in range(1, L + 1)}
        b = {l: rng.uniform(-1, 1, layers[l]) for l in range(1, L + 1)}
        x = rng.uniform(-1, 1, layers[0])
        z, _ = mlp_numpy.forward(layers, activations, W, b, x)
        if all(np.all(np.abs(z[l]) > 1e-6) for l in range(1, L + 1) if activations[l - 1] == "relu"):
            break
    else:
        raise RuntimeError("could not draw relu pre-activations away from 0")
    if loss == "bce":
        t = rng.uniform(0.05, 0.95, n_out)
    elif loss == "cross_entropy":
        t = rng.dirichlet(np.ones(n_out)) if out_act == "softmax" else rng.uniform(0, 1, n_out)
    else:
        t = rng.uniform(-1, 1, n_out)
    return layers, activations, loss, W, b, x, t


def tool_network(layers, activations, loss, W, b, x, t):
    """The derive Network with every input, target and parameter given a value."""
    vals = {f"x{k + 1}": v for k, v in enumerate(x)}
    vals.update({f"t{j + 1}": v for j, v in enumerate(t)})
    for l in W:
        for (j, k), v in np.ndenumerate(W[l]):
            vals[f"W{l}_{j + 1}_{k + 1}"] = v
        for j, v in enumerate(b[l]):
            vals[f"b{l}_{j + 1}"] = v
    net = build_mlp(layers, activations, loss)
    return net.with_values({n: Fraction(float(v)) for n, v in vals.items()}, learning_rate=None)


def flatten(dW, db):
    """{layered parameter name: gradient} from per-layer arrays."""
    out = {}
    for l in dW:
        for (j, k), v in np.ndenumerate(dW[l]):
            out[f"W{l}_{j + 1}_{k + 1}"] = float(v)
        for j, v in enumerate(db[l]):
            out[f"b{l}_{j + 1}"] = float(v)
    return out


def assert_matches(tool, ref, rtol=RTOL, atol=ATOL):
    assert set(tool) == set(ref)
    bad = {n: (tool[n], ref[n]) for n in ref if not np.isclose(tool[n], ref[n], rtol=rtol, atol=atol)}
    assert not bad, f"{len(bad)} of {len(ref)} gradients differ (tool, oracle): {bad}"


def all_problems():
    for i, case in enumerate(CASES):
        depth, h, o, loss = case
        yield pytest.param([h] * depth, o, loss, 1000 + i, id=_case_id(case))
    for i, (hidden, o, loss) in enumerate(MIXED_CASES):
        yield pytest.param(hidden, o, loss, 5000 + i, id=f"mixed{'/'.join(hidden)}-{o}-{loss}")


PROBLEMS = list(all_problems())


@pytest.mark.parametrize("hidden, out_act, loss, seed", PROBLEMS)
def test_tool_matches_numpy_oracle(hidden, out_act, loss, seed):
    problem = make_problem(hidden, out_act, loss, seed)
    value, dW, db = mlp_numpy.mlp_gradients(*problem)
    d = derive(tool_network(*problem))
    assert np.isclose(d.loss_value, value, rtol=RTOL, atol=ATOL), (d.loss_value, value)
    assert_matches({n: g.value for n, g in d.gradients.items()}, flatten(dW, db))


@pytest.mark.parametrize("hidden, out_act, loss, seed", PROBLEMS)
def test_numpy_oracle_matches_finite_differences(hidden, out_act, loss, seed):
    layers, acts, loss, W, b, x, t = make_problem(hidden, out_act, loss, seed)
    _, dW, db = mlp_numpy.mlp_gradients(layers, acts, loss, W, b, x, t)
    h = 1e-6
    for grads, params in ((dW, W), (db, b)):
        for l in params:
            for idx in np.ndindex(params[l].shape):
                old = params[l][idx]
                params[l][idx] = old + h
                up = mlp_numpy.mlp_loss(layers, acts, loss, W, b, x, t)
                params[l][idx] = old - h
                down = mlp_numpy.mlp_loss(layers, acts, loss, W, b, x, t)
                params[l][idx] = old
                assert np.isclose(grads[l][idx], (up - down) / (2 * h), rtol=1e-6, atol=1e-8), (l, idx)


@pytest.mark.parametrize("hidden, out_act, loss, seed", PROBLEMS[::7])
def test_tool_finite_differences_agree_with_oracle(hidden, out_act, loss, seed):
    """Third opinion: the tool's own central differences."""
    problem = make_problem(hidden, out_act, loss, seed)
    _, dW, db = mlp_numpy.mlp_gradients(*problem)
    fd = {n: float(v) for n, v in numeric.finite_differences(tool_network(*problem)).items()}
    assert_matches(fd, flatten(dW, db), rtol=1e-6, atol=1e-8)


TORCH_CASES = [p for p in PROBLEMS if len(p.values[0]) == 1]


@pytest.mark.parametrize("hidden, out_act, loss, seed", TORCH_CASES)
def test_torch_oracle(hidden, out_act, loss, seed):
    pytest.importorskip("torch")
    problem = make_problem(hidden, out_act, loss, seed)
    value, dW, db = mlp_torch.mlp_gradients(*problem)
    np_value, np_dW, np_db = mlp_numpy.mlp_gradients(*problem)
    d = derive(tool_network(*problem))
    ref = flatten(dW, db)
    assert np.isclose(value, np_value, rtol=RTOL, atol=ATOL)
    assert_matches(flatten(np_dW, np_db), ref)
    assert np.isclose(d.loss_value, value, rtol=RTOL, atol=ATOL), (d.loss_value, value)
    assert_matches({n: g.value for n, g in d.gradients.items()}, ref)
