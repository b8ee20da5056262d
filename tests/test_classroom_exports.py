"""Exports for a learning management system, parsed back with a real XML parser (xml.etree): the Moodle XML
quiz, the QTI 2.1 package and the PrairieLearn question hold exactly the numbers of the JSON keys, for mlp-222
and a 3-4-2 softmax classifier; the keys' numbers agree with a forward and backward pass written here in
NumPy from the values the key gives. No schema is validated: Moodle publishes none for its XML format, and
no installable package here ships the QTI 2.1 schemas."""

import importlib.util
import json
import random
import re
import uuid
import zipfile
from fractions import Fraction
from xml.etree import ElementTree as ET

import numpy as np
import pytest

from derive.classroom.owned import owns
from derive.cli.main import main
from derive.output.files import is_ours

CLASSIFIER = 'layers = [3, 4, 2]\nactivation = ["sigmoid", "softmax"]\nloss = "cross_entropy"\n'
QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
CLOZE = re.compile(r"\{(\d+):NUMERICAL:=([^:}]+):([^}]+)\}")


@pytest.fixture(scope="module", params=["mlp-222", "classifier", "roster"])
def made(request, tmp_path_factory):
    base = tmp_path_factory.mktemp("export")
    target, extra = "mlp-222", ["--variants", "3"]
    if request.param == "classifier":
        (base / "cls.toml").write_text(CLASSIFIER)
        target = str(base / "cls.toml")
    if request.param == "roster":
        (base / "roster.csv").write_text("id,name\n1001,Ada\n1002,Alan\n")
        extra = ["--roster", str(base / "roster.csv")]
    out = base / "out"
    argv = ["handout", target, *extra, "--seed", "3", "-o", str(out), "--export", "moodle", "--export", "qti",
            "--export", "prairielearn"]
    assert main(argv) == 0
    name = "cls" if request.param == "classifier" else "mlp-222"
    keys = [json.loads(p.read_text()) for p in sorted(out.glob(f"{name}-*-key.json"))]
    assert len(keys) == (2 if request.param == "roster" else 3)
    return out, name, keys, argv


def test_moodle_xml_holds_the_keys_numbers(made):
    out, name, keys, _ = made
    path = out / f"{name}-moodle.xml"
    assert is_ours(path)
    root = ET.parse(path).getroot()
    assert root.tag == "quiz"
    category, *questions = root.findall("question")
    assert category.get("type") == "category" and category.findtext("category/text") == f"$course$/top/derive/{name}"
    assert [q.get("type") for q in questions] == ["cloze"] * len(keys)
    by_id = {q.findtext("idnumber"): q for q in questions}
    for key in keys:
        stem = f"{name}-{key['student']['id'] if key['student'] else key['variant']}"
        html = ET.fromstring(by_id[stem].findtext("questiontext/text"))  # the question text is HTML itself
        cells = [td.text for td in html.iter("td")]
        found = [CLOZE.fullmatch(c).groups() for c in cells if c and CLOZE.fullmatch(c)]
        assert [(int(w), float(v), float(t)) for w, v, t in found] == [
            (a["points"], a["value"], a["atol"]) for a in key["answers"]]
        text = "".join(html.itertext())
        assert "Your values:" in text and "within 0.1 %" in text


def test_qti_package_holds_the_keys_numbers(made):
    out, name, keys, argv = made
    path = out / f"{name}-qti.zip"
    assert owns(path)
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        assert manifest.tag == f"{CP}manifest"
        assert manifest.findtext(f"{CP}metadata/{CP}schema") == "QTIv2.1 Package"
        resources = manifest.findall(f"{CP}resources/{CP}resource")
        assert len(resources) == len(keys)
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        items = {}
        for r in resources:
            assert r.get("type") == "imsqti_item_xmlv2p1" and r.find(f"{CP}file").get("href") == r.get("href")
            items[r.get("identifier")] = ET.fromstring(z.read(r.get("href")))
    for key in keys:
        item = items[f"{name}-{key['student']['id'] if key['student'] else key['variant']}"]
        assert item.tag == f"{QTI}assessmentItem"
        declared = {d.get("identifier"): float(d.findtext(f"{QTI}correctResponse/{QTI}value"))
                    for d in item.findall(f"{QTI}responseDeclaration")}
        rules = item.findall(f"{QTI}responseProcessing/{QTI}responseCondition/{QTI}responseIf")
        interactions = [i.get("responseIdentifier") for i in item.iter(f"{QTI}textEntryInteraction")]
        assert len(declared) == len(rules) == len(interactions) == len(key["answers"])
        for a, ident, rule in zip(key["answers"], interactions, rules):
            equal = rule.find(f"{QTI}equal")
            assert declared[ident] == a["value"]
            assert equal.get("toleranceMode") == "absolute"
            assert [float(t) for t in equal.get("tolerance").split()] == [a["atol"], a["atol"]]
            assert equal.find(f"{QTI}variable").get("identifier") == ident
            assert float(rule.findtext(f"{QTI}setOutcomeValue/{QTI}sum/{QTI}baseValue")) == a["points"]
        maxscore = [o for o in item.findall(f"{QTI}outcomeDeclaration") if o.get("identifier") == "MAXSCORE"][0]
        assert float(maxscore.findtext(f"{QTI}defaultValue/{QTI}value")) == key["points"]
    # the same input gives the same bytes
    assert main(argv) == 0 and path.read_bytes() == data


