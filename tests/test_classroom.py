"""A class's handout: a sheet and a JSON key per student of a roster, each depending on (target, seed, id)
alone; numbered variants zero-padded; reruns that would change sheets already written refused; keys whose
every number is the engine's on the values the key itself gives (derived again here, independently)."""

import json
from fractions import Fraction

import pytest

from derive import derive, load
from derive.classroom.owned import json_is_ours, owns
from derive.classroom.roster import file_id, read_roster
from derive.cli.main import main
from derive.document.handout import student_variant, variants
from derive.errors import DeriveError

ROSTER = "id,name\ns1,Ada Lovelace\ns2,Alan Turing\nx/3,Grace Hopper\n"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def error_lines(err):
    return [line for line in err.splitlines() if not line.startswith(("derive: student", "derive: variant"))]


def roster(folder, text=ROSTER, name="roster.csv"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def files_of(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.suffix != ".csv"}


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    assert main(["handout", "mlp-222", "--roster", str(roster(base)), "--seed", "5", "-o", str(base / "out")]) == 0
    return base / "out"


def test_a_roster_of_three_gives_three_sheets_and_three_keys_named_by_id(three):
    names = sorted(files_of(three))
    for sid in ("s1", "s2", "x_3"):
        for part in ("exercise.md", "answers.md", "key.json"):
            assert f"mlp-222-{sid}-{part}" in names
    assert "mlp-222-roster.json" in names
    keys = {sid: json.loads((three / f"mlp-222-{sid}-key.json").read_text()) for sid in ("s1", "s2", "x_3")}
    assert [k["student"]["id"] for k in keys.values()] == ["s1", "s2", "x/3"]
    assert len({json.dumps(k["values"]) for k in keys.values()}) == 3  # each student their own numbers
    sheet = (three / "mlp-222-s1-exercise.md").read_text()
    assert "| Ada Lovelace | s1 | ___ / 25 |" in sheet
    mapping = json.loads((three / "mlp-222-roster.json").read_text())
    assert [(s["id"], s["name"], s["variant_seed"]) for s in mapping["students"]] == [
        (sid, k["student"]["name"], k["reproduce"]["variant_seed"]) for sid, k in zip(["s1", "s2", "x/3"],
                                                                                       keys.values())]


def test_a_student_gets_the_same_bytes_whoever_else_is_on_the_roster(three, tmp_path, capsys):
    alone = tmp_path / "alone"
    code, _, err = run(capsys, "handout", "mlp-222", "--roster", roster(tmp_path, "id,name\ns2,Alan Turing\n"),
                       "--seed", "5", "-o", alone)
    assert code == 0, err
    for part in ("exercise.md", "answers.md", "key.json"):
        assert (alone / f"mlp-222-s2-{part}").read_bytes() == (three / f"mlp-222-s2-{part}").read_bytes()
    # a roster in another order, with another student added: nobody else's files change
    more = tmp_path / "more"
    text = "id;name\nnew;Someone\nx/3;Grace Hopper\ns2;Alan Turing\ns1;Ada Lovelace\n"
    code, _, err = run(capsys, "handout", "mlp-222", "--roster", roster(tmp_path, text, "r2.csv"), "--seed", "5",
                       "-o", more)
    assert code == 0, err
    for sid in ("s1", "s2", "x_3"):
        for part in ("exercise.md", "answers.md", "key.json"):
            assert (more / f"mlp-222-{sid}-{part}").read_bytes() == (three / f"mlp-222-{sid}-{part}").read_bytes()


def test_every_number_of_a_key_is_the_engines_on_the_keys_own_values(three):
    for sid in ("s1", "s2", "x_3"):
        key = json.loads((three / f"mlp-222-{sid}-key.json").read_text())
        assert json_is_ours((three / f"mlp-222-{sid}-key.json").read_text())
        values = {name: Fraction(v) for name, v in key["values"].items()}
        net = load(key["reproduce"]["target"]).with_values(values, Fraction(key["learning_rate"]))
        d = derive(net)
        expected = {("loss", "E_total"): d.loss_value}
        expected.update({("forward", q): d.values[q] for q in ("net_h1", "net_h2", "out_h1", "out_h2", "net_o1",
                                                               "net_o2", "out_o1", "out_o2")})
        for p in key["asked"]:
            expected[("gradient", p)] = d.gradients[p].value
            expected[("update", p)] = float(values[p]) - 0.5 * d.gradients[p].value
        got = {(a["part"], a["name"]): a for a in key["answers"]}
        assert set(got) == set(expected)
        for k, value in expected.items():
            assert got[k]["value"] == pytest.approx(value, rel=1e-12, abs=1e-15), k
            assert got[k]["rtol"] == 1e-3 and got[k]["atol"] == pytest.approx(abs(value) * 1e-3)
        assert sum(a["points"] for a in key["answers"]) == key["points"] == 25
        assert key["reproduce"]["seed"] == 5 and key["reproduce"]["spec"] is None


def test_a_rerun_with_another_seed_refuses_and_force_replaces(three, tmp_path, capsys):
    out = tmp_path / "out"
    path = roster(tmp_path)
    assert run(capsys, "handout", "mlp-222", "--roster", path, "--seed", "5", "-o", out)[0] == 0
    before = files_of(out)
    code, _, err = run(capsys, "handout", "mlp-222", "--roster", path, "--seed", "6", "-o", out)
    assert code == 2 and "--seed 5" in err and "--force" in err and len(error_lines(err)) == 1
    assert files_of(out) == before
    # numbered variants with another seed into the same folder: refused as well
    code, _, err = run(capsys, "handout", "mlp-222", "--variants", "2", "--seed", "6", "-o", out)
    assert code == 0, err  # other file names (mlp-222-1-…): nothing of the roster's is replaced
    code, _, err = run(capsys, "handout", "mlp-222", "--variants", "2", "--seed", "7", "-o", out)
    assert code == 2 and "mlp-222-1-key.json" in err and "--seed 6" in err
    # the same settings again: nothing changes; --force: the sheets are replaced
    assert run(capsys, "handout", "mlp-222", "--roster", path, "--seed", "5", "-o", out)[0] == 0
    assert {k: v for k, v in files_of(out).items() if k in before} == before
    code, _, err = run(capsys, "handout", "mlp-222", "--roster", path, "--seed", "6", "-o", out, "--force")
    assert code == 0, err
    assert files_of(out)["mlp-222-s1-key.json"] != before["mlp-222-s1-key.json"]


def test_an_edited_key_is_not_ours_and_is_not_replaced(tmp_path, capsys):
    out = tmp_path / "out"
    path = roster(tmp_path, "id\na\n")
    assert run(capsys, "handout", "mlp-222", "--roster", path, "-o", out)[0] == 0
    key = out / "mlp-222-a-key.json"
    assert owns(key)
    key.write_text(key.read_text().replace('"points": 25', '"points": 30'))
    assert not owns(key)
    code, _, err = run(capsys, "handout", "mlp-222", "--roster", path, "-o", out)
    assert code == 2 and str(key) in err and "--force" in err


@pytest.mark.parametrize("text, message", [
    ("name\nAda\n", "no 'id' column"),
    ("id,name\na,Ada\nb,Bob\na,Alan\n", "roster.csv:4: duplicate id 'a' (first on line 2)"),
    ("id,name\na,Ada\n,Bob\n", "roster.csv:3: empty id"),
    ("id\n", "no students"),
    ("", "the roster is empty"),
    ("id\na/b\na_b\n", "give the same file name"),
])
def test_a_bad_roster_is_one_line_naming_the_problem(tmp_path, capsys, text, message):
    code, out, err = run(capsys, "handout", "mlp-222", "--roster", roster(tmp_path, text), "-o", tmp_path / "o")
    assert code == 2 and message in err and len(error_lines(err)) == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_roster_reading():
    students = read_roster("\ufeffID, Name\n 7 ,  Ada \n\n8,\n", "r.csv")
    assert [(s.id, s.name, s.line) for s in students] == [("7", "Ada", 2), ("8", "", 4)]
    assert file_id("../etc/passwd") == "_etc_passwd" and file_id("Émile Zola") == "_mile_Zola"
    with pytest.raises(DeriveError, match="leave out --variants|no 'id'"):
        read_roster("name\nx\n", "r.csv")


def test_numbered_variants_are_zero_padded(tmp_path, capsys):
    code, _, err = run(capsys, "handout", "mlp-221", "--variants", "10", "-o", tmp_path)
    assert code == 0, err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "mlp-221-01-exercise.md" in names and "mlp-221-10-key.json" in names
    assert not any(n.startswith("mlp-221-1-") for n in names)
    key = json.loads((tmp_path / "mlp-221-03-key.json").read_text())
    assert key["variant"] == 3 and key["student"] is None and key["reproduce"]["variant"] == 3
    # fewer variants: the padded ones this run no longer makes are removed (they are ours and unedited)
    code, _, err = run(capsys, "handout", "mlp-221", "--variants", "2", "-o", tmp_path)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir() if "key" in p.name) == ["mlp-221-1-key.json",
                                                                             "mlp-221-2-key.json"]


