"""A console whose encoding lacks δ and σ (cp1252, a Windows console) gets them in ASCII, never an
encoding error."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cp1252(*argv):
    env = dict(os.environ, PYTHONIOENCODING="cp1252")
    return subprocess.run([sys.executable, "-m", "derive", *argv], capture_output=True, env=env, cwd=ROOT,
                          timeout=300)


def test_gradients_on_a_cp1252_console():
    r = run_cp1252("gradients", "mlp-222")
    assert r.returncode == 0 and b"Traceback" not in r.stderr
    text = r.stdout.decode("cp1252")
    assert "d_net_o1 = dE_total/dnet_o1" in text  # δ_net_o1 written as d_net_o1


def test_verify_on_a_cp1252_console():
    r = run_cp1252("verify", "tests/notes/seeds/000_bd776a7096b11a4f.txt")
    assert r.returncode == 1 and b"Traceback" not in r.stderr  # 1: the note has mistakes
    assert "h1 = sigma(" in r.stdout.decode("cp1252")