def test_prairielearn_question_holds_the_keys_numbers(made):
    out, name, keys, _ = made
    folder = out / f"{name}-prairielearn"
    info = json.loads((folder / "info.json").read_text())
    assert uuid.UUID(info["uuid"]).version == 5 and info["type"] == "v3" and info["title"] and info["topic"]
    html = (folder / "question.html").read_text()
    assert is_ours(folder / "question.html") and is_ours(folder / "server.py") and owns(folder / "info.json")
    assert "<pl-number-input" in html and 'rtol="{{rtol}}"' in html
    spec = importlib.util.spec_from_file_location(f"server_{name}", folder / "server.py")
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    assert [[(a["key"], a["value"], a["rtol"], a["points"]) for a in v["answers"]] for v in server.VARIANTS] == [
        [(a["id"], a["value"], a["rtol"], a["points"]) for a in k["answers"]] for k in keys]
    random.seed(0)
    data = {"params": {}, "correct_answers": {}}
    server.generate(data)
    chosen = next(k for k in keys if [a["value"] for a in k["answers"]] == list(data["correct_answers"].values()))
    assert [p["name"] for p in data["params"]["answers"]] == [f"a{i}" for i in range(1, len(chosen["answers"]) + 1)]


def test_a_different_class_gets_a_different_uuid(made, tmp_path):
    out, name, keys, argv = made
    other = [a if a != "3" else "4" for a in argv]
    other[other.index("-o") + 1] = str(tmp_path)
    assert main(other) == 0
    uid = json.loads((out / f"{name}-prairielearn" / "info.json").read_text())["uuid"]
    assert json.loads((tmp_path / f"{name}-prairielearn" / "info.json").read_text())["uuid"] != uid


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_the_classifiers_keys_agree_with_numpy_backprop(made):
    out, name, keys, _ = made
    if name != "cls":
        pytest.skip("the 3-4-2 classifier only")
    for key in keys:
        v = {k: float(Fraction(x)) for k, x in key["values"].items()}
        x = np.array([v[f"x{i}"] for i in (1, 2, 3)])
        t = np.array([v["t1"], v["t2"]])
        W1 = np.array([[v[f"W1_{j}_{k}"] for k in (1, 2, 3)] for j in (1, 2, 3, 4)])
        b1 = np.array([v[f"b1_{j}"] for j in (1, 2, 3, 4)])
        W2 = np.array([[v[f"W2_{j}_{k}"] for k in (1, 2, 3, 4)] for j in (1, 2)])
        b2 = np.array([v["b2_1"], v["b2_2"]])
        z1 = W1 @ x + b1
        a1 = _sigmoid(z1)
        z2 = W2 @ a1 + b2
        p = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
        loss = -(t * np.log(p)).sum()
        d2 = p - t
        d1 = (W2.T @ d2) * a1 * (1 - a1)
        grads = {f"W2_{j}_{k}": d2[j - 1] * a1[k - 1] for j in (1, 2) for k in (1, 2, 3, 4)}
        grads.update({f"b2_{j}": d2[j - 1] for j in (1, 2)})
        grads.update({f"W1_{j}_{k}": d1[j - 1] * x[k - 1] for j in (1, 2, 3, 4) for k in (1, 2, 3)})
        grads.update({f"b1_{j}": d1[j - 1] for j in (1, 2, 3, 4)})
        forward = {**{f"z1_{j}": z1[j - 1] for j in (1, 2, 3, 4)}, **{f"a1_{j}": a1[j - 1] for j in (1, 2, 3, 4)},
                   **{f"z2_{j}": z2[j - 1] for j in (1, 2)}, **{f"a2_{j}": p[j - 1] for j in (1, 2)}}
        rate = float(Fraction(key["learning_rate"]))
        for a in key["answers"]:
            expected = {"forward": lambda n: forward[n], "loss": lambda n: loss, "gradient": lambda n: grads[n],
                        "update": lambda n: v[n] - rate * grads[n]}[a["part"]](a["name"])
            assert a["value"] == pytest.approx(expected, rel=1e-9, abs=1e-12), a["id"]
