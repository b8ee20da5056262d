"""Time `derive gradients` with numbers and --check on MLPs of growing size, and the naive method
(differentiate the whole loss expression with SymPy) on the smallest one.

    python benchmarks/bench_gradients.py [--repeat 5]

Prints medians. End to end = the CLI as a user runs it (a fresh process: start-up, import, derive,
finite differences, JSON written to a pipe). In-process = derive + finite differences + JSON for the
already-loaded network; ms/param and the ratio to 4-8-8-1 are computed from it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

SIZES = [[4, 8, 8, 1], [8, 16, 16, 4], [16, 32, 32, 10]]


def spec_text(layers: list[int], seed: int = 0) -> str:
    rng = random.Random(seed)
    r = lambda: round(rng.uniform(-1, 1), 3)  # noqa: E731
    lines = [f"layers = {layers}", 'activation = "sigmoid"', 'loss = "half_sse"', "[values]",
             f"x = {[r() for _ in range(layers[0])]}",
             f"t = {[round(rng.uniform(0, 1), 3) for _ in range(layers[-1])]}"]
    for l in range(1, len(layers)):
        lines.append(f"W{l} = {[[r() for _ in range(layers[l - 1])] for _ in range(layers[l])]}")
        lines.append(f"b{l} = {[r() for _ in range(layers[l])]}")
    lines.append("learning_rate = 0.1")
    return "\n".join(lines) + "\n"


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def naive(layers: list[int]) -> float:
    """Whole loss as one expression in inputs and parameters, sympy.diff for each parameter, evaluated."""
    import sympy as sp

    from derive.algebra import symbol
    from derive.derivation.engine import expand_in_leaves
    from derive.network.mlp import build_mlp

    net = build_mlp(layers, ["sigmoid"] * (len(layers) - 1), "half_sse")
    rng = random.Random(0)
    vals = {symbol(q.name): sp.Rational(Fraction(round(rng.uniform(-1, 1), 3))) for q in net.leaves}
    t = time.perf_counter()
    loss = expand_in_leaves(net, symbol(net.loss), {})
    for p in net.params:
        sp.diff(loss, symbol(p.name)).xreplace(vals).evalf(15)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import tomllib

    from derive import derive
    from derive.derivation.numeric import finite_differences
    from derive.network.spec import network_from_spec
    from derive.output.terminal import to_json

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for layers in SIZES:
            path = Path(tmp) / ("mlp-" + "-".join(map(str, layers)) + ".toml")
            path.write_text(spec_text(layers))
            net = network_from_spec(tomllib.loads(path.read_text()))
            n = len(net.params)
            cmd = [sys.executable, "-m", "derive", "gradients", str(path), "--check", "--json"]
            e2e = median_time(lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL), args.repeat)
            inproc = median_time(lambda: to_json(derive(net), finite_differences(net)), args.repeat)
            rows.append((layers, n, e2e, inproc))
    base = rows[0][3] / rows[0][1]
    print(f"{'network':<14} {'params':>6} {'end to end (s)':>15} {'in-process (s)':>15} {'ms/param':>9} "
          f"{'vs 4-8-8-1':>10}")
    for layers, n, e2e, inproc in rows:
        per = inproc / n
        print(f"{'-'.join(map(str, layers)):<14} {n:>6} {e2e:>15.3f} {inproc:>15.3f} {per * 1e3:>9.3f} "
              f"{per / base:>9.2f}x")
    t_naive = naive(SIZES[0])
    print(f"\nnaive sympy.diff of the whole loss, 4-8-8-1, all {rows[0][1]} gradients evaluated: {t_naive:.2f} s "
          f"({t_naive / rows[0][3]:.0f}x the in-process pipeline)")


if __name__ == "__main__":
    main()
