"""A time budget for each whole note (reading, front matter, alignment and every claim): a note that
takes longer is reported not checked, and the other notes of the batch are checked."""

import time
from pathlib import Path

from derive.cli.main import main

CLEAN = Path(__file__).parent / "notes" / "one_neuron" / "align_clean.md"


def test_a_slow_note_is_not_checked_and_the_batch_goes_on(tmp_path, capsys):
    slow = tmp_path / "slow.md"
    # a power tower in a definition: working with b·9^(9^9) takes far longer than the budget
    slow.write_text("$$z = w x + b 9^{9^{9}}$$\n\n$$\\frac{\\partial z}{\\partial w} = x$$\n", encoding="utf-8")
    start = time.monotonic()
    code = main(["verify", str(CLEAN), str(slow), "--time-limit", "1"])
    elapsed = time.monotonic() - start
    out = capsys.readouterr()
    assert code == 2 and elapsed < 15
    assert "took longer than 1 s" in out.err and "align_clean.md: 2 correct, 0 wrong" in out.out  # 1 s + 2 s/KB


def test_claims_keep_their_own_limit_inside_the_note_budget(capsys):
    assert main(["verify", str(CLEAN), "--time-limit", "30"]) == 0
    assert "0 wrong" in capsys.readouterr().out
