"""Spec files: what is accepted, and a clear error naming the key for everything that is not."""

from fractions import Fraction

import pytest

from derive.errors import SpecError
from derive.network.graph import Role
from derive.network.spec import network_from_spec

GOOD = {"layers": [2, 3, 1], "activation": "sigmoid", "loss": "half_sse"}


def values_222():
    return {"x": [0.05, 0.1], "t": [0.01, 0.99], "W1": [[0.15, 0.2], [0.25, 0.3]], "b1": [0.35, 0.35],
            "W2": [[0.4, 0.45], [0.5, 0.55]], "b2": [0.6, 0.6], "learning_rate": 0.5}


BAD = [  # (spec, key named in the error, words the message must contain)
    ({"layers": [2, 0, 1]}, "layers[1]", "at least 1"),
    ({"layers": [2, -1]}, "layers[1]", "at least 1"),
    ({"layers": [2, 1.5]}, "layers[1]", "whole number"),
    ({"layers": [2]}, "layers", "list of layer sizes"),
    ({"layers": "2-2-1"}, "layers", "list of layer sizes"),
    ({}, "layers", "missing"),
    ({"lyers": [2, 1]}, "lyers", "did you mean 'layers'"),
    ({"layers": [2, 1], "activation": "sigmod"}, "activation", "allowed: sigmoid"),
    ({"layers": [2, 1], "activation": ["sigmoid", "tanh"]}, "activation", "one per layer"),
    ({"layers": [2, 2, 1], "activation": ["softmax", "sigmoid"]}, "activation", "only allowed on the output"),
    ({"layers": [2, 1], "loss": "l2"}, "loss", "allowed: half_sse"),
    ({"layers": [2, 1], "activation": "tanh", "loss": "bce"}, "loss", "sigmoid output"),
    ({"layers": [2, 1], "kind": "gru"}, "kind", "allowed: mlp"),
    ({"layers": [2, 1], "naming": "fancy"}, "naming", "allowed: layered, flat"),
    ({"layers": [1, 1], "values": {"w9": 1}}, "values.w9", "no quantity 'w9'"),
    ({"layers": [1, 1], "values": {"x1": "abc"}}, "values.x1", "expected a number"),
    ({"layers": [1, 1], "values": {"x1": True}}, "values.x1", "expected a number"),
    ({"layers": [1, 1], "values": {"x1": float("nan")}}, "values.x1", "finite"),
    ({"layers": [1, 1], "values": {"x1": 1}}, "values", "no value for t1"),
    ({"layers": [1, 1], "values": {"z1_1": 1}}, "values.z1_1", "computed by the network"),
    ({"layers": [1, 1], "values": {"x": [1, 2]}}, "values.x", "no quantity for x[2]"),
    ({"layers": [1, 2], "activation": "softmax", "loss": "cross_entropy",
      "values": {"x1": 1, "t1": 0.5, "t2": 0.2, "W1_1_1": 1, "W1_2_1": 1, "b1_1": 0, "b1_2": 0}},
     "values", "sum to 1"),
]


@pytest.mark.parametrize("spec,key,words", BAD)
def test_bad_specs_name_the_key(spec, key, words):
    with pytest.raises(SpecError) as err:
        network_from_spec(spec)
    assert err.value.key == key
    assert words in str(err.value)


def test_values_as_arrays_and_exact_decimals():
    net = network_from_spec({"layers": [2, 2, 2], "values": values_222()})
    assert net.has_numbers()
    assert net.values["W1_2_1"] * 20 == 5  # 0.25 exactly, not the nearest double
    assert float(net.learning_rate) == 0.5


def test_flat_naming_numbers_weights_unit_by_unit():
    net = network_from_spec({"layers": [2, 2, 1], "naming": "flat"})
    assert [p.name for p in net.params] == ["w1", "w2", "w3", "w4", "b1", "b2", "w5", "w6", "b3"]
    assert net["net_h1"].op.terms == (("w1", "x1"), ("w2", "x2"))


def test_defaults_are_sigmoid_and_half_sse():
    net = network_from_spec({"layers": [2, 1]})
    assert net.shape["activations"] == ["sigmoid"] and net.shape["loss"] == "half_sse"


def test_flat_naming_takes_whole_arrays_as_the_layered_naming_does():
    flat = network_from_spec({"layers": [2, 2, 2], "naming": "flat", "values": values_222()})
    layered = network_from_spec({"layers": [2, 2, 2], "values": values_222()})
    assert [flat.values[n] for n in ("w1", "w2", "w3", "w4", "w5", "w8", "b1", "b2", "b3", "x2", "t2")] == [
        layered.values[n] for n in ("W1_1_1", "W1_1_2", "W1_2_1", "W1_2_2", "W2_1_1", "W2_2_2", "b1_1", "b1_2",
                                    "b2_1", "x2", "t2")]
    assert flat.values["w2"] * 5 == 1  # W1[1][2] = 0.2: row = unit, column = input, as in the layered names
    assert flat.values["b3"] * 5 == 3  # b2[1] is the first bias of layer 2, not the scalar b2 of layer 1


def test_flat_arrays_of_the_wrong_shape_name_the_entry():
    values = {**values_222(), "W1": [[0.15, 0.2, 0.7], [0.25, 0.3]]}
    with pytest.raises(SpecError) as err:
        network_from_spec({"layers": [2, 2, 2], "naming": "flat", "values": values})
    assert err.value.key == "values.W1" and "W1[1, 3]" in str(err.value)


def test_name_and_description_keys_name_the_network():
    net = network_from_spec({"layers": [2, 1], "name": "xor-net", "description": "a tiny network"})
    assert (net.name, net.description) == ("xor-net", "a tiny network")
    with pytest.raises(SpecError) as err:
        network_from_spec({"layers": [2, 1], "name": 3})
    assert err.value.key == "name"


def test_an_mlp_spec_with_a_seed_gets_example_numbers_the_same_for_the_same_seed(tmp_path, capsys):
    from derive.cli.main import main

    spec = tmp_path / "seeded.toml"
    outputs = []
    for seed in (7, 7, 8):
        spec.write_text(f'layers = [2, 3, 1]\nseed = {seed}\n[values]\nx = [0.05, 0.10]\n')
        assert main(["gradients", str(spec)]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] != outputs[2]
    net = network_from_spec({**GOOD, "seed": 7, "values": {"x": [0.05, 0.1]}})
    assert net.has_numbers() and net.values["x1"] == Fraction(1, 20)  # a value given is kept, the rest drawn


def test_a_seeded_softmax_cross_entropy_mlp_gets_one_hot_targets_and_passes_check(tmp_path, capsys):
    from derive.cli.main import main

    spec = {"layers": [3, 4, 3], "activation": ["sigmoid", "softmax"], "loss": "cross_entropy", "seed": 2}
    net = network_from_spec(spec)
    targets = sorted(net.values[q.name] for q in net.leaves if q.role is Role.TARGET)
    assert targets == [0, 0, 1]
    path = tmp_path / "softmax.toml"
    path.write_text('layers = [3, 4, 3]\nactivation = ["sigmoid", "softmax"]\nloss = "cross_entropy"\nseed = 2\n')
    assert main(["gradients", str(path), "--check"]) == 0, capsys.readouterr().err


def test_an_mlp_seed_must_be_a_whole_number():
    with pytest.raises(SpecError) as e:
        network_from_spec({**GOOD, "seed": 1.5})
    assert e.value.key == "seed"
