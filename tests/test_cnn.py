"""Convolutional networks: random small CNNs and `lenet` against an independent numpy implementation
(and torch, when installed), `lenet` against finite differences, the max-pool tie rule, spec errors
and the command line. Expected values come from tests/oracles, never from derive itself."""

import json
from fractions import Fraction

import numpy as np
import pytest
from oracles import cnn_numpy, cnn_torch

from derive import derive, load
from derive.cli.main import main
from derive.derivation import numeric
from derive.derivation.numeric import finite_differences
from derive.document.build import build
from derive.document.cnn import index_formulas
from derive.errors import SpecError
from derive.network.cnn import Conv, Dense, Flatten, Pooling, build_cnn
from derive.network.evaluate import max_pool_margin
from derive.network.sampling import sample_values
from derive.network.spec import network_from_spec
from derive.output.render import document_files

RTOL, ATOL = 1e-9, 1e-12


def tool_layers(layers):
    return [Conv(l[1], l[2]) if l[0] == "conv" else Pooling(l[1], l[2]) if l[0] == "pool" else Dense(l[1])
            for l in layers]


def names_of(x_shape, layers):
    """The tool's names for the oracle's arrays: {name: (what, layer index, array index)}."""
    d = x_shape[0]
    out = {}
    for idx in np.ndindex(x_shape):
        c, i, j = idx
        out[f"x_{i + 1}_{j + 1}" if d == 1 else f"x_{i + 1}_{j + 1}_{c + 1}"] = ("x", None, idx)
    n_conv = 0
    for li, layer in enumerate(layers):
        if layer[0] == "conv":
            n_conv += 1
            maps, k = layer[1], layer[2]
            for c, dd, m, n in np.ndindex((maps, d, k, k)):
                tail = f"{m + 1}_{n + 1}_{c + 1}" if d == 1 else f"{m + 1}_{n + 1}_{dd + 1}_{c + 1}"
                out[f"k{n_conv}_{tail}"] = ("param", (li, 0), (c, dd, m, n))
            for c in range(maps):
                out[f"b{n_conv}_{c + 1}"] = ("param", (li, 1), (c,))
            d = maps
        elif layer[0] == "dense":
            units = layer[1]
            out.update({f"b_{j}": ("param", (li, 1), (j,)) for j in range(units)})
    return out


def tool_network(x, t, layers, params, act, out_act, loss):
    net = build_cnn(x.shape, tool_layers(layers), act, loss, out_act)
    vals = {f"t_{j}": v for j, v in enumerate(t)}
    for name, (what, where, idx) in names_of(x.shape, layers).items():
        vals[name] = x[idx] if what == "x" else params[where[0]][where[1]][idx]
    dense = len(layers) - 1
    for (j, i), v in np.ndenumerate(params[dense][0]):
        vals[f"w_{j}_{i + 1}"] = v
    return net.with_values({n: Fraction(float(v)) for n, v in vals.items()})


def oracle_by_name(x_shape, layers, grads):
    out = {name: grads[where[0]][where[1]][idx]
           for name, (what, where, idx) in names_of(x_shape, layers).items() if what == "param"}
    for (j, i), v in np.ndenumerate(grads[len(layers) - 1][0]):
        out[f"w_{j}_{i + 1}"] = v
    return out


def assert_matches(d, expected):
    assert set(d.gradients) == set(expected)
    for name, g in d.gradients.items():
        assert g.value == pytest.approx(float(expected[name]), rel=RTOL, abs=ATOL), name


# --- random CNNs --------------------------------------------------------------------------------

CASES = [  # (input shape, layers, activation, output activation, loss)
    ((1, 6, 6), [("conv", 2, 3), ("pool", "max", 2), ("dense", 3)], "sigmoid", "softmax", "cross_entropy"),
    ((1, 6, 6), [("conv", 2, 3), ("pool", "avg", 2), ("dense", 3)], "tanh", "softmax", "cross_entropy"),
    ((2, 5, 5), [("conv", 3, 2), ("pool", "max", 2), ("dense", 2)], "sigmoid", "softmax", "cross_entropy"),
    ((2, 5, 5), [("conv", 1, 2), ("pool", "avg", 2), ("dense", 4)], "relu", "softmax", "cross_entropy"),
    ((1, 8, 8), [("conv", 2, 3), ("pool", "max", 2), ("conv", 2, 2), ("pool", "max", 2), ("dense", 3)],
     "sigmoid", "softmax", "cross_entropy"),
    ((2, 8, 8), [("conv", 2, 3), ("pool", "avg", 2), ("conv", 3, 2), ("pool", "max", 2), ("dense", 2)],
     "tanh", "softmax", "cross_entropy"),
    ((1, 7, 7), [("conv", 2, 2), ("pool", "max", 3), ("dense", 2)], "sigmoid", "sigmoid", "half_sse"),
    ((2, 4, 4), [("pool", "max", 2), ("conv", 2, 2), ("dense", 3)], "tanh", "linear", "mse"),
    ((1, 5, 5), [("conv", 2, 2), ("conv", 1, 2), ("pool", "avg", 3), ("dense", 2)], "sigmoid", "softmax", "sse"),
    ((2, 6, 6), [("conv", 2, 3), ("pool", "max", 2), ("dense", 3)], "relu", "sigmoid", "cross_entropy"),
]


