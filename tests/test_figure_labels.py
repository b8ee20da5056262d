"""The network figure of a wide MLP: weight labels that never overprint each other (a few per layer, which
the caption says), and font sizes in absolute pixels (CairoSVG draws a percentage as blobs)."""

import re

import pytest

from derive import derive, load
from derive.document.build import build
from derive.document.figure import network_figure
from derive.network.mlp import LAYERED, build_mlp
from derive.output.draw import to_svg, to_tikz
from derive.output.render import document_files

RECT = re.compile(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="white"/><text')


def label_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    return [(float(x), float(y), float(x) + float(w), float(y) + float(h)) for x, y, w, h in RECT.findall(svg)]


def overlapping(boxes) -> list:
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]


@pytest.mark.parametrize("layers", [[3, 4, 2], [4, 6, 3], [2, 8, 8, 2]])
def test_wide_layers_get_labels_that_stay_apart(layers):
    net = build_mlp(layers, ["tanh"] * (len(layers) - 2) + ["softmax"], "cross_entropy", LAYERED, "wide")
    fig = network_figure(net)
    svg = to_svg(fig)
    boxes = label_boxes(svg)
    weights = sum(a * b for a, b in zip(layers, layers[1:]))
    assert 0 < len(boxes) < weights and not overlapping(boxes)
    if layers == [3, 4, 2]:
        assert len(boxes) == 3 + 2  # the edges j -> j of each layer
    assert "only the edges from the j-th unit" in fig.note
    assert to_tikz(fig).count("node[lbl") == len(boxes)
    text = document_files(build(derive(net)), "md", "x")["x.md"].decode()
    assert f"*{fig.note}*" in text


def test_a_small_network_keeps_every_label():
    fig = network_figure(load("mlp-222"))
    boxes = label_boxes(to_svg(fig))
    assert len(boxes) == 8 and not overlapping(boxes) and fig.note == ""


@pytest.mark.parametrize("name", ["mlp-222", "lenet", "rnn-2step"])
def test_font_sizes_are_absolute(name):
    svg = to_svg(network_figure(load(name)))
    sizes = re.findall(r'font-size="([^"]*)"', svg)
    assert sizes and all(s.isdigit() for s in sizes)
    if name == "mlp-222":
        assert 'font-size="10"' in svg  # the subscripts of w_5: three quarters of the labels' 13 px
