"""Handouts: variants drawn from the seed, byte-identical for the same seed, workable by hand, and
answer keys whose every number is the engine's (checked against `derive gradients` on the variant and
against central finite differences and a forward pass written out here)."""

import math
import re
import shutil
import subprocess
from fractions import Fraction

import pytest

from derive import derive, load
from derive.cli.main import main
from derive.derivation.numeric import finite_differences
from derive.document.formatting import fmt
from derive.document.handout import variants
from derive.output.render import handout_files
from derive.output.terminal import to_json

HAVE_TEX = bool(shutil.which("pdflatex"))


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(text: str, heading: str) -> list[list[str]]:
    """The rows of the first Markdown table after a heading, as lists of cells."""
    part = text.split(heading, 1)[1]
    rows = []
    for line in part.splitlines():
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # past the header and the rule


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    out = tmp_path_factory.mktemp("handouts")
    code = main(["handout", "mlp-222", "--variants", "3", "--seed", "7", "-o", str(out)])
    assert code == 0
    return out


def test_three_variants_three_sheets_three_keys(three):
    names = sorted(p.name for p in three.iterdir())
    assert names == ["mlp-222-1-answers.md", "mlp-222-1-exercise.md", "mlp-222-2-answers.md",
                     "mlp-222-2-exercise.md", "mlp-222-3-answers.md", "mlp-222-3-exercise.md",
                     "mlp-222-network.svg"]
    sheets = [(three / f"mlp-222-{k}-exercise.md").read_text() for k in (1, 2, 3)]
    assert len(set(sheets)) == 3
    values = [v.network.values for v in variants(load("mlp-222"), 3, 7)]
    assert values[0] != values[1] != values[2] != values[0]


def test_the_same_seed_gives_the_same_bytes():
    net = load("mlp-222")
    assert handout_files(net, 2, 11, "md") == handout_files(net, 2, 11, "md")
    assert handout_files(net, 1, 11, "md") != handout_files(net, 1, 12, "md")


def test_values_are_few_decimals_and_nothing_saturates():
    for v in variants(load("mlp-222"), 5, 3):
        vals = v.network.values
        for name, x in vals.items():
            q = v.network[name]
            step = Fraction(1, 10) if q.role.value == "input" else Fraction(1, 20)
            assert (x / step).denominator == 1, (name, x)
        d = derive(v.network)
        for name in ("net_h1", "net_h2", "net_o1", "net_o2"):
            assert abs(d.values[name]) <= 2.5
        assert all(abs(d.gradients[p].value) >= 5e-4 for p in v.asked)


def test_every_number_of_every_answer_key_is_the_engines(three):
    for v in variants(load("mlp-222"), 3, 7):
        key = (three / f"mlp-222-{v.number}-answers.md").read_text()
        engine = to_json(derive(v.network))  # what `derive gradients --json` prints for these values
        # the answers at a glance: forward values, the loss, the asked gradients and their updates
        d = derive(v.network)
        expected = [d.values[q] for q in ("net_h1", "net_h2", "out_h1", "out_h2", "net_o1", "net_o2", "out_o1",
                                          "out_o2")]
        expected += [engine["loss"]["value"]] + [engine["gradients"][p]["value"] for p in v.asked]
        expected += [engine["updated"][p] for p in v.asked]
        answers = table_rows(key, "## The answers")
        assert [row[1] for row in answers] == [fmt(x) for x in expected]
        # the summary table: every gradient and every update
        summary = {re.sub(r"[${}_]", "", row[0]): row for row in table_rows(key, "## Every gradient and update")}
        for name, g in engine["gradients"].items():
            row = summary[name]
            assert row[3] == fmt(g["value"]) and row[4] == fmt(engine["updated"][name]), name


