"""What several test files share."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run_bounded():
    """run_bounded(cwd, *argv, seconds=60): the command in a child process with a time and a memory limit,
    so that a reader that never stops (/dev/zero) or never starts (a FIFO without a writer) fails the test
    instead of hanging it or exhausting the machine. (code, stdout, stderr); code None when it timed out."""
    resource = pytest.importorskip("resource")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    def run(cwd, *argv, seconds=60):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        try:
            done = subprocess.run([sys.executable, "-m", "derive", *map(str, argv)], cwd=cwd, capture_output=True,
                                  text=True, timeout=seconds, preexec_fn=limit, env=env)
        except subprocess.TimeoutExpired:
            return None, "", "timed out"
        return done.returncode, done.stdout, done.stderr

    return run
