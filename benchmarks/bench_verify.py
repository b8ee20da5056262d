"""Time `derive verify`: the five seed notes end to end, a class of 300 notes with --jobs 2, and the
gallery's largest document (lenet: 1,300 lines, 2,400 claims), and the real notes of corpus-notes/ when restored.

    python benchmarks/bench_verify.py [--repeat 3]

Medians of full CLI runs (a fresh process each time: start-up, import, parse, check, report).
The 300 notes are the five seed notes copied 60 times under different names.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "notes" / "seeds"
LENET = ROOT / "output" / "docs" / "lenet.md"
CORPUS = ROOT / "corpus-notes"  # the real notes of ../shared/corpus, restored as its README says (never committed)


def median_run(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    seeds = sorted(SEEDS.glob("*.txt"))
    base = [sys.executable, "-m", "derive", "verify"]
    five = median_run(base + [str(p) for p in seeds], args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        notes = []
        for k in range(60):
            for p in seeds:
                target = Path(tmp) / f"{k:02d}_{p.name}"
                shutil.copy(p, target)
                notes.append(str(target))
        one = median_run(base + notes, 1)
        two = median_run(base + notes + ["--jobs", "2"], args.repeat)
    lenet = median_run(base + [str(LENET)], 1)
    corpus = sorted(CORPUS.glob("*.md"))
    real = median_run(base + [str(p) for p in corpus], args.repeat) if corpus else None
    print(f"{'run':<34} {'notes':>5} {'median (s)':>11}")
    print(f"{'five seed notes, one process':<34} {5:>5} {five:>11.2f}")
    print(f"{'300 notes, --jobs 1 (one run)':<34} {300:>5} {one:>11.2f}")
    print(f"{'300 notes, --jobs 2':<34} {300:>5} {two:>11.2f}")
    print(f"{'lenet document (one run)':<34} {1:>5} {lenet:>11.2f}")
    if real is not None:
        print(f"{'the real notes of corpus-notes/':<34} {len(corpus):>5} {real:>11.2f}")
    else:
        print("corpus-notes/ is not restored: the real notes were not timed")


if __name__ == "__main__":
    main()
