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
from derive.document.handout import paths, sheet, variants
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
    assert names == ["mlp-222-1-answers.md", "mlp-222-1-exercise.md", "mlp-222-1-key.json", "mlp-222-2-answers.md",
                     "mlp-222-2-exercise.md", "mlp-222-2-key.json", "mlp-222-3-answers.md", "mlp-222-3-exercise.md",
                     "mlp-222-3-key.json", "mlp-222-network.svg"]
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
    assert re.search(r"### \d\. \$\\frac\{\\partial E_\{\\mathrm\{total\}\}\}\{\\partial w_\{\d\}\}\$\n\n"
                     r"Chain rule, local derivatives and value \(the model answer takes about \d+ lines\):\n", sheet)


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
        for part in ("exercise", "answers"):
            assert page_ends(tmp_path / f"mlp-222-1-{part}.pdf") and not [
                line for line in page_ends(tmp_path / f"mlp-222-1-{part}.pdf") if HEADING.match(line)]


HEADING = re.compile(r"(\d+(\.\d+)*\s+[A-Z][a-z]|Gradient of|The (answers|values)|Every gradient)")


def page_ends(pdf) -> list[str]:
    """The last line of text on every page but the last, above the page number."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    ends = []
    for page in text.split("\f")[:-1]:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = lines[:-1] if lines and lines[-1].isdigit() else lines
        if body:
            ends.append(body[-1])
    return ends[:-1]


def test_fewer_variants_remove_the_earlier_extra_ones_of_ours_only(tmp_path, capsys):
    assert main(["handout", "mlp-222", "--variants", "3", "-o", str(tmp_path)]) == 0
    mine = tmp_path / "mlp-222-9-exercise.md"
    mine.write_text("my own sheet\n")
    edited = tmp_path / "mlp-222-3-answers.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nmy corrections\n", encoding="utf-8")
    assert main(["handout", "mlp-222", "--variants", "1", "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mlp-222-1-answers.md", "mlp-222-1-exercise.md", "mlp-222-1-key.json", "mlp-222-3-answers.md",
        "mlp-222-9-exercise.md", "mlp-222-network.svg"]


def spec_net(tmp_path, text: str):
    path = tmp_path / "net.toml"
    path.write_text(text)
    return load(str(path))


def test_forty_variants_are_equally_hard_and_have_no_tied_values():
    net = load("mlp-222")
    count = paths(net)
    assert [count[p] for p in ("w1", "w5", "b1", "b2")] == [2, 1, 4, 2]  # b1 feeds h1 and h2, each o1 and o2
    vs = variants(net, 40, 7)
    layers = {"inputs": ("i1", "i2"), "layer 1": ("w1", "w2", "w3", "w4", "b1"),
              "layer 2": ("w5", "w6", "w7", "w8", "b2")}
    for v in vs:
        for where, names in layers.items():
            values = [v.network.values[n] for n in names]
            assert len(set(values)) == len(values), (v.number, where, values)
    # the same roles in every variant: the same number of chain-rule paths, gradient by gradient
    assert {tuple(count[p] for p in v.asked) for v in vs} == {(2, 1, 2)}
    assert len({v.asked for v in vs}) > 1  # which weight of a role is asked still varies


def test_hints_follow_the_activations_used(tmp_path):
    net = spec_net(tmp_path, 'layers = [3, 4, 2]\nactivation = ["tanh", "softmax"]\nloss = "cross_entropy"\n')
    files = handout_files(net, 2, 1, "md")
    for k in (1, 2):
        sheet = files[f"net-{k}-exercise.md"].decode()
        assert r"\tanh'(z) = 1 - a^{2}" in sheet and r"= p_i - t_i" in sheet
        assert r"\sigma" not in sheet and "σ" not in sheet
    net = spec_net(tmp_path, 'layers = [2, 3, 1]\nactivation = ["relu", "linear"]\n')
    sheet = handout_files(net, 1, 1, "md")["net-1-exercise.md"].decode()
    assert r"\operatorname{ReLU}'(z) = \mathbf{1}[z > 0]" in sheet and "with ReLU and linear units" in sheet
    assert r"\sigma" not in sheet and r"\tanh" not in sheet
    sheet = handout_files(load("mlp-222"), 1, 1, "md")["mlp-222-1-exercise.md"].decode()
    assert r"\sigma'(z) = a\,(1 - a)" in sheet and "ReLU" not in sheet


def test_the_tolerance_is_stated_on_the_sheet_and_in_the_key():
    files = handout_files(load("mlp-222"), 1, 7, "tex")
    for part in ("exercise", "answers"):
        text = " ".join(files[f"mlp-222-1-{part}.tex"].decode().split())
        assert r"within 0.1\,\% of the" in text and "(relative error at most $10^{-3}$)" in text
    v = variants(load("mlp-222"), 1, 7, tolerance=Fraction(1, 200))[0]
    s, _ = sheet(v, 1, 7)
    assert (s.tolerance, s.tolerance_percent, s.tolerance_tex) == (0.005, "0.5", "0.005")


def test_name_id_and_points_fields(three):
    text = (three / "mlp-222-1-exercise.md").read_text()
    assert "| name | student ID | points |" in text and "___ / 25 |" in text
    assert "## 3. The gradients (12 points)" in text  # 3 gradients of 4 points
    key = (three / "mlp-222-1-answers.md").read_text()
    assert "Points: 25 in all." in key
    assert sum(int(row[2]) for row in table_rows(key, "## The answers")) == 25
    tex = handout_files(load("mlp-222"), 1, 7, "tex")["mlp-222-1-exercise.tex"].decode()
    assert "Name: & Student ID: & Points: \\hfill / 25" in tex


def test_room_to_write_fits_the_model_answer():
    v = variants(load("mlp-222"), 1, 7)[0]
    s, doc = sheet(v, 1, 7)
    count = paths(v.network)
    tex = handout_files(load("mlp-222"), 1, 7, "tex")["mlp-222-1-exercise.tex"].decode()
    rooms = [int(mm) for mm in re.findall(r"\\vspace\*\{(\d+)mm\}", tex)]
    for q, p, mm in zip(s.gradients, v.asked, rooms):
        section = next(g for g in doc.gradients if g.name == p)
        # a line for each path of the chain rule, each local derivative, the numbers put in and the result
        assert q.lines == count[p] + len(section.factors) + 2
        assert mm == 8 * q.lines
    by_name = dict(zip(v.asked, rooms))
    hidden = next(p for p in v.asked if p in ("w1", "w2", "w3", "w4"))
    output = next(p for p in v.asked if p in ("w5", "w6", "w7", "w8"))
    assert by_name[hidden] >= 80 > by_name[output]  # two paths through a hidden unit: room for about 12 lines
