"""The computational graph of a document (CS231n's circuits): every wire's forward value (green) and the loss's
derivative in it (red), checked against a computation of their own: the forward pass written out by hand
in high precision, and every derivative by central differences on it, bumping one quantity (or one use of
a shared parameter) at a time. Labels stay apart, and the numbers keep to the document's decimals."""

import re
from fractions import Fraction

import mpmath
import pytest

from derive import derive, load
from derive.document.build import build
from derive.document.figure import circuit, number_width
from derive.document.formatting import written_with
from derive.output.draw import ABOVE, BELOW, circuit_svg, circuit_tikz
from derive.output.render import document_files, handout_files

mpmath.mp.dps = 50
H = mpmath.mpf(10) ** -20


def sigma(z):
    return 1 / (1 + mpmath.exp(-z))


def mlp_222(v, bump):
    """Mazur's 2-2-2 network; bump maps (name, step) to what is added to that quantity or use."""
    p = {k: mpmath.mpf(Fraction(x).numerator) / Fraction(x).denominator for k, x in v.items()}
    u = {k: p[k] + bump.get((k, None), 0) for k in p}
    q = dict(u)

    def put(name, x):
        q[name] = x + bump.get((name, None), 0)

    put("net_h1", u["w1"] * u["i1"] + u["w2"] * u["i2"] + u["b1"])
    put("net_h2", u["w3"] * u["i1"] + u["w4"] * u["i2"] + u["b1"])
    put("out_h1", sigma(q["net_h1"]))
    put("out_h2", sigma(q["net_h2"]))
    put("net_o1", u["w5"] * q["out_h1"] + u["w6"] * q["out_h2"] + u["b2"])
    put("net_o2", u["w7"] * q["out_h1"] + u["w8"] * q["out_h2"] + u["b2"])
    put("out_o1", sigma(q["net_o1"]))
    put("out_o2", sigma(q["net_o2"]))
    put("E_total", ((q["out_o1"] - u["target_o1"]) ** 2 + (q["out_o2"] - u["target_o2"]) ** 2) / 2)
    return q, "E_total"


def rnn_2step(v, bump):
    """o_t = W_i x_{t-1} + W_h h_{t-1} + b, h_t = σ(o_t), y_t = a h_t + c, L = ½ Σ (y_t − g_t)²; a parameter's
    use at step t bumped by (name, t)."""
    p = {k: mpmath.mpf(Fraction(x).numerator) / Fraction(x).denominator for k, x in v.items()}
    q = {k: p[k] + bump.get((k, None), 0) for k in p}

    def use(name, t):
        return q[name] + bump.get((name, t), 0)

    def put(name, x):
        q[name] = x + bump.get((name, None), 0)

    for t in (1, 2):
        put(f"o_{t}", use("W_i", t) * use(f"x_{t - 1}", t) + use("W_h", t) * q[f"h_{t - 1}"] + use("b", t))
        put(f"h_{t}", sigma(q[f"o_{t}"]))
        put(f"y_{t}", use("a", t) * q[f"h_{t}"] + use("c", t))
    put("L", ((q["y_1"] - q["g_1"]) ** 2 + (q["y_2"] - q["g_2"]) ** 2) / 2)
    return q, "L"


ORACLES = {"mlp-222": mlp_222, "rnn-2step": rnn_2step}

NODE = re.compile(r"\\node\[(?:box|leaf), minimum width=[\d.]+cm\] \((g\d+)\) at \([-\d.]+,[-\d.]+\) \{\$(.*)\$\};")
WIRE = re.compile(r"\\draw\[[^\]]*\] \((g\d+)\.east\) -- \([-\d.]+,[-\d.]+\);(.*)")
LABEL = re.compile(r"\\node\[(val|grad), anchor=base\] at \([-\d.]+,[-\d.]+\) \{\$([^$]*)\$\};")
BRANCH = re.compile(r"\\draw\[->[^\]]*\] .* -- \((g\d+)\.west\);")