def make_problem(case, seed):
    shape, layers, act, out_act, loss = case
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, shape)
    params = cnn_numpy.init_params(rng, shape, layers)
    K = layers[-1][1]
    t = rng.dirichlet(np.ones(K)) if loss == "cross_entropy" and out_act == "softmax" else rng.uniform(0, 1, K)
    return x, t, layers, params, act, out_act, loss


def _id(case):
    shape, layers, act, out, loss = case
    return "x".join(map(str, shape)) + "-" + "-".join(f"{l[0]}{l[1]}{l[2] if len(l) > 2 else ''}" for l in layers) \
        + f"-{act}-{out}-{loss}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_random_cnn_matches_numpy_oracle(case):
    x, t, layers, params, act, out_act, loss = make_problem(case, CASES.index(case))
    value, grads = cnn_numpy.gradients(x, t, layers, params, act, out_act, loss)
    d = derive(tool_network(x, t, layers, params, act, out_act, loss))
    assert d.loss_value == pytest.approx(value, rel=RTOL, abs=ATOL)
    assert_matches(d, oracle_by_name(x.shape, layers, grads))


@pytest.mark.parametrize("case", CASES[::2], ids=_id)
def test_numpy_oracle_matches_its_own_finite_differences(case):
    x, t, layers, params, act, out_act, loss = make_problem(case, 50)
    _, grads = cnn_numpy.gradients(x, t, layers, params, act, out_act, loss)
    h = 1e-6
    for li, prm in enumerate(params):
        for pi, arr in enumerate(prm or ()):
            for idx in np.ndindex(arr.shape):
                old = arr[idx]
                arr[idx] = old + h
                up = cnn_numpy.loss(x, t, layers, params, act, out_act, loss)
                arr[idx] = old - h
                down = cnn_numpy.loss(x, t, layers, params, act, out_act, loss)
                arr[idx] = old
                assert grads[li][pi][idx] == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_random_cnn_matches_torch(case):
    pytest.importorskip("torch")
    x, t, layers, params, act, out_act, loss = make_problem(case, CASES.index(case))
    value, grads = cnn_torch.gradients(x, t, layers, params, act, out_act, loss)
    d = derive(tool_network(x, t, layers, params, act, out_act, loss))
    assert d.loss_value == pytest.approx(value, rel=RTOL, abs=ATOL)
    assert_matches(d, oracle_by_name(x.shape, layers, grads))


# --- the max-pooling tie rule -------------------------------------------------------------------

def tie_problem():
    """Exact ties inside pooling windows between positions with different inputs. Every number is a
    multiple of 1/8, so every sum is exact in binary and the ties survive any order of addition."""
    x = np.array([[[0.5, 0.25, 0.25, 0.5, 0.0],
                   [0.25, 0.5, 0.5, 0.25, 0.75],
                   [0.0, 0.75, 0.25, 0.5, 0.25],
                   [0.75, 0.0, 0.5, 0.25, 0.5],
                   [0.5, 0.25, 0.0, 0.75, 0.25]]])
    layers = [("conv", 1, 2), ("pool", "max", 2), ("dense", 2)]
    params = [(np.full((1, 1, 2, 2), 0.25), np.array([0.125])), None,
              (np.array([[0.5, -0.25, 0.125, 0.75], [-0.5, 0.25, 0.375, -0.125]]), np.array([0.0, 0.125]))]
    t = np.array([1.0, 0.0])
    return x, t, layers, params


def test_tie_goes_to_the_first_maximum_in_row_major_order():
    x, t, layers, params = tie_problem()
    net = tool_network(x, t, layers, params, "sigmoid", "softmax", "cross_entropy")
    assert max_pool_margin(net) == 0  # the ties are really there
    _, first = cnn_numpy.gradients(x, t, layers, params, ties="first")
    _, last = cnn_numpy.gradients(x, t, layers, params, ties="last")
    by_first, by_last = oracle_by_name(x.shape, layers, first), oracle_by_name(x.shape, layers, last)
    assert any(abs(by_first[n] - by_last[n]) > 1e-3 for n in by_first)  # the rule changes the answer
    assert_matches(derive(net), by_first)


