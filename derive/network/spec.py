"""Spec files (TOML) and built-in example names to Networks, with errors that name the key."""

from __future__ import annotations

import difflib
import re
import tomllib
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import SpecError, printable, read_text_limited
from ..rules import LOSSES
from . import cnn, limits, rnn, validate
from .evaluate import max_pool_margin
from .examples import EXAMPLES, load_example
from .graph import Network, Role
from .mlp import LAYERED, build_mlp, flat_naming
from .sampling import one_hot_targets, sample_values
from .validate import check_choice

KINDS = ("mlp", "rnn", "cnn")
MAX_SPEC_BYTES = 2_000_000  # a spec with a value for each of 2,500 parameters is some 50 kB


def _suggest(word: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(word, allowed, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_keys(table: Mapping[str, Any], allowed: list[str], where: str = "") -> None:
    for key in table:
        if key not in allowed:
            full = f"{where}.{key}" if where else key
            raise SpecError(full, f"unknown key{_suggest(key, allowed)}; allowed here: {', '.join(allowed)}")


def require(table: Mapping[str, Any], key: str, where: str = "") -> Any:
    if key not in table:
        raise SpecError(f"{where}.{key}" if where else key, "missing (this key is required)")
    return table[key]


def learning_rate(value: Any, key: str) -> Fraction:
    """A step size: a positive number (a negative one would climb the loss)."""
    lr = number(value, key)
    if lr <= 0:
        raise SpecError(key, f"a learning rate is a positive number, got {value!r}")
    return lr


MAX_MAGNITUDE = Fraction(10) ** 100  # numbers are computed with in floats, whose squares must stay finite
MAX_NUMBER_TEXT = 100                # characters of a number written as text ("0.1", "1/3", "2.5e-3")
EXPONENT = re.compile(r"[eE]([+-]?\d+)$")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text):,} characters)"


def number(value: Any, key: str) -> Fraction:
    """A number as the user wrote it: 0.1 is exactly 1/10, not the nearest binary double. Its size is at
    most 1e100 and, unless it is 0, at least 1e-100 (a number written as text is read only once its
    exponent is known to be in that range, so "1e999999999" is refused, not computed)."""
    if isinstance(value, bool):
        raise SpecError(key, f"expected a number, got {value!r}")
    if isinstance(value, int):
        x = Fraction(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise SpecError(key, f"expected a finite number, got {value!r}")
        x = Fraction(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_NUMBER_TEXT:
            raise SpecError(key, f"expected a number of at most {MAX_NUMBER_TEXT} characters, got {_shown(value)}")
        exponent = EXPONENT.search(text)
        if exponent and abs(int(exponent.group(1))) > 400:
            raise SpecError(key, f"{_shown(value)} is out of range (its exponent is beyond ±400): {OUT_OF_RANGE}")
        try:
            x = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise SpecError(key, f"expected a number, got {_shown(value)}") from None
    else:
        raise SpecError(key, f"expected a number, got {_shown(value)}")
    if abs(x) > MAX_MAGNITUDE or (x and abs(x) * MAX_MAGNITUDE < 1):
        raise SpecError(key, f"{_shown(value)} is out of range: {OUT_OF_RANGE}")
    return x


OUT_OF_RANGE = "a number here is 0 or between 1e-100 and 1e100 in size"


def positive_int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(key, f"expected a whole number of at least 1, got {value!r}")
    return value


def _flatten(key: str, value: Any, prefix: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], Any]]:
    if isinstance(value, list):
        out = []
        for i, v in enumerate(value, start=1):
            out.extend(_flatten(key, v, prefix + (i,)))
        return out
    return [(prefix, value)]


def read_values(net: Network, table: Mapping[str, Any]) -> tuple[dict[str, Fraction], Fraction | None]:
    """[values]: every leaf by its name (w5 = 0.4), or a whole vector or matrix at once
    (x = [1, 0], W1 = [[0.1, 0.2], [0.3, 0.4]]); learning_rate."""
    leaves = [q.name for q in net.leaves]
    values: dict[str, Fraction] = {}
    lr = None
    for key, raw in table.items():
        where = f"values.{key}"
        if key == "learning_rate":
            lr = learning_rate(raw, where)
            continue
        if not isinstance(raw, list):
            if key not in net:
                raise SpecError(where, f"the network has no quantity {key!r}{_suggest(key, leaves)}; its inputs, "
                                f"targets and parameters are named like {', '.join(leaves[:6])}, ...")
            if net[key].op is not None:
                raise SpecError(where, f"{key} is computed by the network ({net[key].role.value}); give values "
                                "only to inputs, targets and parameters")
            values[key] = number(raw, where)
            continue
        by_place = _layer_entries(net, key)
        for idx, item in _flatten(key, raw):
            names = [f"{key}_" + "_".join(map(str, idx)), f"{key}{''.join(map(str, idx))}",
                     f"{key}{'_'.join(map(str, idx))}"]
            name = names[0] if names[0] in net and net[names[0]].op is None else None
            if name is None and by_place:
                name = by_place.get(idx)
            if name is None:
                name = next((n for n in names[1:] if n in net and net[n].op is None), None)
            if name is None:
                raise SpecError(where, f"the network has no quantity for {key}{list(idx)} (tried {names[0]}); "
                                f"leaves are named like {', '.join(leaves[:6])}, ...")
            values[name] = number(item, f"{where}{list(idx)}")
    if values:
        missing = [n for n in leaves if n not in values and n not in net.values]
        if missing:
            more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
            raise SpecError("values", f"no value for {', '.join(missing[:8])}{more}; give every input, target "
                            "and parameter a value, or leave [values] out for a symbolic derivation")
    check_targets(net, {**net.values, **values})
    return values, lr


