"""`derive verify DIR --csv FILE`: a gradebook with one row per note of a class's folder."""

import csv
import shutil
from pathlib import Path

from derive.cli.main import main

NOTES = Path(__file__).parent / "notes" / "one_neuron"


def test_a_row_per_note_with_the_first_wrong_line(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(NOTES / "align_clean.md", folder / "s001.md")
    missing = (NOTES / "align_missing.md").read_text(encoding="utf-8")
    (folder / "s002.md").write_text("---\nid: A-17\n---\n" + missing, encoding="utf-8")
    book = tmp_path / "grades.csv"
    assert main(["verify", str(folder), "--csv", str(book)]) == 1  # s002 has the missing factor
    rows = {Path(r["file"]).name: r for r in csv.DictReader(book.open(encoding="utf-8"))}
    assert set(rows) == {"s001.md", "s002.md"}
    clean, wrong = rows["s001.md"], rows["s002.md"]
    assert clean["student_id"] == "s001" and clean["wrong"] == "0" and clean["first_wrong_line"] == ""
    assert wrong["student_id"] == "A-17" and int(wrong["wrong"]) >= 1
    # the row `&= (a - t)\, a (1 - a)` that drops the factor x: line 15 of the note, 18 after 3 lines of front matter
    lines = (folder / "s002.md").read_text(encoding="utf-8").splitlines()
    assert lines[int(wrong["first_wrong_line"]) - 1].strip() == "&= (a - t)\\, a (1 - a)"
    assert float(clean["coverage"]) == 1.0 and int(clean["claims_checked"]) >= 1


def test_the_gradebook_never_replaces_a_file_it_did_not_write(tmp_path, capsys):
    book = tmp_path / "grades.csv"
    book.write_text("the teacher's own marks\n", encoding="utf-8")
    assert main(["verify", str(NOTES / "align_clean.md"), "--csv", str(book)]) == 2
    assert book.read_text(encoding="utf-8") == "the teacher's own marks\n"