def test_tie_rule_is_pytorchs():
    pytest.importorskip("torch")
    x, t, layers, params = tie_problem()
    _, grads = cnn_torch.gradients(x, t, layers, params)
    net = tool_network(x, t, layers, params, "sigmoid", "softmax", "cross_entropy")
    assert_matches(derive(net), oracle_by_name(x.shape, layers, grads))


def test_tie_rule_is_stated():
    net = load("lenet")
    assert "first maximum" in net.description and "row-major" in net.description
    assert "first maximum" in net.shape["max_pool_ties"]
    routing = [f for label, f in index_formulas(net) if "routing" in label]
    assert routing and all(r"\mathbf{1}" in f for f in routing)  # δ goes where C equals the window's max
    page = document_files(build(derive(net)), "md", None)[""].decode()
    assert "first in row-major order" in " ".join(page.split())


# --- lenet --------------------------------------------------------------------------------------

def lenet_arrays(net):
    """lenet's numbers as the oracle's arrays, read back through the naming scheme."""
    v = {k: float(x) for k, x in net.values.items()}
    x = np.array([[[v[f"x_{i}_{j}"] for j in range(1, 13)] for i in range(1, 13)]])
    K1 = np.array([[[[v[f"k1_{m}_{n}_{c}"] for n in (1, 2, 3)] for m in (1, 2, 3)]] for c in range(1, 7)])
    K2 = np.array([[[[v[f"k2_{m}_{n}_{d}_{c}"] for n in (1, 2)] for m in (1, 2)] for d in range(1, 7)]
                   for c in range(1, 4)])
    W = np.array([[v[f"w_{j}_{i}"] for i in range(1, 13)] for j in range(10)])
    params = [(K1, np.array([v[f"b1_{c}"] for c in range(1, 7)])), None,
              (K2, np.array([v[f"b2_{c}"] for c in range(1, 4)])), None,
              (W, np.array([v[f"b_{j}"] for j in range(10)]))]
    layers = [("conv", 6, 3), ("pool", "max", 2), ("conv", 3, 2), ("pool", "avg", 2), ("dense", 10)]
    return x, np.array([v[f"t_{j}"] for j in range(10)]), layers, params


def test_lenet_shape_and_names():
    net = load("lenet")
    assert len(net.params) == 6 * 9 + 6 + 3 * 6 * 4 + 3 + 10 * 12 + 10 == 265
    assert net.values["t_3"] == 1 and sum(net.values[f"t_{j}"] for j in range(10)) == 1
    assert net["o_0"].latex == "o_{0}" and net["k1_2_3_4"].latex == "k^{1}_{2,3,4}"
    assert net["C1_2_3_4"].latex == "C^{1}_{2,3,4}" and net["P2_1_2_3"].latex == "P^{2}_{1,2,3}"
    assert net["C1_1_1_1_sum"].op.terms[:2] == (("x_1_1", "k1_1_1_1"), ("x_1_2", "k1_1_2_1"))
    assert all(Fraction(x).denominator in (1, 2, 5, 10) for n, x in net.values.items() if n.startswith("x_"))


def test_lenet_matches_numpy_oracle():
    net = load("lenet")
    x, t, layers, params = lenet_arrays(net)
    value, grads = cnn_numpy.gradients(x, t, layers, params)
    d = derive(net)
    assert d.loss_value == pytest.approx(value, rel=RTOL)
    assert_matches(d, oracle_by_name(x.shape, layers, grads))


def test_lenet_agrees_with_finite_differences():
    net = load("lenet")
    assert max_pool_margin(net) > 1e-4  # no window close to a tie: differences are meaningful
    d = derive(net)
    fd = finite_differences(net)
    worst = max(abs(fd[n] - g.value) / max(1.0, abs(g.value)) for n, g in d.gradients.items())
    assert worst < 1e-6


def test_lenet_index_formulas_cover_every_layer():
    labels = [label for label, _ in index_formulas(load("lenet"))]
    for expected in ("C1 definition", "k1", "b1", "P1 routing 1", "k2", "b2", "C2 input", "P2 spreading 1",
                     "flatten", "w", "b", "output error"):
        assert expected in labels
    formulas = dict(index_formulas(load("lenet")))
    assert r"\delta^{C^{1}}_{g,h,c}\, x_{g+m-1,h+n-1}" in formulas["k1"]
    assert r"\frac{1}{4}" in formulas["P2 spreading 1"]
    assert "o_{j} - t_{j}" in formulas["output error"]