FLAT_ARRAY = re.compile(r"([Ww]|b)(\d+)")


def _layer_entries(net: Network, key: str) -> dict[tuple[int, ...], str]:
    """A whole layer's weights (W1, w1) or biases (b1) by position, for names that do not carry the
    position (flat naming: W1 = [[w1, w2], [w3, w4]], b1 = [b1, b2]); {} for any other key."""
    m = FLAT_ARRAY.fullmatch(key)
    if net.kind != "mlp" or m is None:
        return {}
    layer, dims = int(m.group(2)), (1 if m.group(1) == "b" else 2)
    return {q.index: q.name for q in net.params if q.layer == layer and len(q.index) == dims}


def check_targets(net: Network, values: Mapping[str, Fraction]) -> None:
    loss = net[net.loss].op
    if getattr(loss, "logits", ()):
        targets = [t for _, t in loss.pairs]  # type: ignore[union-attr]
        if all(t in values for t in targets) and sum(values[t] for t in targets) != 1:
            raise SpecError("values", "cross_entropy with softmax needs targets that sum to 1 "
                            f"({', '.join(targets)} sum to {float(sum(values[t] for t in targets)):g})")


def mlp_from_spec(spec: Mapping[str, Any], name: str, allow_large: bool | None = None) -> Network:
    """kind = "mlp": layers (units, inputs first), activation (one, or one per layer), loss, naming, seed
    (example numbers for every leaf not in [values]; a softmax with cross-entropy gets one-hot targets)."""
    check_keys(spec, ["kind", "name", "description", "layers", "activation", "loss", "naming", "seed", "values"])
    layers = require(spec, "layers")
    if not isinstance(layers, list) or len(layers) < 2:
        raise SpecError("layers", f"expected a list of layer sizes, inputs first, like [2, 3, 1]; got {layers!r}")
    for i, n in enumerate(layers):
        positive_int(n, f"layers[{i}]")
    act = spec.get("activation", "sigmoid")
    acts = [act] * (len(layers) - 1) if isinstance(act, str) else act
    if not isinstance(acts, list):
        raise SpecError("activation", f"expected a name or a list of names, got {act!r}")
    for a in acts:
        check_choice("activation", a, validate.layer_activations("mlp"))
    limits.check(limits.mlp_size(layers, acts), allow_large, "layers")
    loss = check_choice("loss", spec.get("loss", "half_sse"), list(LOSSES))
    naming = check_choice("naming", spec.get("naming", "layered"), ("layered", "flat"))
    scheme = LAYERED if naming == "layered" else flat_naming(layers)
    net = build_mlp(layers, acts, loss, scheme, name, spec.get("description", ""))
    seed = _seed(spec)
    return net if seed is None else net.with_values(sample_values(net, seed, one_hot=one_hot_targets(net)))


def _seed(spec: Mapping[str, Any]) -> int | None:
    seed = spec.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise SpecError("seed", f"expected a whole number, got {seed!r}")
    return seed


