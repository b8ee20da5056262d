"""`derive verify`: exit codes, the JSON interface, annotated copies, and several notes at once."""

import json
import os
import shutil
from pathlib import Path

import pytest

from derive.cli.main import main

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


def test_a_count_is_never_split_from_what_it_counts(capsys, tmp_path):
    deep = tmp_path / ("d" * 30) / ("e" * 20)
    deep.mkdir(parents=True)
    shutil.copy(CORRECT, deep / CORRECT.name)
    code, out, _ = run(capsys, "verify", deep / CORRECT.name)
    assert code == 0 and all(len(line) <= 80 for line in out.splitlines())
    assert "0 wrong" in out and "formulas checked" in out


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
    assert code == 0 and [c["status"] for c in claims] == ["definition", "correct"]
    assert claims[0]["line"] == 1 and "definition of z" in claims[0]["message"]  # what the verdict rests on


@pytest.mark.parametrize("content", ["", "no maths at all\n", "$$\n", "$$x = $$"])
def test_degenerate_notes(tmp_path, capsys, content):
    note = tmp_path / "note.md"
    note.write_text(content)
    code, _, err = run(capsys, "verify", note)
    assert code in (0, 1) and "Traceback" not in err


def test_a_folder_stands_for_the_notes_in_it_and_its_subfolders(tmp_path, capsys):
    (tmp_path / "s1").mkdir()
    (tmp_path / "s1" / ".ipynb_checkpoints").mkdir()
    shutil.copy(WRONG, tmp_path / "s1" / "note.txt")
    shutil.copy(WRONG, tmp_path / "s1" / ".ipynb_checkpoints" / "note.txt")  # hidden: left out
    shutil.copy(CORRECT, tmp_path / "a.md")
    (tmp_path / "a.checked.md").write_text("derive's own copy\n")  # left out
    (tmp_path / "data.csv").write_text("1,2\n")  # not a note
    code, out, _ = run(capsys, "verify", tmp_path, "--json")
    paths = [n["path"] for n in json.loads(out)["notes"]]
    assert code == 1 and paths == [str(tmp_path / "a.md"), str(tmp_path / "s1" / "note.txt")]


def test_a_folder_with_no_notes_is_reported_and_the_others_are_checked(tmp_path, capsys):
    code, out, err = run(capsys, "verify", CORRECT, tmp_path, WRONG)
    assert code == 2 and "a folder with no notes" in err
    assert CORRECT.name in out and WRONG.name in out


def test_notes_with_the_same_name_get_copies_of_their_own(tmp_path, capsys):
    for student, seed in (("s1", CORRECT), ("s2", WRONG)):
        (tmp_path / student).mkdir()
        shutil.copy(seed, tmp_path / student / "note.md")
    out_dir = tmp_path / "out"
    code, _, _ = run(capsys, "verify", tmp_path / "s1" / "note.md", tmp_path / "s2" / "note.md", "-o", out_dir)
    assert code == 1  # -o alone implies --format md; the report is printed too
    assert sorted(p.name for p in out_dir.iterdir()) == ["s1_note.checked.md", "s2_note.checked.md"]
    assert "✗" not in (out_dir / "s1_note.checked.md").read_text(encoding="utf-8")
    assert "✗" in (out_dir / "s2_note.checked.md").read_text(encoding="utf-8")


def test_a_note_without_mathematics_says_so(tmp_path, capsys):
    prose = tmp_path / "prose.md"
    prose.write_text("Backpropagation is the chain rule, applied backwards.\n")
    code, out, _ = run(capsys, "verify", prose)
    assert code == 1 and "nothing checked: no mathematics found" in " ".join(out.split()) and "100%" not in out
    code, out, err = run(capsys, "verify", prose, "--json")  # the JSON says it, and so does stderr
    note = json.loads(out)["notes"][0]
    assert code == 1 and note["nothing_checked"] == "no mathematics found" and note["coverage"] == 0
    assert "nothing checked" in err


