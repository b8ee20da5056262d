"""`derive handout --tolerance REL`: the relative error an answer may have, stated on every sheet and in
every key and export, and in the command that makes the sheets again."""

import json

from derive.cli.main import main


def test_the_tolerance_reaches_the_sheet_the_key_and_the_command(tmp_path, capsys):
    assert main(["handout", "mlp-222", "--variants", "2", "--seed", "3", "--tolerance", "1/100",
                 "-o", str(tmp_path)]) == 0
    key = json.loads((tmp_path / "mlp-222-1-key.json").read_text(encoding="utf-8"))
    assert key["tolerance"]["relative"] == 0.01
    assert all(a["rtol"] == 0.01 and abs(a["atol"] - abs(a["value"]) / 100) < 1e-12 for a in key["answers"])
    assert "--tolerance 1/100" in key["reproduce"]["command"]
    assert "within 1 % of the exact value" in (tmp_path / "mlp-222-1-exercise.md").read_text(encoding="utf-8")


def test_the_default_is_a_thousandth_and_the_command_does_not_repeat_it(tmp_path, capsys):
    assert main(["handout", "mlp-222", "--seed", "3", "-o", str(tmp_path)]) == 0
    key = json.loads((tmp_path / "mlp-222-1-key.json").read_text(encoding="utf-8"))
    assert key["tolerance"]["relative"] == 0.001 and "--tolerance" not in key["reproduce"]["command"]


def test_a_tolerance_that_makes_no_sense_is_one_line(tmp_path, capsys):
    for bad in ("0", "-0.1", "2", "abc", "1/0"):
        assert main(["handout", "mlp-222", "--tolerance", bad, "-o", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--tolerance" in err
    assert not (tmp_path / "x").exists()