def rnn_from_spec(spec: Mapping[str, Any], name: str, allow_large: bool | None = None) -> Network:
    """kind = "rnn": steps (or the length of values.x), input_size, hidden_size, output_size (default 1:
    note 003's scalar names), activation, output_activation, loss, seed (example numbers for every leaf
    not in [values]). Sequences in [values] are arrays over the steps: x = [1, 0], g = [1, 1]."""
    check_keys(spec, ["kind", "name", "description", "steps", "input_size", "hidden_size", "output_size",
                      "activation", "output_activation", "loss", "seed", "values"])
    table = spec.get("values", {})
    xs = table.get("x") if isinstance(table, dict) else None
    steps = spec.get("steps")
    if isinstance(xs, list) and not xs:
        raise SpecError("values.x", "a sequence of length 0: give at least one step")
    if steps is None:
        if not isinstance(xs, list):
            raise SpecError("steps", "missing (give steps, or the input sequence as values.x)")
        steps = len(xs)
    rnn.check_sizes(steps, {})
    if isinstance(xs, list) and len(xs) != steps:
        raise SpecError("values.x", f"has {len(xs)} steps but steps = {steps}")
    sizes = {k: spec.get(k, 1) for k in ("input_size", "hidden_size", "output_size")}
    for key, n in sizes.items():
        positive_int(n, key)
    out = spec.get("output_activation", "linear")
    limits.check(limits.rnn_size(steps, sizes["input_size"], sizes["hidden_size"], sizes["output_size"], out),
                 allow_large)
    net = rnn.build_rnn(steps, sizes["input_size"], sizes["hidden_size"], sizes["output_size"],
                        spec.get("activation", "sigmoid"), spec.get("loss", "half_sse"),
                        spec.get("output_activation", "linear"), name=name,
                        description=spec.get("description", ""))
    seed = _seed(spec)
    return net if seed is None else net.with_values(sample_values(net, seed, keep=net.values))


CNN_LAYER_KEYS = {"conv": ["type", "maps", "kernel"], "pool": ["type", "kind", "size"], "flatten": ["type"],
                  "dense": ["type", "units"]}


def cnn_layer(table: Any, i: int) -> cnn.Layer:
    where = f"layers[{i}]"
    if not isinstance(table, dict):
        raise SpecError(where, f"expected a table like {{type = \"conv\", maps = 6, kernel = 3}}, got {table!r}")
    kind = check_choice(f"{where}.type", require(table, "type", where), list(CNN_LAYER_KEYS))
    check_keys(table, CNN_LAYER_KEYS[kind], where)
    if kind == "conv":
        return cnn.Conv(positive_int(require(table, "maps", where), f"{where}.maps"),
                        positive_int(require(table, "kernel", where), f"{where}.kernel"))
    if kind == "pool":
        return cnn.Pooling(check_choice(f"{where}.kind", table.get("kind", "max"), cnn.POOLS),
                           positive_int(table.get("size", 2), f"{where}.size"))
    if kind == "flatten":
        return cnn.Flatten()
    return cnn.Dense(positive_int(require(table, "units", where), f"{where}.units"))


def cnn_from_spec(spec: Mapping[str, Any], name: str, allow_large: bool | None = None) -> Network:
    """kind = "cnn": input = [channels, height, width], layers = [{type = "conv", maps = 6, kernel = 3},
    {type = "pool", kind = "max", size = 2}, ..., {type = "dense", units = 10}], activation,
    output_activation, loss, label (one-hot targets: the class, from 0), seed (example numbers)."""
    check_keys(spec, ["kind", "name", "description", "input", "layers", "activation", "output_activation",
                      "loss", "label", "seed", "values"])
    shape = require(spec, "input")
    if not isinstance(shape, list) or len(shape) not in (2, 3):
        raise SpecError("input", f"expected [channels, height, width] (or [height, width]), got {shape!r}")
    shape = [1] + shape if len(shape) == 2 else shape
    for i, n in enumerate(shape):
        positive_int(n, f"input[{i}]")
    layers = require(spec, "layers")
    if not isinstance(layers, list) or not layers:
        raise SpecError("layers", "expected a list of layer tables, the last {type = \"dense\", units = N}")
    built = [cnn_layer(t, i) for i, t in enumerate(layers)]
    limits.check(limits.cnn_size(shape, built, cnn.check_layers(tuple(shape), built),
                                 spec.get("output_activation", "softmax")), allow_large)
    net = cnn.build_cnn(tuple(shape), built,
                        spec.get("activation", "sigmoid"), spec.get("loss", "cross_entropy"),
                        spec.get("output_activation", "softmax"), name=name,
                        description=spec.get("description", ""))
    targets = [q.name for q in net.of_role(Role.TARGET)]
    keep = {}
    if "label" in spec:
        label = spec["label"]
        if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < len(targets):
            raise SpecError("label", f"expected a class from 0 to {len(targets) - 1}, got {label!r}")
        keep = {t: Fraction(int(j == label)) for j, t in enumerate(targets)}
    seed = _seed(spec)
    if seed is not None:
        return net.with_values(_untied_values(net, seed, keep))
    return net.with_values(keep) if keep else net


def _untied_values(net: Network, seed: int, keep: dict, gap: float = 1e-4, tries: int = 100) -> dict:
    """Example numbers from the seed in which every max-pooling window has a clear maximum: at a tie the
    loss has a kink, and finite differences (--check) straddle it. The seed's own draw when it has none;
    otherwise the first of a fixed sequence of further draws that has none."""
    values = sample_values(net, seed, keep=keep, input_decimals=1)
    for attempt in range(1, tries):
        if max_pool_margin(net.with_values(values)) > gap:
            break
        values = sample_values(net, seed * tries + attempt, keep=keep, input_decimals=1)
    return values


