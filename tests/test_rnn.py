"""Elman RNNs: note 003's numbers, random RNNs against an independent numpy BPTT (and torch, when
installed), the per-step decomposition, spec errors and the command line.

Expected values come from the oracles in tests/oracles (written from the equations) or from the
hand calculation written out below, never from derive itself.
"""

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from oracles import rnn_numpy, rnn_torch

from derive import derive, load
from derive.cli.main import main
from derive.derivation import numeric
from derive.document.rnn import bptt_formulas, step_contributions
from derive.errors import SpecError
from derive.network.rnn import build_rnn, sensitivities
from derive.network.spec import network_from_spec

RTOL, ATOL = 1e-9, 1e-12

# --- note 003 -----------------------------------------------------------------------------------

NOTE_003 = {"W_i": 0.102936215, "W_h": 0.087734186, "a": 1.528711388, "b": 0.202543931, "c": 1.748499732}


def note_003_by_hand():
    """The note's own calculation, line by line: x_0 = 1, x_1 = 0, h_0 = 0, g = (1, 1), all parameters 1."""
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    Wi = Wh = a = b = c = 1.0
    x0, x1, h0, g1, g2 = 1.0, 0.0, 0.0, 1.0, 1.0
    o1 = Wi * x0 + Wh * h0 + b                      # 2
    h1 = sig(o1)                                    # 0.880797
    y1 = a * h1 + c                                 # 1.880797
    o2 = Wi * x1 + Wh * h1 + b                      # 1.880797
    h2 = sig(o2)                                    # 0.867703
    y2 = a * h2 + c                                 # 1.867703
    dL1_dy1, dL2_dy2 = y1 - g1, y2 - g2             # 0.880797, 0.867703
    dh1_do1, dh2_do2 = h1 * (1 - h1), h2 * (1 - h2)  # 0.104994, 0.114795
    do2_dh1 = Wh
    do_dWi = (x0, x1 + do2_dh1 * dh1_do1 * x0)      # total derivatives through the earlier step
    do_dWh = (h0, h1 + do2_dh1 * dh1_do1 * h0)
    do_db = (1.0, 1.0 + do2_dh1 * dh1_do1 * 1.0)
    chain = lambda do: dL1_dy1 * a * dh1_do1 * do[0] + dL2_dy2 * a * dh2_do2 * do[1]  # noqa: E731
    return {"W_i": chain(do_dWi), "W_h": chain(do_dWh), "a": dL1_dy1 * h1 + dL2_dy2 * h2,
            "b": chain(do_db), "c": dL1_dy1 + dL2_dy2}


def test_hand_calculation_gives_the_five_values():
    hand = note_003_by_hand()
    for name, value in NOTE_003.items():
        assert round(hand[name], 9) == value, name


def test_rnn_2step_reproduces_note_003():
    d = derive(load("rnn-2step"))
    hand = note_003_by_hand()
    for name, value in NOTE_003.items():
        assert round(d.gradients[name].value, 9) == value, name
        assert d.gradients[name].value == pytest.approx(hand[name], rel=1e-12)


def test_rnn_2step_keeps_the_notes_names():
    net = load("rnn-2step")
    assert [p.name for p in net.params] == ["W_i", "W_h", "a", "b", "c"]
    assert net["o_1"].op.terms == (("W_i", "x_0"), ("W_h", "h_0"))  # x_0 feeds step 1
    assert net["o_2"].op.terms == (("W_i", "x_1"), ("W_h", "h_1"))
    assert [q.name for q in net.quantities if q.role.value == "loss_term"] == ["L_1", "L_2"]
    assert net["h_1"].latex == "h_{1}" and net["W_i"].latex == "W_{i}"


def test_note_003_per_step_terms_and_sensitivities():
    """The note's intermediate lines: do_2/dW_i = 0.104994, do_2/dW_h = 0.880797, do_2/db = 1.104994,
    dL_1/dW_i = 0.880797 * 0.104994, dL_2/dW_i = 0.867703 * 0.114795 * 0.104994."""
    net = load("rnn-2step")
    sens = sensitivities(net)
    assert [round(v, 6) for _, v in sens["W_i"]] == [1.0, 0.104994]
    assert [round(v, 6) for _, v in sens["W_h"]] == [0.0, 0.880797]
    assert [round(v, 6) for _, v in sens["b"]] == [1.0, 1.104994]
    terms = step_contributions(net)
    assert [t.term for t in terms["W_i"]] == ["L_1", "L_2"]
    assert terms["W_i"][0].value == pytest.approx(0.880797 * 0.104994, abs=2e-6)
    assert terms["W_i"][1].value == pytest.approx(0.867703 * 0.114795 * 0.104994, abs=2e-6)
    assert terms["a"][1].value == pytest.approx(0.867703 * 0.867703, abs=2e-6)


