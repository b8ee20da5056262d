"""A CNN document as a lecturer writes it: the one-hot cross-entropy as the one term that is left
(L = −log o₃ for the true class 3), and ∂L/∂z = p − t derived from it where it is first used.

Expected numbers come from the numpy oracle (tests/oracles/cnn_numpy.py) or are worked out here,
never from derive itself."""

import math
import re
from fractions import Fraction

import numpy as np
import pytest
from oracles import cnn_numpy

from derive import derive, load
from derive.document.build import build, indexed
from derive.network.mlp import LAYERED, build_mlp
from derive.output.render import document_files

LAYERS = [("conv", 6, 3), ("pool", "max", 2), ("conv", 3, 2), ("pool", "avg", 2), ("dense", 10)]


def lenet_outputs():
    """The softmax outputs of the lenet example, from the oracle and the example's numbers."""
    v = {k: float(x) for k, x in load("lenet").values.items()}
    x = np.array([[[v[f"x_{i}_{j}"] for j in range(1, 13)] for i in range(1, 13)]])
    K1 = np.array([[[[v[f"k1_{m}_{n}_{c}"] for n in (1, 2, 3)] for m in (1, 2, 3)]] for c in range(1, 7)])
    K2 = np.array([[[[v[f"k2_{m}_{n}_{d}_{c}"] for n in (1, 2)] for m in (1, 2)] for d in range(1, 7)]
                   for c in range(1, 4)])
    W = np.array([[v[f"w_{j}_{i}"] for i in range(1, 13)] for j in range(10)])
    params = [(K1, np.array([v[f"b1_{c}"] for c in range(1, 7)])), None,
              (K2, np.array([v[f"b2_{c}"] for c in range(1, 4)])), None,
              (W, np.array([v[f"b_{j}"] for j in range(10)]))]
    _, p = cnn_numpy.forward(x, LAYERS, params, "sigmoid", "softmax")
    return p, [v[f"t_{j}"] for j in range(10)]


@pytest.fixture(scope="module")
def lenet():
    doc = build(derive(load("lenet")))
    return doc, {f: document_files(doc, f, "lenet")[f"lenet.{f}"].decode() for f in ("md", "tex", "html")}


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end)]


def test_the_one_hot_loss_is_the_one_term_of_the_true_class(lenet):
    doc, files = lenet
    p, t = lenet_outputs()
    assert t.index(1) == 3 and sum(t) == 1
    loss = section(files["md"], "## 3. The loss", "## 4.")
    assert "The target is class 3: $t_{3} = 1$" in loss
    m = re.search(r"L &= -\\sum_\{k=0\}\^\{9\} t_\{k\} \\log\\left\(o_\{k\}\\right\) = -\\log\\left\(o_\{3\}\\right\) "
                  r"= -\\log\\left\(([\d.]+)\\right\) = ([\d.]+)", loss)
    assert m, loss
    assert float(m.group(1)) == pytest.approx(p[3], abs=5e-10)
    assert float(m.group(2)) == pytest.approx(-math.log(p[3]), abs=5e-10)
    assert "t_{0}" not in loss and "L_{3}" not in loss   # no ten-term sum, no term per class
    assert doc.one_hot is not None and (doc.one_hot.cls, doc.one_hot.target, doc.one_hot.terms) == ("3", "t_{3}", 10)
    tex = section(files["tex"], r"\section{The loss}", r"\section{The backward pass}")
    assert r"-\log\left(o_{3}\right)" in tex and "t_{0}" not in tex and "ten terms" in tex
    html = section(files["html"], '<h2 id="loss">', '<h2 id="backward">')
    assert "The target is class 3" in html and "ten terms" in html


def test_p_minus_t_is_derived_from_minus_log_of_the_true_class_where_first_used(lenet):
    doc, files = lenet
    first = doc.stages[0]
    assert first.output and first.items[0].kind == "box"
    b = first.items[0]
    assert (b.key, b.target) == ("softmax_ce", "3")
    lines = [e.latex for e in b.lines]
    assert lines[1] == r"\ell = -\log\left(p_{3}\right) = -z_{3} + \log \sum_{i} e^{z_{i}}"
    assert lines[2].endswith(r"= -\mathbf{1}[k = 3] + \frac{e^{z_{k}}}{\sum_{i} e^{z_{i}}} = p_{k} - t_{k}")
    boxes = [i for s in doc.stages for i in s.items if i.kind == "box" and i.key == "softmax_ce"]
    assert len(boxes) == 1   # derived once, where the δ of the logits first needs it
    md = files["md"]
    assert md.index("> **Why ∂ℓ/∂z = p − t") < md.index(r"\delta^{o}_{0} &=")
    assert "target\n> class 3" in md or "target class 3" in md


def one_hot_mlp(targets):
    net = build_mlp([3, 4, 2], ["tanh", "softmax"], "cross_entropy", LAYERED, "net")
    values = {q.name: Fraction(k % 7 - 3, 10) for k, q in enumerate(net.params)}
    values.update(x1=Fraction(1, 2), x2=Fraction(-1, 5), x3=Fraction(3, 10),
                  t1=Fraction(targets[0]), t2=Fraction(targets[1]))
    return net.with_values(values)


def test_an_mlp_with_a_one_hot_target_keeps_its_names_and_its_numbering():
    net = one_hot_mlp([0, 1])
    d = derive(net)
    doc = build(d)
    p2 = float(d.values["a2_2"])
    z = [float(d.values["z2_1"]), float(d.values["z2_2"])]
    assert p2 == pytest.approx(math.exp(z[1]) / (math.exp(z[0]) + math.exp(z[1])), rel=1e-12)
    (eq,) = doc.loss
    parts = [p[0] for p in eq.parts]
    assert parts[:3] == ["L", r"-\sum_{k=1}^{2} t_{k} \log\left(a^{(2)}_{k}\right)",
                         r"-\log\left(a^{(2)}_{2}\right)"]
    assert float(parts[-1]) == pytest.approx(-math.log(p2), abs=5e-10)
    assert doc.one_hot.cls == "2"


@pytest.mark.parametrize("targets", [(Fraction(1, 4), Fraction(3, 4)), (1, 1)])
def test_a_target_that_is_not_one_hot_keeps_every_term(targets):
    doc = build(derive(one_hot_mlp(targets)))
    assert doc.one_hot is None
    assert len(doc.loss[-1].parts[1]) == 2   # the sum of a term per output
    box = next(i for s in doc.stages for i in s.items if i.kind == "box" and i.key == "softmax_ce")
    assert box.target == "" and box.lines[1].latex == r"\ell = -\sum_{j} t_{j} \log p_{j}"


def test_indexed_names():
    assert indexed(["t_{0}", "t_{1}", "t_{10}"]) == ("t_{", "}", ["0", "1", "10"])
    assert indexed(["a^{(2)}_{1}", "a^{(2)}_{2}"]) == ("a^{(2)}_{", "}", ["1", "2"])
    assert indexed(["y_{1}", "z_{1}"]) is None
    assert indexed(["t_{3}"]) is None
