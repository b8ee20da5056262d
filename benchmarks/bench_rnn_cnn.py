"""Time `derive gradients ... --check --json` on the recurrent and convolutional networks.

    python benchmarks/bench_rnn_cnn.py [--repeat 5]

Prints medians. End to end = the CLI as a user runs it (a fresh process: start-up, import, build,
derive, finite differences, JSON written to a pipe). In-process = derive + finite differences + JSON
for the already-built network. Targets: lenet under 30 s, an RNN over 20 steps under 5 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RNN_SPECS = {  # name: spec file text (numbers from a fixed seed)
    "rnn T=20 (scalar)": 'kind = "rnn"\nsteps = 20\nactivation = "tanh"\nseed = 1\n',
    "rnn T=20 (4-8-2)": 'kind = "rnn"\nsteps = 20\ninput_size = 4\nhidden_size = 8\noutput_size = 2\n'
                        'activation = "tanh"\nseed = 1\n',
}


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from derive import derive, load
    from derive.derivation.numeric import finite_differences
    from derive.output.terminal import to_json

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = {"lenet": "lenet"}
        for name, text in RNN_SPECS.items():
            path = Path(tmp) / (name.split()[0] + str(len(targets)) + ".toml")
            path.write_text(text)
            targets[name] = str(path)
        for name, target in targets.items():
            net = load(target)
            cmd = [sys.executable, "-m", "derive", "gradients", target, "--check", "--json"]
            e2e = median_time(lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL), args.repeat)
            inproc = median_time(lambda: to_json(derive(net), finite_differences(net)), args.repeat)
            rows.append((name, len(net.params), len(net.quantities), e2e, inproc))
    print(f"{'network':<20} {'params':>6} {'quantities':>10} {'end to end (s)':>15} {'in-process (s)':>15}")
    for name, n, q, e2e, inproc in rows:
        print(f"{name:<20} {n:>6} {q:>10} {e2e:>15.3f} {inproc:>15.3f}")
    print(f"\nmedians of {args.repeat} runs")


if __name__ == "__main__":
    main()