def test_per_step_terms_add_up_to_the_gradient():
    net = random_network(3, (2, 3, 2), "tanh", "linear", "half_sse", seed=5)
    d = derive(net)
    for name, terms in step_contributions(net).items():
        assert sum(t.value for t in terms) == pytest.approx(d.gradients[name].value, rel=1e-10, abs=1e-13)


def test_bptt_formulas_name_every_parameter():
    for net in (load("rnn-2step"), build_rnn(4, 2, 3, 2)):
        labels = [label for label, _ in bptt_formulas(net)]
        assert {"W_i", "W_h", "b", "a", "c", "hidden error"} <= set(labels)
    scalar = dict(bptt_formulas(load("rnn-2step")))
    assert r"x_{t-1}" in scalar["W_i"] and r"\sum_{t=1}^{2}" in scalar["W_i"]
    assert r"W_{h}\, \delta_{o_{t+1}}" in scalar["hidden error"]


# --- random RNNs against the numpy oracle --------------------------------------------------------

def random_problem(T, sizes, out_act, loss, seed):
    I, H, M = sizes
    rng = np.random.default_rng(seed)
    p = {"W_i": rng.uniform(-1, 1, (H, I)), "W_h": rng.uniform(-1, 1, (H, H)), "b": rng.uniform(-1, 1, H),
         "A": rng.uniform(-1, 1, (M, H)), "c": rng.uniform(-1, 1, M)}
    xs, h0 = rng.uniform(-1, 1, (T, I)), rng.uniform(-0.5, 0.5, H)
    if loss == "cross_entropy":
        gs = rng.dirichlet(np.ones(M), size=T)
    elif loss == "bce":
        gs = rng.uniform(0.05, 0.95, (T, M))
    else:
        gs = rng.uniform(-1, 1, (T, M))
    return p, xs, gs, h0


def tool_values(p, xs, gs, h0, vector):
    """The oracle's arrays under the tool's names (x_t feeds step t, counted from 1)."""
    vals = {}
    if not vector:
        vals.update({"W_i": p["W_i"][0, 0], "W_h": p["W_h"][0, 0], "b": p["b"][0], "a": p["A"][0, 0],
                     "c": p["c"][0], "h_0": h0[0]})
        vals.update({f"x_{t + 1}": xs[t, 0] for t in range(xs.shape[0])})
        vals.update({f"g_{t + 1}": gs[t, 0] for t in range(gs.shape[0])})
    else:
        for key, base in (("W_i", "W_i"), ("W_h", "W_h"), ("A", "a")):
            vals.update({f"{base}_{j + 1}_{k + 1}": v for (j, k), v in np.ndenumerate(p[key])})
        vals.update({f"b_{j + 1}": v for j, v in enumerate(p["b"])})
        vals.update({f"c_{m + 1}": v for m, v in enumerate(p["c"])})
        vals.update({f"h_0_{j + 1}": v for j, v in enumerate(h0)})
        vals.update({f"x_{t + 1}_{k + 1}": v for (t, k), v in np.ndenumerate(xs)})
        vals.update({f"g_{t + 1}_{m + 1}": v for (t, m), v in np.ndenumerate(gs)})
    return {n: Fraction(float(v)) for n, v in vals.items()}


def oracle_by_name(grads, vector):
    if not vector:
        return {"W_i": grads["W_i"][0, 0], "W_h": grads["W_h"][0, 0], "b": grads["b"][0],
                "a": grads["A"][0, 0], "c": grads["c"][0]}
    out = {}
    for key, base in (("W_i", "W_i"), ("W_h", "W_h"), ("A", "a")):
        out.update({f"{base}_{j + 1}_{k + 1}": v for (j, k), v in np.ndenumerate(grads[key])})
    out.update({f"b_{j + 1}": v for j, v in enumerate(grads["b"])})
    out.update({f"c_{m + 1}": v for m, v in enumerate(grads["c"])})
    return out


