"""Time the command line's start-up: `derive --help`, which should import no SymPy, NumPy or Jinja, and
`derive gradients mlp-222`, the smallest command that derives something.

    python benchmarks/bench_startup.py [--repeat 5]

Prints the median wall time of each, a fresh process per run (`python -m derive`, as the `derive` command
runs it), and how many modules of SymPy, NumPy and Jinja `--help` imports.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = [["--help"], ["gradients", "mlp-222"]]
HEAVY = ("sympy", "numpy", "jinja2")


def wall_time(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "derive", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def heavy_imports(args: list[str]) -> int:
    """Modules of SymPy, NumPy and Jinja that `python -X importtime -m derive ARGS` imports."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "derive", *args], check=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    names = [line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "|" in line]
    return sum(1 for n in names if n.split(".")[0] in HEAVY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    for args in COMMANDS:
        wall_time(args)  # once to warm the file cache and the bytecode
        times = [wall_time(args) for _ in range(repeat)]
        print(f"derive {' '.join(args):<20} median {statistics.median(times):.3f} s over {repeat} runs "
              f"(min {min(times):.3f}, max {max(times):.3f}); SymPy/NumPy/Jinja modules imported: "
              f"{heavy_imports(args)}")


if __name__ == "__main__":
    main()