def number(text: str) -> float:
    """A label's number: LaTeX (−1.2345 \\times 10^{-5}) or the SVG's text (−1.2345×10−5)."""
    text = text.replace("−", "-").replace(" ", "")
    m = re.fullmatch(r"(-?[\d.]+)(?:\\times10\^\{(-?\d+)\}|×10(-?\d+))?", text)
    assert m, text
    exp = m.group(2) or m.group(3)
    return float(m.group(1)) * (10.0 ** int(exp) if exp else 1.0)


def wires_of_tikz(tikz: str, names: dict[str, str]) -> list[dict]:
    """Each wire: the quantity it leaves, its labels, and the quantities it goes into."""
    ids, wires = {}, []
    for line in tikz.splitlines():
        if m := NODE.fullmatch(line):
            ids[m.group(1)] = names[m.group(2)]
        elif m := WIRE.fullmatch(line):
            wires.append({"name": ids[m.group(1)], "readers": [],
                          **{kind: number(text) for kind, text in LABEL.findall(m.group(2))}})
        elif m := BRANCH.fullmatch(line):
            wires[-1]["readers"].append(ids[m.group(1)])
    return wires


def within_rounding(shown: float, exact, decimals: int = 9) -> bool:
    """shown is exact written with at most `decimals` decimals (or a five-digit mantissa)."""
    exact = float(exact)
    return abs(shown - exact) <= 0.5 * 10.0 ** -decimals + 1e-15 or abs(shown - exact) <= 5e-5 * abs(exact)


def step_of(readers: list[str]) -> int | None:
    steps = {int(r.rsplit("_", 1)[1]) for r in readers if re.fullmatch(r"[a-z]_\d", r)}
    return steps.pop() if len(steps) == 1 else None


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_every_label_is_the_value_and_the_derivative_computed_independently(name):
    net = load(name)
    oracle = ORACLES[name]
    exact, loss = oracle(net.values, {})
    names = {q.tex: q.name for q in net.quantities}
    c = circuit(net)
    wires = wires_of_tikz(circuit_tikz(c), names)
    shared = name == "rnn-2step"
    drawn = {w["name"] for w in wires}
    assert drawn == {q.name for q in net.quantities if q.role.name != "LOSS_TERM"}
    for w in wires:
        assert within_rounding(w["val"], exact[w["name"]]), w
        if w["name"] in {q.name for q in net.quantities if q.role.name == "TARGET"}:
            assert "grad" not in w and w["readers"] == [loss]
            continue
        key = (w["name"], step_of(w["readers"]) if shared and net[w["name"]].role.name == "PARAM" else None)
        plus, _ = oracle(net.values, {key: H})
        minus, _ = oracle(net.values, {key: -H})
        slope = (plus[loss] - minus[loss]) / (2 * H)
        assert within_rounding(w["grad"], slope), (w, slope)
    # what the document says of the copies of a shared parameter: they add up to its gradient
    if shared:
        d = derive(net)
        for p in ("W_i", "W_h", "a", "b", "c"):
            parts = [w["grad"] for w in wires if w["name"] == p]
            assert len(parts) == 2 and abs(sum(parts) - d.gradients[p].value) < 2e-9


@pytest.mark.parametrize("name", sorted(ORACLES))
def test_the_svg_shows_the_same_numbers_in_green_and_red(name):
    net = load(name)
    c = circuit(net)
    names = {q.tex: q.name for q in net.quantities}
    tikz = [(k, w[k]) for w in wires_of_tikz(circuit_tikz(c), names) for k in ("val", "grad") if k in w]
    svg = circuit_svg(c)
    colours = {"#1b7a2e": "val", "#c0261b": "grad"}
    shown = [(colours[fill], number(re.sub(r"<[^>]+>", "", body)))
             for fill, body in re.findall(r'<text [^>]*fill="(#[0-9a-f]{6})">(.*?)</text>', svg)]
    assert shown == tikz
    assert 'font-size="%"' not in svg and "%" not in re.sub(r'width="100%" height="100%"', "", svg)


