"""Handouts for the screen and for printing: HTML sheets whose answer key keeps every answer and every
solution behind a toggle (<details>) that printing opens, and one combined file of a whole class (--combine)
holding every student's sheet, each from a new page."""

import json
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from derive.classroom.owned import owns
from derive.cli.main import main
from derive.document.formatting import fmt
from derive.output.files import is_ours

HAVE_TEX = bool(shutil.which("pdflatex"))


class Details(HTMLParser):
    """The text inside each <details> element, and the text outside all of them."""

    def __init__(self):
        super().__init__()
        self.depth, self.inside, self.outside = 0, [], []

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            self.depth += 1
            if self.depth == 1:
                self.inside.append("")

    def handle_endtag(self, tag):
        if tag == "details":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.inside[-1] += data
        else:
            self.outside.append(data)


def roster(tmp_path, text="id,name\nA7,Ada\nB8,Alan\n"):
    path = tmp_path / "roster.csv"
    path.write_text(text)
    return path


def test_html_answers_keep_every_answer_behind_a_toggle(tmp_path):
    out = tmp_path / "out"
    assert main(["handout", "mlp-222", "--roster", str(roster(tmp_path)), "--format", "html", "-o", str(out)]) == 0
    for sid in ("A7", "B8"):
        key = json.loads((out / f"mlp-222-{sid}-key.json").read_text())
        answers = (out / f"mlp-222-{sid}-answers.html").read_text()
        exercise = (out / f"mlp-222-{sid}-exercise.html").read_text()
        assert is_ours(out / f"mlp-222-{sid}-answers.html") and is_ours(out / f"mlp-222-{sid}-exercise.html")
        parsed = Details()
        parsed.feed(answers)
        hidden, shown = " ".join(parsed.inside), " ".join(parsed.outside)
        for a in key["answers"]:
            assert fmt(a["value"]) in hidden, a["id"]
        for a in key["answers"]:
            if a["part"] in ("gradient", "update", "loss"):
                assert fmt(a["value"]) not in shown and fmt(a["value"]) not in exercise, a["id"]
        # every asked gradient's worked solution is behind a toggle of its own
        assert sum(1 for text in parsed.inside if "By the chain rule" in text) == len(key["asked"])
        # printing opens the toggles: a print style and a beforeprint handler
        assert "@media print" in answers and 'addEventListener("beforeprint"' in answers
        assert "<math" in exercise and "<svg" in exercise and f"<td>{sid}</td>" in exercise


def test_combine_puts_every_students_sheet_in_one_file(tmp_path):
    out = tmp_path / "out"
    for fmt_ in ("md", "html"):
        assert main(["handout", "mlp-222", "--roster", str(roster(tmp_path)), "--format", fmt_, "--combine",
                     "-o", str(out)]) == 0
        combined = (out / f"mlp-222-exercises.{fmt_}").read_text()
        assert is_ours(out / f"mlp-222-exercises.{fmt_}")
        for sid in ("A7", "B8"):
            single = (out / f"mlp-222-{sid}-exercise.{fmt_}").read_text()
            body = single.split("\n", 1)[1]  # past the marker line
            if fmt_ == "html":
                body = body[body.index('<section class="sheet">'):body.index("</section>")]
            assert body in combined
        assert combined.count("Exercise: backpropagation by hand (the sheet of student") == 2
    assert combined.count('<section class="sheet">') == 2 and ".sheet + .sheet { break-before: page" in combined


def test_combine_with_numbered_variants(tmp_path, capsys):
    assert main(["handout", "mlp-221", "--variants", "3", "--combine", "-o", str(tmp_path)]) == 0
    text = (tmp_path / "mlp-221-exercises.md").read_text()
    assert [f"(variant {k} of 3)" in text for k in (1, 2, 3)] == [True] * 3
    assert text.count("page-break-after: always") == 2
    assert owns(tmp_path / "mlp-221-1-key.json")


@pytest.mark.skipif(not HAVE_TEX or not shutil.which("pdfinfo"), reason="needs pdflatex and pdfinfo")
def test_combined_pdf_has_every_sheet_from_a_new_page(tmp_path):
    out = tmp_path / "out"
    assert main(["handout", "mlp-222", "--roster", str(roster(tmp_path)), "--format", "pdf", "--combine",
                 "-o", str(out)]) == 0

    def pages(path):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))

    combined = out / "mlp-222-exercises.pdf"
    assert combined.read_bytes().startswith(b"%PDF") and is_ours(combined)
    assert pages(combined) == pages(out / "mlp-222-A7-exercise.pdf") + pages(out / "mlp-222-B8-exercise.pdf")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(combined), "-"], capture_output=True, text=True).stdout
        sheets = text.split("Exercise: backpropagation by hand")[1:]
        assert len(sheets) == 2 and "student A7" in sheets[0] and "student B8" in sheets[1]
