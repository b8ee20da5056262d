"""The reports on the five real notes are kept in output/verify; regenerating them changes nothing.

They are made from the repository's root with
    derive verify tests/notes/seeds/*.txt > output/verify/report.txt
    derive verify tests/notes/seeds/*.txt --json > output/verify/report.json
    derive verify tests/notes/seeds/*.txt --format md -o output/verify
(each exits 1: the notes have mistakes). The verdicts themselves are pinned in test_verify_seeds.py.
"""

from pathlib import Path

import pytest

from derive.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "output" / "verify"
NOTES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "notes" / "seeds").glob("*.txt"))


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("name, options", [("report.txt", []), ("report.json", ["--json"])])
def test_report_is_current(at_root, capsys, name, options):
    assert main(["verify", *NOTES, *options]) == 1
    out = capsys.readouterr().out
    assert out == (REPORTS / name).read_text(encoding="utf-8"), f"output/verify/{name} is stale"


def test_annotated_copies_are_current(at_root, tmp_path, capsys):
    assert main(["verify", *NOTES, "--format", "md", "-o", str(tmp_path)]) == 1
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(Path(n).stem + ".checked.md" for n in NOTES)
    for name in made:
        assert (tmp_path / name).read_bytes() == (REPORTS / name).read_bytes(), f"output/verify/{name} is stale"