def random_network(T, sizes, act, out_act, loss, seed):
    p, xs, gs, h0 = random_problem(T, sizes, out_act, loss, seed)
    vector = tuple(sizes) != (1, 1, 1)
    net = build_rnn(T, *sizes, activation=act, loss=loss, output_activation=out_act)
    return net.with_values(tool_values(p, xs, gs, h0, vector))


SIZES = [(1, 1, 1), (2, 3, 2), (3, 2, 1), (1, 2, 3)]
CASES = ([(T, s, act, "linear", "half_sse") for T in (1, 2, 3, 4) for s in SIZES for act in ("sigmoid", "tanh")]
         + [(3, s, "sigmoid", out, loss) for s in SIZES
            for out, loss in (("linear", "sse"), ("linear", "mse"), ("sigmoid", "bce"), ("tanh", "half_sse"))]
         + [(T, s, "tanh", "softmax", "cross_entropy") for T in (1, 3) for s in ((2, 3, 2), (1, 2, 3))]
         + [(2, (1, 1, 1), "relu", "sigmoid", "cross_entropy"), (4, (2, 2, 2), "linear", "linear", "half_sse")])


def _id(case):
    T, s, act, out, loss = case
    return f"T{T}-{'x'.join(map(str, s))}-{act}-{out}-{loss}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_random_rnn_matches_numpy_oracle(case):
    T, sizes, act, out, loss = case
    seed = 100 + CASES.index(case)
    p, xs, gs, h0 = random_problem(T, sizes, out, loss, seed)
    value, grads = rnn_numpy.gradients(p, xs, gs, h0, act, out, loss)
    d = derive(random_network(T, sizes, act, out, loss, seed))
    assert d.loss_value == pytest.approx(value, rel=RTOL, abs=ATOL)
    expected = oracle_by_name(grads, tuple(sizes) != (1, 1, 1))
    assert set(expected) == set(d.gradients)
    for name, g in d.gradients.items():
        assert g.value == pytest.approx(float(expected[name]), rel=RTOL, abs=ATOL), name


@pytest.mark.parametrize("case", CASES[::5], ids=_id)
def test_numpy_oracle_matches_its_own_finite_differences(case):
    T, sizes, act, out, loss = case
    p, xs, gs, h0 = random_problem(T, sizes, out, loss, 7)
    _, grads = rnn_numpy.gradients(p, xs, gs, h0, act, out, loss)
    h = 1e-6
    for key in p:
        for idx in np.ndindex(p[key].shape):
            old = p[key][idx]
            p[key][idx] = old + h
            up = rnn_numpy.loss(p, xs, gs, h0, act, out, loss)
            p[key][idx] = old - h
            down = rnn_numpy.loss(p, xs, gs, h0, act, out, loss)
            p[key][idx] = old
            assert grads[key][idx] == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-8), (key, idx)


@pytest.mark.parametrize("case", CASES[::3], ids=_id)
def test_random_rnn_matches_torch(case):
    pytest.importorskip("torch")
    T, sizes, act, out, loss = case
    seed = 100 + CASES.index(case)
    p, xs, gs, h0 = random_problem(T, sizes, out, loss, seed)
    value, grads = rnn_torch.gradients(p, xs, gs, h0, act, out, loss)
    d = derive(random_network(T, sizes, act, out, loss, seed))
    assert d.loss_value == pytest.approx(value, rel=RTOL, abs=ATOL)
    for name, v in oracle_by_name(grads, tuple(sizes) != (1, 1, 1)).items():
        assert d.gradients[name].value == pytest.approx(float(v), rel=RTOL, abs=ATOL), name


def test_twenty_steps_derive_and_agree_with_the_oracle():
    p, xs, gs, h0 = random_problem(20, (1, 1, 1), "linear", "half_sse", 20)
    _, grads = rnn_numpy.gradients(p, xs, gs, h0, "tanh", "linear", "half_sse")
    net = build_rnn(20, activation="tanh").with_values(tool_values(p, xs, gs, h0, False))
    d = derive(net)
    for name, v in oracle_by_name(grads, False).items():
        assert d.gradients[name].value == pytest.approx(float(v), rel=RTOL, abs=ATOL), name
    assert d.gradients["W_h"].path_count == 20 * 21 // 2  # every (loss step, earlier step) pair


