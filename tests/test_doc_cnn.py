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
from derive.document.build import build
from derive.document.cnn import map_entry
from derive.document.onehot import indexed
from derive.network.mlp import LAYERED, build_mlp
from derive.output.render import document_files

LAYERS = [("conv", 6, 3), ("pool", "max", 2), ("conv", 3, 2), ("pool", "avg", 2), ("dense", 10)]


def lenet_outputs():
    """The softmax outputs of the lenet example, from the oracle and the example's numbers."""
    x, t, layers, params = lenet_arrays()
    _, p = cnn_numpy.forward(x, layers, params, "sigmoid", "softmax")
    return p, list(t)


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


# --- the given numbers as matrices, the δ maps ----------------------------------------------------

def values():
    return {k: float(x) for k, x in load("lenet").values.items()}


def matrix(body: str) -> np.ndarray:
    return np.array([[float(e) for e in row.split("&")] for row in body.split(r"\\")])


def pmatrix_after(text: str, lhs: str) -> np.ndarray:
    m = re.search(re.escape(lhs) + r" = \\begin\{pmatrix\} (.*?) \\end\{pmatrix\}", text)
    assert m, lhs
    return matrix(m.group(1))


def test_the_image_kernels_and_weights_are_matrices(lenet):
    doc, files = lenet
    v = values()
    image = np.array([[v[f"x_{i}_{j}"] for j in range(1, 13)] for i in range(1, 13)])
    kernels1 = {c: np.array([[v[f"k1_{m}_{n}_{c}"] for n in (1, 2, 3)] for m in (1, 2, 3)]) for c in range(1, 7)}
    kernels2 = {(d, c): np.array([[v[f"k2_{m}_{n}_{d}_{c}"] for n in (1, 2)] for m in (1, 2)])
                for d in range(1, 7) for c in range(1, 4)}
    weights = np.array([[v[f"w_{j}_{i}"] for i in range(1, 13)] for j in range(10)])
    for fmt in ("md", "tex"):
        values_section = files[fmt][:files[fmt].index("The forward pass")]
        assert (pmatrix_after(values_section, "x") == image).all()
        for c, k in kernels1.items():
            assert (pmatrix_after(values_section, rf"k^{{1}}_{{\cdot,\cdot,{c}}}") == k).all()
        for (d, c), k in kernels2.items():
            assert (pmatrix_after(values_section, rf"k^{{2}}_{{\cdot,\cdot,{d},{c}}}") == k).all()
        assert (pmatrix_after(values_section, r"w_{\cdot,\cdot}") == weights).all()
    tex = files["tex"][:files["tex"].index(r"\section{The forward pass}")]
    assert "x_{1,1} =" not in tex and "k^{1}_{1,1,1} =" not in tex and "w_{0,1} =" not in tex  # no flat list
    assert "b^{1}_{1} = 0.5" in tex and r"\setcounter{MaxMatrixCols}" in files["tex"]
    html = files["html"][files["html"].index('<h2 id="values">'):files["html"].index('<h2 id="forward">')]
    assert html.count("<mtable") == 1 + 6 + 18 + 1   # the image, 6 + 18 kernels, the dense weights
    assert [g.key for g in doc.grids] == ["input", "kernels", "kernels", "weights"]


def test_markdown_names_each_entry_verify_cannot_read_from_a_matrix(lenet):
    """`x = (…)` gives derive verify every x_{i,j}; the kernels' and weights' names have further indices
    (or count rows from 0), so the Markdown repeats them by name, folded away."""
    _, files = lenet
    md = files["md"]
    values_section = md[:md.index("## 2. The forward pass")]
    folded = values_section[values_section.index("<details>"):values_section.index("</details>")]
    before = values_section[:values_section.index("<details>")]
    assert "k^{1}_{1,1,1} = -0.43" in folded and "w_{0,1} = 0.25" in folded and "k^{2}_{2,2,6,3} = 0.42" in folded
    assert "x_{1,1} =" not in values_section   # read from the matrix
    assert "k^{1}_{1,1,1} =" not in before and "$$x = \\begin{pmatrix} 0.9 & 0.4" in before
    assert values()["k1_1_1_1"] == -0.43 and values()["w_0_1"] == 0.25 and values()["k2_2_2_6_3"] == 0.42