def test_a_note_whose_every_claim_is_unverifiable_says_why(tmp_path, capsys):
    note = tmp_path / "note.md"
    note.write_text("$$h = \\sigma(w x + b$$\n\n$$g = \\sigma(v y + c$$\n\n$$y = f(q)$$\n")
    code, out, _ = run(capsys, "verify", note)
    out = " ".join(out.split())
    # both claims cannot be read; the definition of y alone is no check: 0 of the 3 formulas
    assert code == 1 and "nothing checked: every claim is unverifiable: all 2 cannot be read, e.g. line 1:" in out
    assert "0 of 3 formulas checked (0%)" in out


def test_coverage_in_json_per_note_and_in_total(capsys):
    code, out, _ = run(capsys, "verify", WRONG, CORRECT, "--json")
    data = json.loads(out)
    for note in data["notes"]:
        assert {"coverage", "formulas_found", "formulas_checked", "claims_checked"} <= set(note)
        assert note["coverage"] == round(note["formulas_checked"] / note["formulas_found"], 4)
        verdicts = [c for c in note["claims"] if c["status"] != "definition"]  # (a definition is no verdict)
        assert note["claims_checked"] == sum(1 for c in verdicts if c["status"] != "unverifiable")
        assert note["definitions_read"] == len(note["claims"]) - len(verdicts)
    total = data["total"]
    assert total["notes"] == 2 and total["nothing_checked"] == []
    assert total["formulas_found"] == sum(n["formulas_found"] for n in data["notes"])
    assert total["summary"]["wrong"] == sum(n["summary"]["wrong"] for n in data["notes"])


def test_the_text_report_says_coverage_and_fits_80_columns(capsys):
    code, out, _ = run(capsys, "verify", WRONG, CORRECT)
    assert code == 1 and "formulas checked (" in out and "total, 2 notes:" in out
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize("given, code", [("50", 0), ("0.5", 0), ("50%", 0), ("60", 1), ("0.6", 1), ("60%", 1),
                                         ("1", 1), ("0", 0)])
def test_min_coverage_as_a_percentage_or_a_fraction(tmp_path, capsys, given, code):
    note = tmp_path / "note.md"
    note.write_text("$$h = \\sigma(w x + b$$\n\n$$y = 2 \\cdot 3 = 6$$\n")  # 1 of 2 formulas readable: 50%
    got, out, err = run(capsys, "verify", note, "--min-coverage", given)
    assert "1 of 2 formulas checked (50%)" in out
    assert got == code and ("coverage below" in err and "note.md (50%)" in err) == bool(code)


@pytest.mark.parametrize("given", ["101", "-1", "lots", "nan"])
def test_min_coverage_out_of_range_is_a_usage_error(capsys, given):
    code, _, err = run(capsys, "verify", CORRECT, "--min-coverage", given)
    assert code == 2 and "min-coverage" in err


def test_a_note_from_standard_input(capsys, monkeypatch):
    import io

    text = "Forward\n\n$$y = 2 \\cdot 3 = 7$$\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out, _ = run(capsys, "verify", "-", "--json")
    note = json.loads(out)["notes"][0]
    assert code == 1 and note["path"] == "-"
    assert [(c["line"], c["status"]) for c in note["claims"]] == [(3, "wrong")]


def test_a_notebook_is_checked_on_its_markdown_cells(tmp_path, capsys):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Notes\n", "\n", "$$y = 2 \\cdot 3 = 7$$"]},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": "y = 7"},
             {"cell_type": "markdown", "metadata": {}, "source": "$$z = 2 + 2 = 4$$"}]
    nb = tmp_path / "note.ipynb"
    nb.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    code, out, _ = run(capsys, "verify", nb, "--json")
    claims = json.loads(out)["notes"][0]["claims"]
    assert code == 1 and [(c["line"], c["status"]) for c in claims] == [(3, "wrong"), (5, "correct")]
    assert claims[0]["source"] == "2 \\cdot 3 = 7"
    code, out, _ = run(capsys, "verify", nb, "--format", "md")
    assert "\n# Notes\n" in out and "wrong" in out and "\"cells\"" not in out


needs_devices = pytest.mark.skipif(not (Path("/dev/zero").exists() and hasattr(__import__("os"), "mkfifo")),
                                   reason="needs /dev/zero and FIFOs")


