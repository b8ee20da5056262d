"""`derive verify`: exit codes, the JSON interface, annotated copies, and several notes at once."""

import json
import shutil
from pathlib import Path

import pytest

from derive.cli import main

SEEDS = Path(__file__).parent / "notes" / "seeds"
CORRECT = SEEDS / "002_f8e2d75a1c700bfe.txt"
WRONG = SEEDS / "000_bd776a7096b11a4f.txt"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_0_when_nothing_is_wrong(capsys):
    code, out, _ = run(capsys, "verify", CORRECT)
    assert code == 0 and "0 wrong" in out


def test_exit_1_when_something_is_wrong(capsys):
    code, out, _ = run(capsys, "verify", WRONG)
    assert code == 1 and "WRONG" in out and "36:" in out


def test_json_keys(capsys):
    code, out, _ = run(capsys, "verify", WRONG, CORRECT, "--json")
    data = json.loads(out)
    assert code == 1 and [n["path"] for n in data["notes"]] == [str(WRONG), str(CORRECT)]
    note = data["notes"][0]
    assert set(note["summary"]) == {"correct", "wrong", "warning", "unverifiable"}
    claim = next(c for c in note["claims"] if c["line"] == 36)
    assert set(claim) >= {"line", "status", "source", "expected", "message"}
    assert claim["status"] == "wrong" and claim["expected"] == "0"


def test_unreadable_note_is_exit_2_and_the_others_are_still_checked(tmp_path, capsys):
    bad = tmp_path / "binary.md"
    bad.write_bytes(b"\xff\xfe\x00\x01")
    code, out, err = run(capsys, "verify", bad, CORRECT, "--json")
    data = json.loads(out)
    assert code == 2 and len(data["notes"]) == 1 and data["errors"][0]["path"] == str(bad)
    assert "Traceback" not in err


def test_missing_note(capsys):
    code, _, err = run(capsys, "verify", "no/such/note.md")
    assert code == 2 and "cannot read" in err


def test_a_formula_that_does_not_parse_is_reported_with_line_and_column(tmp_path, capsys):
    note = tmp_path / "note.md"
    note.write_text("Forward\n\n$$h = \\sigma(w x + b$$\n\n$$y = 2 \\cdot 3 = 6$$\n")
    code, out, _ = run(capsys, "verify", note, "--json")
    claims = json.loads(out)["notes"][0]["claims"]
    bad = [c for c in claims if c["line"] == 3]
    assert bad and bad[0]["status"] == "unverifiable" and "cannot read" in bad[0]["message"]
    assert any(c["line"] == 5 and c["status"] == "correct" for c in claims)  # the rest is still checked


def test_annotated_copy(tmp_path, capsys):
    note = tmp_path / "note.md"
    shutil.copy(WRONG, note)
    code, _, err = run(capsys, "verify", note, "--format", "md", "-o", tmp_path / "out")
    copy = (tmp_path / "out" / "note.checked.md").read_text()
    assert code == 1 and "**wrong** (line 36)" in copy
    assert note.read_text() == WRONG.read_text()  # the note itself is untouched


def test_annotated_copy_replaces_its_own_output_but_no_other_file(tmp_path, capsys):
    note = tmp_path / "note.md"
    shutil.copy(WRONG, note)
    out = tmp_path / "out"
    run(capsys, "verify", note, "--format", "md", "-o", out)
    first = (out / "note.checked.md").read_bytes()
    code, _, err = run(capsys, "verify", note, "--format", "md", "-o", out)  # a second run: same bytes
    assert code == 1 and (out / "note.checked.md").read_bytes() == first
    (out / "note.checked.md").write_text("the user's own file\n")
    code, _, err = run(capsys, "verify", note, "--format", "md", "-o", out)
    assert code == 2 and "--force" in err and (out / "note.checked.md").read_text() == "the user's own file\n"
    code, _, _ = run(capsys, "verify", note, "--format", "md", "-o", out, "--force")
    assert code == 1 and (out / "note.checked.md").read_bytes() == first


def test_jobs_give_the_same_report(capsys):
    notes = sorted(SEEDS.glob("*.txt"))
    one = run(capsys, "verify", *notes, "--json")[1]
    two = run(capsys, "verify", *notes, "--json", "--jobs", "2")[1]
    assert one == two


def test_aliases_from_a_spec(tmp_path, capsys):
    note = tmp_path / "note.md"
    note.write_text("$$z = w_a h + b$$\n\n$$\\frac{\\partial z}{\\partial w_{41}} = h$$\n")
    spec = tmp_path / "aliases.toml"
    spec.write_text('[aliases]\nw41 = "w_a"\n')
    code, out, _ = run(capsys, "verify", note, "--spec", spec, "--json")
    claims = json.loads(out)["notes"][0]["claims"]
    assert code == 0 and [c["status"] for c in claims] == ["correct"]


@pytest.mark.parametrize("content", ["", "no maths at all\n", "$$\n", "$$x = $$"])
def test_degenerate_notes(tmp_path, capsys, content):
    note = tmp_path / "note.md"
    note.write_text(content)
    code, _, err = run(capsys, "verify", note)
    assert code in (0, 1) and "Traceback" not in err