def test_cli_lenet_check_json(capsys):
    code = main(["gradients", "lenet", "--check", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["kind"] == "cnn" and len(data["gradients"]) == 265
    assert data["check"]["max_abs_error"] < 1e-6



def test_cli_lenet_table_can_be_read(capsys):
    # a 3x3 kernel slides over 10 x 10 positions of the 12 x 12 input: its gradient is a sum of 100
    # terms, shown as its first two, its last and the count; the JSON keeps every term
    assert main(["gradients", "lenet"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("k1_1_1_1 "))
    assert "δ_C1_1_1_1_sum*x_1_1 + δ_C1_1_2_1_sum*x_1_2 + … + δ_C1_10_10_1_sum*x_10_10 (100 terms)" in row
    assert max(len(line) for line in out.splitlines()) < 500
    main(["gradients", "lenet", "--json"])
    assert json.loads(capsys.readouterr().out)["gradients"]["k1_1_1_1"]["latex"].count("x_{") == 100

# --- specs --------------------------------------------------------------------------------------

def cnn_spec(**kw):
    spec = {"kind": "cnn", "input": [1, 6, 6],
            "layers": [{"type": "conv", "maps": 2, "kernel": 3}, {"type": "pool", "kind": "max", "size": 2},
                       {"type": "dense", "units": 3}]}
    spec.update(kw)
    return spec


def test_spec_with_label_and_seed():
    net = network_from_spec(cnn_spec(label=2, seed=1))
    assert net.has_numbers() and [net.values[f"t_{j}"] for j in range(3)] == [0, 0, 1]
    assert net.values == network_from_spec(cnn_spec(label=2, seed=1)).values
    assert network_from_spec(cnn_spec(label=2, seed=1, values={"b1_1": 0.5})).values["b1_1"] == Fraction(1, 2)


def test_seeded_spec_draws_numbers_without_max_pooling_ties():
    # seed 1's first draw for this LeNet-like spec ties two entries of one max-pooling window exactly
    # (the README's example); the spec then takes the next draw, and finite differences agree again.
    spec = {"kind": "cnn", "input": [1, 12, 12], "label": 3, "seed": 1,
            "layers": [{"type": "conv", "maps": 6, "kernel": 3}, {"type": "pool", "kind": "max", "size": 2},
                       {"type": "conv", "maps": 3, "kernel": 2}, {"type": "pool", "kind": "avg", "size": 2},
                       {"type": "flatten"}, {"type": "dense", "units": 10}]}
    net = network_from_spec(spec)
    first = net.with_values(sample_values(net, 1, keep={f"t_{j}": Fraction(int(j == 3)) for j in range(10)},
                                          input_decimals=1))
    assert max_pool_margin(first) == 0
    assert max_pool_margin(net) > 1e-4
    fd = finite_differences(net)
    exact = numeric.gradients(net)[1]
    assert max(abs(fd[n] - exact[n]) for n in fd) < 1e-6


def test_spec_flatten_and_arrays():
    spec = cnn_spec(layers=[{"type": "conv", "maps": 1, "kernel": 2}, {"type": "flatten"},
                            {"type": "dense", "units": 2}], input=[3, 3], label=0, seed=2,
                    values={"x": [[1, 0, 1], [0, 1, 0], [1, 0, 1]], "k1": [[[0.5], [0.25]], [[0], [1]]]})
    net = network_from_spec(spec)
    assert net.values["x_2_2"] == 1 and net.values["k1_1_2_1"] == Fraction(1, 4)
    assert len([p for p in net.params if p.name.startswith("w_")]) == 2 * 4


def layers_(*ls):
    return {"layers": list(ls)}


CONV = {"type": "conv", "maps": 2, "kernel": 3}
DENSE = {"type": "dense", "units": 3}

BAD = [  # (spec changes, key named in the error, words the message must contain)
    (layers_({"type": "conv", "maps": 1, "kernel": 7}, DENSE), "layers[0].kernel", "larger than its 6×6 input"),
    (layers_(CONV, CONV, {"type": "conv", "maps": 1, "kernel": 3}, DENSE), "layers[2].kernel", "larger"),
    (layers_(CONV, {"type": "pool", "size": 3}, DENSE), "layers[1].size", "does not divide the 4×4"),
    (layers_({"type": "pool", "size": 4}, DENSE), "layers[0].size", "does not divide"),
    (layers_(CONV, {"type": "pool", "kind": "min"}, DENSE), "layers[1].kind", "allowed: max, avg"),
    (layers_(DENSE, CONV), "layers[0].type", "must be the last layer"),
    (layers_(CONV), "layers", "last layer must be"),
    (layers_(), "layers", "expected a list"),
    (layers_({"type": "lstm"}, DENSE), "layers[0].type", "allowed: conv"),
    (layers_({"type": "conv", "maps": 2, "kernal": 3}, DENSE), "layers[0].kernal", "did you mean 'kernel'"),
    (layers_({"type": "conv", "kernel": 3}, DENSE), "layers[0].maps", "missing"),
    (layers_({"type": "conv", "maps": 0, "kernel": 3}, DENSE), "layers[0].maps", "at least 1"),
    (layers_({"maps": 2, "kernel": 3}, DENSE), "layers[0].type", "missing"),
    (layers_("conv", DENSE), "layers[0]", "expected a table"),
    (layers_({"type": "flatten"}, CONV, DENSE), "layers[0].type", "right before the dense"),
    (layers_(CONV, {"type": "dense", "units": 1}), "layers[1].units", "at least 2 outputs"),
    ({"input": [1, 0, 6]}, "input[1]", "at least 1"),
    ({"input": [1, 2, 3, 4]}, "input", "[channels, height, width]"),
    ({"input": None}, "input", "missing"),
    ({"label": 3}, "label", "from 0 to 2"),
    ({"label": True}, "label", "from 0 to 2"),
    ({"loss": "bce"}, "loss", "sigmoid"),
    ({"activation": "softmax"}, "activation", "allowed: sigmoid"),
    ({"output_activation": "tanh"}, "output_activation", "allowed: softmax"),
    ({"kernel": 3}, "kernel", "unknown key"),
    ({"seed": 1.5}, "seed", "whole number"),
    ({"label": 0, "values": {"x": [[1, 2]]}}, "values", "no value for"),
]


@pytest.mark.parametrize("changes,key,words", BAD)
def test_bad_cnn_specs_name_the_key(changes, key, words):
    spec = cnn_spec(**changes)
    if spec.get("input") is None:
        del spec["input"]
    with pytest.raises(SpecError) as err:
        network_from_spec(spec)
    assert err.value.key == key
    assert words in str(err.value)


def test_cli_impossible_shape_is_exit_2(tmp_path, capsys):
    path = tmp_path / "big.toml"
    path.write_text('kind = "cnn"\ninput = [1, 4, 4]\nlayers = [{type = "conv", maps = 1, kernel = 5}, '
                    '{type = "dense", units = 2}]\n')
    assert main(["gradients", str(path)]) == 2
    err = capsys.readouterr().err
    assert "layers[0].kernel" in err and "Traceback" not in err


def test_flatten_layer_changes_nothing():
    plain = build_cnn((1, 4, 4), [Conv(1, 3), Dense(2)])
    flat = build_cnn((1, 4, 4), [Conv(1, 3), Flatten(), Dense(2)])
    assert [q.op for q in plain.quantities] == [q.op for q in flat.quantities]


def test_small_maps_show_their_error_signals_as_tables():
    """Each 4x4 map's δ as a matrix (four decimals): its entries sum to the map's bias gradient, which the
    numpy oracle computes (∂L/∂b_c = Σ δ over the map)."""
    x, t, layers, params, act, out_act, loss = make_problem(CASES[0], 5)
    doc = build(derive(tool_network(x, t, layers, params, act, out_act, loss)))
    maps = [e for s in doc.stages for i in s.items if getattr(i, "key", "") == "maps" for e in i.equations]
    assert [e.lhs for e in maps] == [r"\delta^{C^{1}}_{\cdot,\cdot,1}", r"\delta^{C^{1}}_{\cdot,\cdot,2}"]
    _, grads = cnn_numpy.gradients(x, t, layers, params, act, out_act, loss)
    expected = oracle_by_name(x.shape, layers, grads)
    for c, e in enumerate(maps, 1):
        body = e.parts[1][0]
        rows = body.removeprefix(r"\begin{bmatrix}").removesuffix(r"\end{bmatrix}").split(r"\\")
        entries = [float(v) for r in rows for v in r.split("&")]
        assert len(rows) == 4 and len(entries) == 16
        assert sum(entries) == pytest.approx(float(expected[f"b1_{c}"]), abs=16 * 5e-5)
        assert sum(v == 0 for v in entries) >= 12  # max pooling: one position of each 2x2 window gets a gradient
    text = document_files(doc, "md", "x")["x.md"].decode()
    assert "map by map" in text and r"$$\delta^{C^{1}}_{\cdot,\cdot,1} = \begin{bmatrix}" in text