NAME = re.compile(r"\w[\w .+()-]{0,79}")  # it names the output files: no separators, no leading dot
MAX_DESCRIPTION = 1000
HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069]")  # bidirectional overrides make text read other than it is


def check_name(name: Any) -> str:
    """A network's name, which names its output files and titles its documents: letters, digits, spaces and
    . _ + - ( ), starting with a letter or digit, at most 80 characters, not ending in a space or a dot."""
    if not isinstance(name, str):
        raise SpecError("name", f"expected text, got {name!r}")
    if not NAME.fullmatch(name) or name.endswith((" ", ".")):
        shown = repr(name[:60]) + ("..." if len(name) > 60 else "")
        raise SpecError("name", f"{shown} cannot name files: use at most 80 letters, digits, spaces and "
                        ". _ + - ( ), starting with a letter or digit")
    return name


def name_from_stem(stem: str) -> str:
    """A network name from a spec's file name (when the spec gives none): every run of characters a name
    may not have becomes '-'; 'spec' when nothing is left."""
    name = re.sub(r"[^\w .+()-]+", "-", stem)
    name = re.sub(r"^[^\w]+", "", name)[:80].rstrip(".-+ ")
    return name or "spec"


def check_description(text: Any) -> str:
    """One paragraph of text: line breaks and tabs become spaces; other control characters are refused."""
    if not isinstance(text, str):
        raise SpecError("description", f"expected text, got {text!r}")
    if len(text) > MAX_DESCRIPTION:
        raise SpecError("description", f"{len(text):,} characters; at most {MAX_DESCRIPTION:,}")
    text = " ".join(text.split())
    bad = next((c for c in text if not c.isprintable() and c != " " or HIDDEN.match(c)), None)
    if bad is not None:
        raise SpecError("description", f"contains the control character U+{ord(bad):04X}")
    return text


BUILDERS: dict[str, Callable[[Mapping[str, Any], str, bool | None], Network]] = {
    "mlp": mlp_from_spec, "rnn": rnn_from_spec, "cnn": cnn_from_spec}


def network_from_spec(spec: Mapping[str, Any], name: str = "spec", allow_large: bool | None = None) -> Network:
    """The network a spec describes; its size is checked from the spec before anything is built
    (limits.check: past the hard limits never; past the soft ones only with allow_large True; with
    allow_large None, as a caller that has no such option passes, the soft limits are left to it)."""
    kind = check_choice("kind", spec.get("kind", "mlp"), KINDS)
    if kind not in BUILDERS:
        raise SpecError("kind", f"{kind!r} networks are not available yet")
    name = check_name(spec["name"]) if "name" in spec else name_from_stem(name)
    if "description" in spec:
        spec = {**spec, "description": check_description(spec["description"])}
    net = BUILDERS[kind](spec, name, allow_large)
    table = spec.get("values", {})
    if not isinstance(table, dict):
        raise SpecError("values", "expected a table ([values])")
    values, lr = read_values(net, table)
    return net.with_values({**net.values, **values}, lr) if (values or lr is not None) else net


def load_spec_file(path: Path, allow_large: bool | None = None) -> Network:
    """A spec file: a regular UTF-8 file of at most MAX_SPEC_BYTES (not a device, a pipe or a folder)."""
    text = read_text_limited(path, MAX_SPEC_BYTES, "spec")  # a byte-order mark (Notepad) is dropped
    return load_spec_text(text, path.stem, str(path), allow_large)


def load_spec_text(text: str, name: str, where: str, allow_large: bool | None = None) -> Network:
    """A spec given as TOML text (a file's, standard input's): name is the network's unless the spec names
    it, where names the text in messages."""
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError("", f"{printable(where)} is not valid TOML: {e}") from None
    except RecursionError:
        raise SpecError("", f"{printable(where)} nests arrays or tables too deeply to be a spec") from None
    except ValueError as e:  # an integer of more digits than Python reads (4,300)
        raise SpecError("", f"{printable(where)} is not a spec: {e}".split(";")[0]) from None
    return network_from_spec(spec, name, allow_large)


def load_target(target: str, allow_large: bool | None = None) -> Network:
    """A built-in example name or the path of a spec file (its size checked before it is built)."""
    if target in EXAMPLES:
        return load_example(target)
    path = Path(target)
    if path.suffix.lower() == ".toml" or path.exists():
        if not path.exists():
            raise SpecError("", f"no such file: {printable(target)}")
        return load_spec_file(path, allow_large)
    raise SpecError("", f"{target!r} is neither a built-in example ({', '.join(EXAMPLES)}) nor a spec file"
                    f"{_suggest(target, list(EXAMPLES))}")
