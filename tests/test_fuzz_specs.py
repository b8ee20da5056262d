"""Fuzzed spec files never crash or hang a command: every run ends in exit 0, 1 or 2 (one line naming the
problem), in seconds. The generator is benchmarks/fuzz_specs.py's (which runs thousands of them); here
hypothesis drives it, a bounded number of times, and shrinks what it finds."""

import importlib.util
import random
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.cli.main import RECURSION_LIMIT

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz_specs.py"
_spec = importlib.util.spec_from_file_location("fuzz_specs", SCRIPT)
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

LIMIT = 10.0  # seconds
sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))  # as main() sets it, before hypothesis runs


def check(rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.toml"
        data = fuzz.fuzz_spec(rng)
        spec.write_bytes(data)
        argv = fuzz.fuzz_argv(rng, spec, Path(tmp) / "out")
        code, seconds, tb = fuzz.run_one(argv)
        assert tb is None, f"{argv[0]} on {data!r}:\n{tb}"
        assert code in (0, 1, 2), (argv, data, code)
        assert seconds < LIMIT, f"{argv[0]} took {seconds:.1f} s on {data!r}"
        if code == 0 and argv[0] == "doc" and "-o" in argv:
            written = sorted(p.relative_to(tmp).as_posix() for p in Path(tmp).rglob("*") if p.is_file())
            assert all(p == "spec.toml" or p.startswith("out/") for p in written), written


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2 ** 32))
def test_a_fuzzed_spec_ends_in_an_exit_status_not_a_traceback(seed):
    check(random.Random(seed))  # a seed, not hypothesis's own random: its draws shrink to the plainest specs


def test_the_generator_is_deterministic_and_reaches_every_command():
    a, b = random.Random(7), random.Random(7)
    specs = [fuzz.fuzz_spec(a) for _ in range(50)]
    assert specs == [fuzz.fuzz_spec(b) for _ in range(50)]
    rng = random.Random(3)
    commands = {fuzz.fuzz_argv(rng, Path("s.toml"), Path("out"))[0] for _ in range(100)}
    assert commands == {"gradients", "doc", "handout"}


def test_a_fixed_sample_of_fuzzed_specs():
    """The first 40 specs of seed 1, as the benchmark draws them: the same inputs every time."""
    rng = random.Random(1)
    for _ in range(40):
        check(rng)
