"""Reliability of `derive verify` under hostile or careless notes: the front matter, a note's memory,
and how many notes are checked at once."""

import time

import pytest

from derive.cli.main import main
from derive.verify import verify_text

CLEAN = "$$y = 2 \\cdot 3 = 6$$\n"

# 377 bytes whose aliases stand for 9^9 (387 million) strings: the "billion laughs"
LAUGHS = "---\n" + 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi")) + "aliases: {x: *i}\n---\n" \
    + "$$x = 1$$\n"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- front matter: safe YAML, no aliases, a size limit -----------------------------------------------

def test_a_billion_laughs_front_matter_is_refused_in_one_line_quickly(tmp_path, run_bounded):
    assert len(LAUGHS.encode()) == 377
    (tmp_path / "laughs.md").write_text(LAUGHS, encoding="utf-8")
    start = time.monotonic()
    code, out, err = run_bounded(tmp_path, "verify", "laughs.md", seconds=30)  # 2 GB of memory at most
    assert code == 2 and time.monotonic() - start < 20
    assert err.strip().splitlines() == ["derive: laughs.md:3: front matter is not valid YAML: aliases (*name) "
                                        "are not allowed"]


@pytest.mark.parametrize("front, line, message", [
    ("id: " + "[" * 5000, 2, "front matter is nested too deeply"),
    ("id: 1\n" + "a: 1\n" * 5000, 1, "front matter is longer than 20,000 characters"),
    ("id: " + "9" * 5000, 2, "front matter has a value that cannot be read"),
    ("id: [1", 2, "front matter is not valid YAML"),
    ("id: 1\naliases: [w_1, w_2]", 3, "front matter: aliases must be name: name lines"),
    ("aliases:\n  w_1: {a: 1}", 2, "front matter: aliases must be name: name lines"),
], ids=["nested", "long", "digits", "invalid", "aliases-list", "aliases-nested"])
def test_front_matter_that_cannot_be_read_safely_is_one_line_naming_its_line(tmp_path, capsys, front, line,
                                                                               message):
    (tmp_path / "n.md").write_text(f"---\n{front}\n---\n{CLEAN}", encoding="utf-8")
    code, out, err = run(capsys, "verify", tmp_path / "n.md")
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"derive: {tmp_path / 'n.md'}:{line}: {message}")


def test_front_matter_with_an_anchor_but_no_alias_and_its_aliases_table_are_read():
    text = "---\nid: &who s17\naliases:\n  w_a: w1\n---\n$$w_a = 0.5$$\n$$y = 2 w_a = 1$$\n"
    report = verify_text("n.md", text)
    assert report.student_id == "s17" and report.verdicts and all(v.status == "correct" for v in report.verdicts)


# --- a memory budget for each note: past it the note is not checked, and the batch goes on ----------

def long_sum(tmp_path):
    """A note whose one formula, a sum of 50,000 ones, takes over 100 MB to read."""
    note = tmp_path / "long.md"
    note.write_text("$$y = " + "1 + " * 50_000 + "1 = 50001$$\n", encoding="utf-8")
    (tmp_path / "clean.md").write_text(CLEAN, encoding="utf-8")
    return note


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_note_past_its_memory_budget_is_not_checked_and_the_batch_goes_on(tmp_path, run_bounded, jobs):
    long_sum(tmp_path)
    code, out, err = run_bounded(tmp_path, "verify", "long.md", "clean.md", "--memory-limit", "40", "--jobs", jobs,
                                 seconds=120)
    assert code == 2, err
    assert err.strip().splitlines() == ["derive: long.md: needed more than 40 MB to check; nothing of it is reported"]
    assert "clean.md: 1 correct, 0 wrong" in " ".join(out.split())


# --- --jobs: at most the cores there are ------------------------------------------------------------

def test_more_jobs_than_cores_are_lowered_to_the_cores_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("derive.cli.verify._cores", lambda: 2)
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(CLEAN, encoding="utf-8")
    code, out, err = run(capsys, "verify", tmp_path / "a.md", tmp_path / "b.md", "--jobs", "1000")
    assert code == 0 and err == "derive: --jobs 1000 lowered to 2, the number of cores available\n"
    assert " ".join(out.split()).count("1 correct, 0 wrong") == 2


def test_jobs_up_to_the_cores_are_taken_as_given(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("derive.cli.verify._cores", lambda: 2)
    (tmp_path / "a.md").write_text(CLEAN, encoding="utf-8")
    code, out, err = run(capsys, "verify", tmp_path / "a.md", "--jobs", "2")
    assert code == 0 and err == "" and "1 correct, 0 wrong" in " ".join(out.split())


def test_a_formula_nested_too_deeply_or_a_number_too_long_is_unverifiable_not_a_traceback():
    deep = "\\sigma(" * 400 + "x" + ")" * 400
    note = f"# Deep\n\n$$y = {deep}$$\n\n$$z = 1{'1' * 5000} = 2$$\n\n$$a = 2 \\cdot 3 = 7$$\n"
    report = verify_text("deep.md", note, limit=60)
    # the two formulas are reported unverifiable; the note goes on to the last line, whose 2·3 = 6, not 7
    assert any(v.line == 5 and v.status == "unverifiable" and "too long" in v.message for v in report.verdicts)
    assert any(v.line == 7 and v.status == "wrong" for v in report.verdicts)


def test_a_run_of_minus_signs_is_refused_at_once_instead_of_doubling_the_time_per_sign():
    note = "# Minus\n\n$$x = " + "-" * 40 + "1$$\n\n$$a = 2 \\cdot 3 = 7$$\n"
    start = time.monotonic()
    report = verify_text("minus.md", note, limit=60)
    # 26 minus signs took about 10 s before (each one more doubled it); refused before parsing now
    assert time.monotonic() - start < 20
    assert any(v.line == 3 and v.status == "unverifiable" and "minus" in v.message for v in report.verdicts)
    assert any(v.line == 5 and v.status == "wrong" for v in report.verdicts)
