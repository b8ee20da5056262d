"""Fuzz the spec loader and the commands that read a spec: N random specs, each run in-process through the
command line's main() with a timer, as a careless or hostile user would write them.

    python benchmarks/fuzz_specs.py [--runs 2000] [--seed 1] [--limit 10] [--show 5]

A spec is one of: a random table of the keys a spec has (sizes small, zero, negative, huge, of the wrong
type; names with line breaks, markup or paths; numbers out of range, NaN, 400 or 5,000 digits, dates;
[values] with scalars and nested arrays), a valid spec with lines deleted, duplicated or changed, or
bytes that are not TOML or not UTF-8. Each is run as `derive gradients` (with --json, --check, --lr,
--steps at random), `derive doc --format md|tex|html` to stdout or to a folder, or `derive handout`. Never
with --allow-large, and never to PDF.

Reported: runs, exit codes, runs that ended in an exception out of main() (a traceback) with their input,
runs past --limit seconds with their input, the slowest run, and the peak resident memory of the process
(resource.getrusage). The same seed gives the same specs. tests/test_fuzz_specs.py runs the same
generator, bounded, under hypothesis.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

NAMES = ["net", "xor-net", "Übung 3", "two\nlines", "../escaped", "/tmp/abs", "<img src=x onerror=alert(1)>",
         "\\immediate\\write18{ls}", "", ".hidden", "x" * 200, "a -->b", "tab\there", "é" * 3, "CON", "a/b"]
ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear", "softmax", "Sigmoid", "gelu", ""]
LOSSES = ["half_sse", "sse", "mse", "bce", "cross_entropy", "l1", ""]
NUMBERS = ["0", "1", "-1", "0.5", "1e-3", "1e100", "-1e100", "1e101", "1e400", "-1e400", "1e-400", "1e999999999",
           "1e-999999999", "inf", "-inf", "nan", "1/3", "1/0", "0x10", "1_000", "  2 ", "", "abc", "1e", "--1"]
LEAVES = ["x", "t", "g", "W1", "W2", "b1", "b2", "w1", "w5", "x1", "t1", "W_i", "W_h", "a", "b", "c", "h_0", "x_0",
          "x_1_1", "k1_1_1_1", "b1_1", "w_0_1", "b_0", "t_0", "learning_rate", "zz", "L", "z1_1"]


class Fuzz:
    """The choices of one spec: `wild` is the chance that a choice is a hostile or careless one (a size of 0 or
    10^9, a name with a line break, a number out of range) rather than one a spec may make."""

    def __init__(self, rng: random.Random, wild: float):
        self.rng, self.wild = rng, wild

    def odd(self) -> bool:
        return self.rng.random() < self.wild

    def size(self, small: int = 4):
        if not self.odd():
            return self.rng.randint(1, small)
        return self.rng.choice([0, -1, 7, 12, 60, 1251, 5000, 10 ** 5, 10 ** 9, 2 ** 63 - 1, True, "3", 2.5, [2]])

    def number(self):
        if not self.odd():
            return round(self.rng.uniform(-2, 2), self.rng.randint(0, 4))
        if self.rng.random() < 0.7:
            return self.rng.choice(NUMBERS)  # as a string: read exactly, or refused
        return self.rng.choice([float("inf"), float("nan"), 10 ** 400, True, [1], {"a": 1}, "1979-05-27", 1e300])

    def choice(self, good: list, bad: list):
        return self.rng.choice(bad if self.odd() else good)

    def array(self, *shape: int):
        """Numbers in this shape (a wrong one when odd)."""
        if self.odd():
            shape = tuple(max(0, n + self.rng.choice([-1, 1])) for n in shape) or (2,)
        if len(shape) == 1:
            return [self.number() for _ in range(shape[0])]
        return [self.array(*shape[1:]) for _ in range(shape[0])]


def mlp_values(f: Fuzz, layers: list) -> dict:
    sizes = [n if isinstance(n, int) and not isinstance(n, bool) and 0 < n < 20 else 2 for n in layers] or [2]
    table = {"x": f.array(sizes[0]), "t": f.array(sizes[-1])}
    for l in range(1, len(sizes)):
        table[f"W{l}"] = f.array(sizes[l], sizes[l - 1])
        table[f"b{l}"] = f.array(sizes[l])
    for key in list(table):
        if f.odd():
            del table[key]  # a leaf without a value
    if f.rng.random() < 0.5:
        table["learning_rate"] = f.choice([0.1, 0.5, 1], ["0", "-1", "1e400", "1e-999999999", 0, True])
    if f.odd():
        table[f.rng.choice(LEAVES)] = f.number()
    return table


def cnn_layers(f: Fuzz) -> list:
    layers = []
    for _ in range(f.rng.randint(0, 3)):
        kind = f.choice(["conv", "pool", "conv"], ["flatten", "dense", "norm", "conv", "pool"])
        layer = {"type": kind}
        if kind == "conv":
            layer.update(maps=f.size(3), kernel=f.size(3))
        elif kind == "pool":
            layer.update(kind=f.choice(["max", "avg"], ["min", ""]), size=f.size(2))
        elif kind == "dense":
            layer["units"] = f.size(4)
        if f.odd() and f.odd():
            layer["extra"] = 1
        layers.append(layer)
    if f.rng.random() < 0.5:
        layers.append({"type": "flatten"})
    if not f.odd():
        layers.append({"type": "dense", "units": f.size(4)})
    return layers


def random_table(rng: random.Random) -> dict:
    f = Fuzz(rng, rng.choice([0.0, 0.02, 0.1, 0.3]))
    kind = f.choice(["mlp", "mlp", "rnn", "cnn"], ["gru", None, 1])
    spec: dict = {} if kind is None else {"kind": kind}
    if rng.random() < 0.3:
        spec["name"] = f.choice(["net", "xor-net", "Übung 3 (v2)"], NAMES)
    if rng.random() < 0.1:
        spec["description"] = f.choice(["a tiny network"], NAMES + ["a\x07bell", "x" * 2000])
    if kind == "rnn":
        spec["steps"] = f.size(5)
        for key in ("input_size", "hidden_size", "output_size"):
            if rng.random() < 0.5:
                spec[key] = f.size(3)
    elif kind == "cnn":
        side = rng.randint(3, 10)
        spec["input"] = [f.size(2), side, side] if not f.odd() else [f.size(8) for _ in range(rng.choice([1, 2, 3, 4]))]
        spec["layers"] = cnn_layers(f)
        if rng.random() < 0.5:
            spec["label"] = f.choice([0, 1], [-1, 10 ** 30, "1", 99])
    else:
        spec["layers"] = [f.size() for _ in range(f.choice([2, 3, 3, 4], [0, 1, 6]))]
        if rng.random() < 0.3:
            spec["naming"] = f.choice(["flat", "layered"], ["other", 1])
    hidden, heads = ["sigmoid", "tanh", "relu", "linear"], ["sigmoid", "linear", "softmax"]
    if rng.random() < 0.6:
        spec["activation"] = f.choice(hidden, ACTIVATIONS + [["sigmoid", "softmax"], []])
    if kind in ("rnn", "cnn") and rng.random() < 0.5:
        spec["output_activation"] = f.choice(heads, ACTIVATIONS)
    if rng.random() < 0.6:
        spec["loss"] = f.choice(["half_sse", "sse", "mse", "bce", "cross_entropy"], LOSSES)
    if kind in ("rnn", "cnn") and rng.random() < 0.7:
        spec["seed"] = f.choice([1, 2, 3], [0, -5, 10 ** 18, "1", 1.5])
    if kind == "mlp" and rng.random() < 0.6:
        spec["values"] = mlp_values(f, spec["layers"])
    elif rng.random() < 0.2:
        spec["values"] = {key: f.number() for key in rng.sample(LEAVES, rng.randint(1, 4))}
    if f.odd() and f.odd():
        spec[rng.choice(["layer", "Loss", "lr", "extra"])] = 1
    return spec


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if v != v else ("inf" if v == float("inf") else "-inf" if v == float("-inf") else repr(v))
    if isinstance(v, str):
        if v == "1979-05-27":
            return v  # a TOML date
        return json.dumps(v)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + "}"
    return '"none"'


def to_toml(spec: dict) -> str:
    lines = [f"{k} = {toml_value(v)}" for k, v in spec.items() if k != "values"]
    if "values" in spec:
        lines.append("[values]")
        lines += [f"{k} = {toml_value(v)}" for k, v in spec["values"].items()]
    return "\n".join(lines) + "\n"


BASES = [
    'layers = [2, 2, 1]\nactivation = "sigmoid"\nloss = "half_sse"\n[values]\nx = [0.05, 0.10]\nt = [0.01]\n'
    "W1 = [[0.15, 0.20], [0.25, 0.30]]\nb1 = [0.35, 0.35]\nW2 = [[0.40, 0.45]]\nb2 = [0.60]\nlearning_rate = 0.5\n",
    'layers = [2, 2, 2]\nnaming = "flat"\n[values]\nx1 = 0.05\nx2 = 0.10\nt1 = 0.01\nt2 = 0.99\nw1 = 0.15\nw2 = 0.2\n'
    "w3 = 0.25\nw4 = 0.3\nw5 = 0.4\nw6 = 0.45\nw7 = 0.5\nw8 = 0.55\nb1 = 0.35\nb2 = 0.35\nb3 = 0.6\nb4 = 0.6\n",
    'kind = "rnn"\nsteps = 2\nactivation = "sigmoid"\nloss = "half_sse"\nseed = 1\n[values]\nx = [1, 0]\ng = [1, 1]\n',
    'kind = "rnn"\nsteps = 3\ninput_size = 2\nhidden_size = 2\noutput_size = 2\noutput_activation = "softmax"\n'
    'loss = "cross_entropy"\nseed = 3\n',
    'kind = "cnn"\ninput = [1, 6, 6]\nlayers = [{type = "conv", maps = 2, kernel = 3}, {type = "pool", kind = "max", '
    'size = 2}, {type = "flatten"}, {type = "dense", units = 3}]\nlabel = 1\nseed = 1\n',
    'layers = [3, 2]\nactivation = "softmax"\nloss = "cross_entropy"\n',
]


def mutated(rng: random.Random) -> str:
    lines = rng.choice(BASES).splitlines()
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        op = rng.choice(["delete", "duplicate", "number", "number", "junk", "truncate", "swap"])
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "number":
            parts = lines[i].split("=", 1)
            if len(parts) == 2:
                odd = Fuzz(rng, 0.5)
                lines[i] = f"{parts[0]}= {toml_value(odd.number() if rng.random() < 0.7 else odd.size())}"
        elif op == "junk":
            lines[i] += rng.choice(["]", "[", "{", '"', "\\", " = 1", "\x00", "\ufeff", "[[", "# ok"])
        elif op == "truncate":
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif op == "swap" and len(lines) > 1:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines) + "\n"


def fuzz_spec(rng: random.Random) -> bytes:
    """The bytes of one fuzzed spec file."""
    r = rng.random()
    if r < 0.65:
        return to_toml(random_table(rng)).encode("utf-8", "surrogatepass")
    if r < 0.9:
        return mutated(rng).encode()
    if r < 0.95:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
    return ("layers = [2, 1]\n[values]\nx = [" + "9" * rng.choice([400, 4300, 5000]) + ", 1]\n").encode()


def fuzz_argv(rng: random.Random, spec: Path, out: Path) -> list[str]:
    """One command on the spec: gradients (with options at random), doc or handout."""
    r = rng.random()
    if r < 0.6:
        argv = ["gradients", str(spec)]
        if rng.random() < 0.3:
            argv.append("--json")
        if rng.random() < 0.3:
            argv.append("--check")
        if rng.random() < 0.15:
            argv += ["--lr", rng.choice(["0.1", "1e400", "-1", "0", "abc", "1e999999999", "1/2", "1e-400"])]
        if rng.random() < 0.1:
            argv += ["--steps", str(rng.choice([1, 2, 3]))]
        return argv
    if r < 0.9:
        argv = ["doc", str(spec), "--format", rng.choice(["md", "tex", "html"])]
        return argv + (["-o", f"{out}/"] if rng.random() < 0.5 else [])
    return ["handout", str(spec), "-o", str(out / "handouts"), "--seed", str(rng.randint(0, 3))]


def run_one(argv: list[str]) -> tuple[int | None, float, str | None]:
    """(exit code, seconds, traceback text or None), the CLI run in this process with its output captured."""
    from derive.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except BaseException:  # noqa: BLE001 - anything out of main() is what this script counts
        return None, time.perf_counter() - start, traceback.format_exc()
    seconds = time.perf_counter() - start
    if "Traceback" in err.getvalue():
        return code, seconds, err.getvalue()
    return code, seconds, None


def peak_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=float, default=10.0, help="seconds past which a run counts as a hang")
    ap.add_argument("--show", type=int, default=5, help="how many failing inputs to print")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    codes: dict[str, int] = {}
    crashes, slow = [], []
    slowest = (0.0, [])
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            folder = Path(tmp) / f"run{i}"
            folder.mkdir()
            spec = folder / "spec.toml"
            data = fuzz_spec(rng)
            spec.write_bytes(data)
            argv = fuzz_argv(rng, spec, folder / "out")
            code, seconds, tb = run_one(argv)
            codes[str(code)] = codes.get(str(code), 0) + 1
            if tb is not None:
                crashes.append((argv, data, tb))
            if seconds > args.limit:
                slow.append((argv, data, seconds))
            slowest = max(slowest, (seconds, argv[:1] + argv[2:], data), key=lambda s: s[0])
            if (i + 1) % 250 == 0:
                print(f"{i + 1} runs, {len(crashes)} tracebacks, {len(slow)} past {args.limit:g} s, "
                      f"peak {peak_mb():.0f} MB, {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    print(f"runs: {args.runs} (seed {args.seed}) in {time.perf_counter() - began:.0f} s")
    print(f"exit codes: {dict(sorted(codes.items()))}")
    print(f"tracebacks: {len(crashes)}")
    print(f"past {args.limit:g} s: {len(slow)}")
    print(f"slowest run: {slowest[0]:.2f} s ({' '.join(slowest[1])}) on {slowest[2][:200]!r}")
    print(f"peak memory (max RSS of the process): {peak_mb():.0f} MB")
    for argv, data, tb in crashes[: args.show]:
        print(f"\n--- traceback: {' '.join(argv[:1] + argv[2:])} on {data[:300]!r}\n{tb.strip().splitlines()[-1]}")
    for argv, data, seconds in slow[: args.show]:
        print(f"\n--- {seconds:.1f} s: {' '.join(argv[:1] + argv[2:])} on {data[:300]!r}")


if __name__ == "__main__":
    main()