def boxes(c):
    """The rectangles of the nodes and of the numbers (as draw.py places them), and the branches' points."""
    by_id = {n.id: n for n in c.nodes}
    rects = [(n.x - n.w / 2, n.x + n.w / 2, n.y - n.h / 2, n.y + n.h / 2) for n in c.nodes]
    labels, lines = [], []
    for w in c.wires:
        n = by_id[w.src]
        start = n.x + n.w / 2
        for x, y0 in ((w.value, n.y + ABOVE), (w.grad, n.y - BELOW)):
            if x is None:
                continue
            width = number_width(x) - 0.1
            assert width <= w.stem - start - 0.2, "the number is longer than its wire"
            mid = (start + w.stem) / 2
            labels.append((mid - width / 2, mid + width / 2, y0 - 0.06, y0 + 0.24))
        for reader, points in w.ends:
            r = by_id[reader]
            lines.append([(w.stem, n.y), *points, (r.x - r.w / 2, r.y)])
    return rects, labels, lines


def apart(a, b) -> bool:
    return a[1] <= b[0] or b[1] <= a[0] or a[3] <= b[2] or b[3] <= a[2]


@pytest.mark.parametrize("name", sorted(ORACLES))
@pytest.mark.parametrize("decimals", [3, 9, 15])
def test_no_label_overprints_another_a_node_or_a_wire(name, decimals):
    with written_with(decimals):
        c = circuit(load(name))
        rects, labels, lines = boxes(c)
    for i, a in enumerate(labels):
        assert all(apart(a, b) for b in labels[i + 1:] + rects), a
        for points in lines:
            for (x0, y0), (x1, y1) in zip(points, points[1:]):
                for k in range(41):
                    x, y = x0 + (x1 - x0) * k / 40, y0 + (y1 - y0) * k / 40
                    assert not (a[0] < x < a[1] and a[2] < y < a[3]), (a, points)


def test_numbers_keep_to_the_documents_decimals():
    d = derive(load("mlp-222"))
    doc = build(d, decimals=4)
    tikz = document_files(doc, "tex", "x")["x.tex"].decode()
    part = tikz[tikz.index(r"\section*{The computational graph}"):]
    labels = [text for _, text in LABEL.findall(part)]
    assert labels and all(len(t.split()[0].split(".")[1]) <= 4 for t in labels if "." in t)
    assert "0.7414" in labels and "-0.2171" in labels   # dE/dout_o1 and dE/dout_o2, rounded to 4 decimals


def test_each_format_places_the_graph_after_the_summary_with_its_legend():
    doc = build(derive(load("mlp-222")))
    files = document_files(doc, "md", "mlp-222")
    md = files["mlp-222.md"].decode()
    assert md.index("## Summary") < md.index("## The computational graph") < md.index("(mlp-222-graph.svg)")
    assert "in green the value" in md and "in red the derivative of the loss" in md
    assert files["mlp-222-graph.svg"].decode().count("<text") > 40
    html = document_files(doc, "html", "mlp-222")["mlp-222.html"].decode()
    assert html.count("<svg") == 2 and 'href="#graph"' in html and 'id="circuit-arrow"' in html
    tex = document_files(doc, "tex", "mlp-222")["mlp-222.tex"].decode()
    assert r"\begin{landscape}" in tex and tex.index(r"\section*{Summary}") < tex.index("computational graph")


def test_a_network_too_large_says_so_and_one_without_numbers_has_none():
    lenet = circuit(load("lenet"))
    assert lenet is not None and not lenet.nodes and lenet.omitted > 1000
    assert circuit(load("mlp-221")) is None


def test_an_exercise_sheet_gives_no_gradients_away():
    files = handout_files(load("mlp-222"), 1, 1, "md")
    for name, data in files.items():
        assert "computational graph" not in data.decode(errors="replace"), name