def test_roster_and_variants_together_are_refused(tmp_path, capsys):
    code, _, err = run(capsys, "handout", "mlp-222", "--roster", roster(tmp_path), "--variants", "2")
    assert code == 2 and "--roster" in err


def test_a_roster_that_is_not_a_text_file_is_refused_in_one_line(tmp_path, capsys):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("id,name\n1,Zo\xeb\n".encode("latin-1"))
    for path, message in ((bad, "not UTF-8 text"), ("/dev/zero", "not a regular file")):
        code, _, err = run(capsys, "handout", "mlp-222", "--roster", path, "-o", tmp_path / "o")
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_a_key_says_how_to_draw_its_variant_again(three, tmp_path):
    for sid in ("s1", "x_3"):
        key = json.loads((three / f"mlp-222-{sid}-key.json").read_text())
        r = key["reproduce"]
        again = student_variant(load(r["target"]), r["seed"], r["variant_seed"])
        assert {k: str(v) for k, v in again.network.values.items()} == {
            k: str(Fraction(v)) for k, v in key["values"].items()}
        assert list(again.asked) == key["asked"]
    assert main(["handout", "mlp-221", "--variants", "2", "--seed", "9", "-o", str(tmp_path)]) == 0
    key = json.loads((tmp_path / "mlp-221-2-key.json").read_text())
    again = variants(load("mlp-221"), key["reproduce"]["variant"], key["reproduce"]["seed"])[-1]
    assert {k: Fraction(v) for k, v in key["values"].items()} == dict(again.network.values)
    assert key["reproduce"]["command"] == "derive handout mlp-221 --variants 2 --seed 9"


def test_sheets_without_a_key_are_still_not_replaced_by_other_settings(tmp_path, capsys):
    """Sheets from a run that wrote no JSON key (an earlier version): their marker line names the run."""
    assert run(capsys, "handout", "mlp-222", "--variants", "2", "--seed", "1", "-o", tmp_path)[0] == 0
    for key in tmp_path.glob("*-key.json"):
        key.unlink()
    before = files_of(tmp_path)
    code, _, err = run(capsys, "handout", "mlp-222", "--variants", "2", "--seed", "2", "-o", tmp_path)
    assert code == 2 and "--seed 1 (variant 1)" in err and "--force" in err and files_of(tmp_path) == before
    assert run(capsys, "handout", "mlp-222", "--variants", "3", "--seed", "1", "-o", tmp_path)[0] == 0
