"""`derive verify NOTE --against TARGET`: a note is checked against the assignment's numbers, not only for
its own consistency. The note here is right for w5 = 0.45 (0.45 × 0.5 = 0.225)."""

import json
from pathlib import Path

from derive.cli.main import main

NOTE = Path(__file__).parent / "notes" / "families" / "against_w5.md"


def test_clean_on_its_own_and_wrong_against_the_classic_numbers(capsys):
    assert main(["verify", str(NOTE)]) == 0
    capsys.readouterr()
    assert main(["verify", str(NOTE), "--against", "mlp-222"]) == 1  # mlp-222 (note 001) has w5 = 0.40
    out = capsys.readouterr().out
    assert "w5 is 0.4 in the assignment; the note uses 0.45" in out
    assert out.count("WRONG") == 1  # reported once, where the note gives its own number


def test_against_a_numbered_variant_of_a_handout(tmp_path, capsys):
    assert main(["handout", "mlp-222", "--variants", "2", "--seed", "3", "-o", str(tmp_path)]) == 0
    key = json.loads((tmp_path / "mlp-222-2-key.json").read_text(encoding="utf-8"))
    w5 = float(key["values"]["w5"])  # the sheet's own number, from the handout's answer key
    capsys.readouterr()
    code = main(["verify", str(NOTE), "--against", "mlp-222", "--seed", "3", "--variant", "2"])
    out = capsys.readouterr().out
    assert (code == 1 and f"w5 is {w5:g} in the assignment" in out) or (w5 == 0.45 and code == 0)


def test_a_student_of_a_roster_and_one_who_is_not_on_it(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nA1,Ann\nB2,Bo\n", encoding="utf-8")
    assert main(["handout", "mlp-222", "--roster", str(roster), "--seed", "3", "-o", str(tmp_path)]) == 0
    keys = [p for p in tmp_path.glob("*B2*key.json")]
    w5 = float(json.loads(keys[0].read_text(encoding="utf-8"))["values"]["w5"])
    capsys.readouterr()
    code = main(["verify", str(NOTE), "--against", "mlp-222", "--seed", "3", "--roster", str(roster), "--id", "B2"])
    assert (code == 1 and f"w5 is {w5:g} in the assignment" in capsys.readouterr().out) or w5 == 0.45
    assert main(["verify", str(NOTE), "--against", "mlp-222", "--seed", "3", "--roster", str(roster),
                 "--id", "Z9"]) == 2
    assert "not in the roster" in capsys.readouterr().err