def test_shared_parameter_feeds_every_step():
    net = build_rnn(3)
    d = derive(net)
    assert [f.of for f in d.gradients["W_i"].via] == ["o_1", "o_2", "o_3"]
    assert [f.of for f in d.gradients["c"].via] == ["y_1", "y_2", "y_3"]


# --- specs --------------------------------------------------------------------------------------

def test_spec_reproduces_note_003_with_h0_defaulting_to_0():
    spec = {"kind": "rnn", "values": {"x": [1, 0], "g": [1, 1], "W_i": 1, "W_h": 1, "a": 1, "b": 1, "c": 1}}
    net = network_from_spec(spec)
    assert net.shape["steps"] == 2 and net.values["h_0"] == 0
    d = derive(net)
    for name, value in NOTE_003.items():
        assert round(d.gradients[name].value, 9) == value, name


def test_vector_spec_with_arrays_and_seed():
    net = network_from_spec({"kind": "rnn", "steps": 2, "input_size": 2, "hidden_size": 2,
                             "values": {"x": [[1, 0], [0, 1]], "W_i": [[0.1, 0.2], [0.3, 0.4]]}, "seed": 3})
    assert net.has_numbers()
    assert net.values["x_2_2"] == 1 and net.values["W_i_2_1"] == Fraction(3, 10)
    assert net.values["h_0_1"] == 0
    assert network_from_spec({"kind": "rnn", "steps": 2, "seed": 3}).values == \
        network_from_spec({"kind": "rnn", "steps": 2, "seed": 3}).values


BAD = [  # (spec, key named in the error, words the message must contain)
    ({"steps": 0}, "steps", "at least one step"),
    ({"steps": -2}, "steps", "at least one step"),
    ({"steps": True}, "steps", "whole number"),
    ({"steps": 2.5}, "steps", "whole number"),
    ({"values": {"x": []}}, "values.x", "length 0"),
    ({}, "steps", "missing"),
    ({"steps": 2, "values": {"x": [1, 0, 1]}}, "values.x", "has 3 steps"),
    ({"steps": 2, "hidden_size": 0}, "hidden_size", "at least 1"),
    ({"steps": 2, "input_size": 1.5}, "input_size", "whole number"),
    ({"steps": 2, "activation": "softmax"}, "activation", "allowed: sigmoid"),
    ({"steps": 2, "output_activation": "relu"}, "output_activation", "allowed: linear"),
    ({"steps": 2, "loss": "bce"}, "loss", "sigmoid"),
    ({"steps": 2, "loss": "cross_entropy"}, "loss", "softmax"),
    ({"steps": 2, "output_activation": "softmax"}, "output_activation", "at least 2"),
    ({"steps": 2, "loss": "l1"}, "loss", "allowed: half_sse"),
    ({"steps": 2, "stpes": 3}, "stpes", "did you mean 'steps'"),
    ({"steps": 2, "seed": "x"}, "seed", "whole number"),
    ({"steps": 2, "values": {"x": [1, 0], "g": [1]}}, "values", "no value for g_2"),
    ({"steps": 2, "values": {"o_1": 1}}, "values.o_1", "computed by the network"),
]


@pytest.mark.parametrize("spec,key,words", BAD)
def test_bad_rnn_specs_name_the_key(spec, key, words):
    with pytest.raises(SpecError) as err:
        network_from_spec({"kind": "rnn", **spec})
    assert err.value.key == key
    assert words in str(err.value)


# --- command line -------------------------------------------------------------------------------

def test_cli_json_gives_the_five_values(capsys):
    code = main(["gradients", "rnn-2step", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["kind"] == "rnn"
    assert {n: round(g["value"], 9) for n, g in data["gradients"].items()} == NOTE_003


def test_cli_check_passes(capsys):
    assert main(["gradients", "rnn-2step", "--check"]) == 0
    assert "check: largest" in capsys.readouterr().out


def test_cli_empty_sequence_is_exit_2(tmp_path, capsys):
    path = tmp_path / "empty.toml"
    path.write_text('kind = "rnn"\n[values]\nx = []\n')
    assert main(["gradients", str(path)]) == 2
    assert "values.x" in capsys.readouterr().err


def test_values_are_deterministic():
    a, b = numeric.forward(load("rnn-2step")), numeric.forward(load("rnn-2step"))
    assert a == b