def test_answer_keys_agree_with_finite_differences_and_a_plain_forward_pass(three):
    for v in variants(load("mlp-222"), 3, 7):
        key = (three / f"mlp-222-{v.number}-answers.md").read_text()
        summary = {re.sub(r"[${}_]", "", row[0]): float(row[3])
                   for row in table_rows(key, "## Every gradient and update")}
        fd = finite_differences(v.network)
        for name, value in summary.items():
            assert value == pytest.approx(fd[name], abs=2e-9), name
        # the forward pass, written out here with math.exp
        x = {k: float(val) for k, val in v.network.values.items()}
        s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
        h1 = s(x["w1"] * x["i1"] + x["w2"] * x["i2"] + x["b1"])
        h2 = s(x["w3"] * x["i1"] + x["w4"] * x["i2"] + x["b1"])
        o1 = s(x["w5"] * h1 + x["w6"] * h2 + x["b2"])
        o2 = s(x["w7"] * h1 + x["w8"] * h2 + x["b2"])
        loss = 0.5 * (o1 - x["target_o1"]) ** 2 + 0.5 * (o2 - x["target_o2"]) ** 2
        answers = dict((row[0], float(row[1])) for row in table_rows(key, "## The answers"))
        assert answers[r"$\mathrm{out}_{o1}$"] == pytest.approx(o1, abs=6e-10)
        assert answers[r"$E_{\mathrm{total}}$"] == pytest.approx(loss, abs=6e-10)
        # w5's gradient by hand: (o1 - t1) o1 (1 - o1) h1
        if "w5" in v.asked:
            assert summary["w5"] == pytest.approx((o1 - x["target_o1"]) * o1 * (1 - o1) * h1, abs=6e-10)


def test_the_exercise_sheet_has_blanks_not_answers(three):
    v = variants(load("mlp-222"), 3, 7)[0]
    sheet = (three / "mlp-222-1-exercise.md").read_text()
    d = derive(v.network)
    for p in v.asked:
        assert fmt(d.gradients[p].value) not in sheet
        assert fmt(d.gradients[p].updated) not in sheet
    assert fmt(d.loss_value) not in sheet
    assert re.search(r"\| \$\\frac\{\\partial E_\{\\mathrm\{total\}\}\}\{\\partial w_\{\d\}\}\$ \| \| \|", sheet)


def test_other_kinds_of_network_get_handouts_too():
    files = handout_files(load("rnn-2step"), 1, 1, "md")
    assert set(files) == {"rnn-2step-network.svg", "rnn-2step-1-exercise.md", "rnn-2step-1-answers.md"}
    files = handout_files(load("mlp-231"), 2, 1, "tex")  # symbolic in the lecture; numbers drawn here
    assert all(b"0." in data for name, data in files.items() if name.endswith("answers.tex"))


@pytest.mark.skipif(not HAVE_TEX, reason="no TeX engine: apt-get install texlive-latex-base "
                    "texlive-latex-recommended texlive-pictures latexmk")
def test_pdf_handouts(tmp_path, capsys):
    code, _, err = run(capsys, "handout", "mlp-222", "--format", "pdf", "--seed", "7", "-o", tmp_path)
    assert code == 0, err
    assert (tmp_path / "mlp-222-1-answers.pdf").read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "mlp-222-1-answers.pdf"), "-"], capture_output=True,
                              text=True).stdout
        v = variants(load("mlp-222"), 1, 7)[0]
        assert fmt(derive(v.network).loss_value) in text


def test_fewer_variants_remove_the_earlier_extra_ones_of_ours_only(tmp_path, capsys):
    assert main(["handout", "mlp-222", "--variants", "3", "-o", str(tmp_path)]) == 0
    mine = tmp_path / "mlp-222-9-exercise.md"
    mine.write_text("my own sheet\n")
    edited = tmp_path / "mlp-222-3-answers.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nmy corrections\n", encoding="utf-8")
    assert main(["handout", "mlp-222", "--variants", "1", "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mlp-222-1-answers.md", "mlp-222-1-exercise.md", "mlp-222-3-answers.md", "mlp-222-9-exercise.md",
        "mlp-222-network.svg"]