@needs_devices
def test_a_note_that_is_no_regular_file_is_not_checked_and_the_batch_goes_on(tmp_path, run_bounded):
    import os

    os.mkfifo(tmp_path / "pipe.md")
    code, out, err = run_bounded(tmp_path, "verify", "/dev/zero", "pipe.md", CORRECT, "--json")
    assert code == 2, err
    data = json.loads(out)
    assert [n["path"] for n in data["notes"]] == [str(CORRECT)]
    assert {e["path"]: e["message"] for e in data["errors"]} == {
        "/dev/zero": "not a regular file (a character device); give a file",
        "pipe.md": "not a regular file (a named pipe); give a file"}
    assert err.splitlines() == ["derive: /dev/zero: not a regular file (a character device); give a file",
                                "derive: pipe.md: not a regular file (a named pipe); give a file"]


@needs_devices
@pytest.mark.parametrize("spec", ["/dev/zero", "pipe.toml", "folder"])
def test_a_spec_that_is_no_regular_file_is_refused_in_one_line(tmp_path, spec, run_bounded):
    import os

    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "folder").mkdir()
    code, out, err = run_bounded(tmp_path, "verify", CORRECT, "--spec", spec, seconds=30)
    assert code == 2 and out == "", err
    assert len(err.splitlines()) == 1 and err.startswith(f"derive: error: --spec {spec}: not a regular file"), err


def test_a_note_past_the_size_limit_is_not_checked(tmp_path, capsys, monkeypatch):
    import io

    from derive.cli.verify import MAX_NOTE_BYTES

    big = tmp_path / "big.md"
    big.write_text("$$y = 2 + 2 = 4$$\n" + "x" * MAX_NOTE_BYTES)
    code, out, err = run(capsys, "verify", big, CORRECT, "--json")
    assert code == 2 and [n["path"] for n in json.loads(out)["notes"]] == [str(CORRECT)]
    assert err == f"derive: {big}: larger than the {MAX_NOTE_BYTES:,} bytes a note may have\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(big.read_bytes())))
    code, out, err = run(capsys, "verify", "-")
    assert code == 2 and out == "" and err == (f"derive: error: standard input: larger than the "
                                               f"{MAX_NOTE_BYTES:,} bytes a note may have\n")


def test_a_note_named_with_a_line_break_is_reported_on_one_line(tmp_path, capsys):
    bad = tmp_path / "two\nlines.md"
    bad.write_bytes(b"\xff\xfe")
    code, _, err = run(capsys, "verify", bad, CORRECT)
    assert code == 2 and len(err.splitlines()) == 1 and "two?lines.md: not UTF-8 text" in err, err


def test_an_annotated_copy_never_overwrites_the_spec_even_with_force(tmp_path, capsys):
    note = tmp_path / "k.md"
    shutil.copy(CORRECT, note)
    spec = tmp_path / "k.checked.md"  # where the copy of k.md would go
    spec.write_text("[aliases]\n")
    code, _, err = run(capsys, "verify", note, "--spec", spec, "-o", tmp_path, "--force")
    assert code == 2 and "will not overwrite an input file" in err, err
    assert spec.read_text() == "[aliases]\n"


def test_the_report_fits_a_terminal_of_its_width_and_a_pipe_gets_80_columns(monkeypatch, capsys):
    from derive.cli import verify as cli_verify
    note = str(SEEDS / "001_84a26f5000e749b5.txt")
    assert main(["verify", note]) == 1
    piped = capsys.readouterr().out
    assert max(map(len, piped.splitlines())) <= 80
    monkeypatch.setattr(cli_verify.sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(cli_verify.shutil, "get_terminal_size", lambda fallback: os.terminal_size((120, 40)))
    assert main(["verify", note]) == 1
    wide = capsys.readouterr().out
    assert max(map(len, wide.splitlines())) > 80 and max(map(len, wide.splitlines())) <= 120


def test_quiet_keeps_results_and_errors_and_drops_what_was_written(tmp_path, capsys):
    note = tmp_path / "n.md"
    note.write_text("$$y = 2 \\cdot 3 = 7$$\n", encoding="utf-8")
    assert main(["--quiet", "verify", str(note), "-o", str(tmp_path / "out")]) == 1
    out, err = capsys.readouterr()
    assert "1 wrong" in out and "wrote" not in err and (tmp_path / "out" / "n.checked.md").exists()
    assert main(["verify", str(note), "-o", str(tmp_path / "out2")]) == 1
    assert "wrote" in capsys.readouterr().err