def first_maps_before_pooling() -> np.ndarray:
    """C¹ of lenet, worked out here: σ(Σ_{m,n} x_{g+m-1,h+n-1} k¹_{m,n,c} + b¹_c)."""
    v = values()
    x = np.array([[v[f"x_{i}_{j}"] for j in range(1, 13)] for i in range(1, 13)])
    out = np.zeros((10, 10, 6))
    for c in range(6):
        k = np.array([[v[f"k1_{m}_{n}_{c + 1}"] for n in range(1, 4)] for m in range(1, 4)])
        for g in range(10):
            for h in range(10):
                out[g, h, c] = 1 / (1 + np.exp(-(np.sum(x[g:g + 3, h:h + 3] * k) + v[f"b1_{c + 1}"])))
    return out


def test_the_error_signals_of_the_first_maps_show_where_max_pooling_sends_the_gradient(lenet):
    doc, files = lenet
    p, t = lenet_outputs()
    _, grads = cnn_numpy.gradients(*lenet_arrays())
    C = first_maps_before_pooling()
    maps = {e.lhs: e for s in doc.stages for i in s.items if getattr(i, "key", "") == "maps" for e in i.equations}
    for c in range(1, 7):
        e = maps[rf"\delta^{{C^{{1}}}}_{{\cdot,\cdot,{c}}}"]
        body = e.parts[1][0].removeprefix(r"\begin{bmatrix}").removesuffix(r"\end{bmatrix}")
        d = matrix(body)
        assert d.shape == (10, 10)
        for g in range(0, 10, 2):
            for h in range(0, 10, 2):
                window = C[g:g + 2, h:h + 2, c - 1]
                gets = np.argwhere(d[g:g + 2, h:h + 2] != 0)
                assert len(gets) <= 1   # one position of each window, the first maximum
                if len(gets):
                    assert window[tuple(gets[0])] == window.max()
        assert d.sum() == pytest.approx(grads[0][1][c - 1], abs=100 * 5e-5)   # Σ δ over the map = ∂L/∂b¹_c
        assert (d != 0).sum() >= 20
    assert r"\delta^{C^{1}}_{\cdot,\cdot,1} = \begin{bmatrix}" in files["md"]
    assert "{\\footnotesize" in files["tex"]


def lenet_arrays():
    v = values()
    x = np.array([[[v[f"x_{i}_{j}"] for j in range(1, 13)] for i in range(1, 13)]])
    K1 = np.array([[[[v[f"k1_{m}_{n}_{c}"] for n in (1, 2, 3)] for m in (1, 2, 3)]] for c in range(1, 7)])
    K2 = np.array([[[[v[f"k2_{m}_{n}_{d}_{c}"] for n in (1, 2)] for m in (1, 2)] for d in range(1, 7)]
                   for c in range(1, 4)])
    W = np.array([[v[f"w_{j}_{i}"] for i in range(1, 13)] for j in range(10)])
    params = [(K1, np.array([v[f"b1_{c}"] for c in range(1, 7)])), None,
              (K2, np.array([v[f"b2_{c}"] for c in range(1, 4)])), None,
              (W, np.array([v[f"b_{j}"] for j in range(10)]))]
    return x, np.array([v[f"t_{j}"] for j in range(10)]), LAYERS, params


def test_an_entry_of_a_map_shows_its_first_digit():
    assert [map_entry(v) for v in (0.0, 0.024289657, -0.000922114, 0.000043, -0.0000071)] == \
        ["0", "0.0243", "-0.0009", "0.00004", "-0.00001"]


TWO_CHANNELS = """kind = "cnn"
input = [2, 5, 5]
layers = [{type = "conv", maps = 3, kernel = 2}, {type = "pool", kind = "max", size = 2}, {type = "flatten"},
          {type = "dense", units = 3}]
activation = "tanh"
label = 1
seed = 2
"""


def test_an_image_of_several_channels_is_a_matrix_per_channel(tmp_path):
    spec = tmp_path / "two.toml"
    spec.write_text(TWO_CHANNELS)
    net = load(str(spec))
    doc = build(derive(net))
    image, kernels = doc.grids[0], doc.grids[1]
    assert (image.key, image.entry, image.matrix) == ("input", "x_{i,j,d}", r"x_{\cdot,\cdot,d}")
    assert (kernels.key, kernels.entry, kernels.matrix) == ("kernels", "k^{1}_{m,n,d,c}", r"k^{1}_{\cdot,\cdot,d,c}")
    v = {k: float(x) for k, x in net.values.items()}
    for d, grid in enumerate(image.grids, start=1):
        assert grid.lhs == rf"x_{{\cdot,\cdot,{d}}}" and not grid.readable
        assert [[float(e) for e in row] for row in grid.rows] == \
            [[v[f"x_{i}_{j}_{d}"] for j in range(1, 6)] for i in range(1, 6)]
    md = document_files(doc, "md", "two")["two.md"].decode()
    assert "x_{1,1,1} = " in md[md.index("<details>"):md.index("</details>")]   # by name for derive verify
