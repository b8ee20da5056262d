"""The HTML document: a table of contents linking every section, forward tables that fit the page (the
numbers under each definition), numbers in products and as arguments written without stretchy or
doubled parentheses, and a real minus in the summary."""

import re
import shutil
import subprocess
from fractions import Fraction

import pytest

from derive import derive, load
from derive.document.build import build
from derive.network.mlp import LAYERED, build_mlp
from derive.output.render import document_files


def net_342():
    """A 3-4-2 tanh/softmax network with a one-hot target, numbers chosen here."""
    net = build_mlp([3, 4, 2], ["tanh", "softmax"], "cross_entropy", LAYERED, "net")
    values = {q.name: Fraction(k % 9 - 4, 10) or Fraction(1, 20) for k, q in enumerate(net.params)}
    values.update(x1=Fraction(17, 100), x2=Fraction(72, 100), x3=Fraction(97, 100), t1=Fraction(0), t2=Fraction(1))
    return net.with_values(values, Fraction(1, 2))


def html_of(net) -> str:
    return document_files(build(derive(net)), "html", "x")["x.html"].decode()


@pytest.mark.parametrize("name", ["mlp-222", "lenet", "rnn-2step", "3-4-2"])
def test_the_contents_link_every_section(name):
    text = html_of(net_342() if name == "3-4-2" else load(name))
    nav = text[text.index("<nav>"):text.index("</nav>")]
    body = text[text.index("</nav>"):]
    ids = re.findall(r'<h[23] id="([^"]+)"', body)
    headings = re.findall(r"<h[23][ >]", body)
    assert len(ids) == len(headings) and len(set(ids)) == len(ids)   # every section has an id of its own
    links = re.findall(r'href="#([^"]+)"', nav)
    assert links == ids   # each once, in reading order
    assert "Contents" in nav


def test_the_numbers_of_a_forward_row_stand_under_its_definition():
    text = html_of(net_342())
    forward = text[text.index('<h2 id="forward">'):text.index('<h2 id="loss">')]
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", forward, re.S) if "<td" in r]
    assert rows and all(r.count("<td") == 2 for r in rows if "more, from" not in r)
    assert sum('<span class="with">' in r for r in rows) == 4 + 4 + 2 + 2   # z, a of layer 1; z, a of the output
    assert '<table class="fwd">' in forward and '<div class="wide">' in forward


def test_numbers_are_written_without_stretchy_or_doubled_parentheses():
    md = document_files(build(derive(net_342())), "md", "x")["x.md"].decode()
    assert r"\left(\left(" not in md and r"e^{\left(" not in md
    assert not re.search(r"\\left\(-[\d.]+\\right\)", md)
    assert re.search(r"\\tanh\{\\left\(-0\.\d+ \\right\)\}", md)    # tanh(−0.4), not tanh((−0.4))
    assert re.search(r"e\^\{-0\.\d+\}", md)                          # e^{−0.1}, not e^{(−0.1)}
    assert re.search(r"\\cdot \(-0\.\d+\)", md)                       # a factor: 0.2 · (−0.3)


def test_the_summary_writes_a_real_minus():
    text = html_of(load("mlp-222"))
    summary = text[text.index('<h2 id="summary">'):]
    cells = re.findall(r'<td class="n">([^<]*)</td>', summary)
    assert any(c.startswith("−") for c in cells)     # w7 and w8 have negative gradients in mlp-222
    assert not any(c.startswith("-") for c in cells)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MEASURE = ('<script>addEventListener("load", function () { var w = 0; document.querySelectorAll("table")'
           '.forEach(function (t) { w = Math.max(w, t.getBoundingClientRect().right); });'
           'document.body.setAttribute("data-w", document.documentElement.clientWidth + " " + Math.round(w)); })'
           '</script></body>')


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium")
def test_the_tables_of_a_342_network_fit_a_1000_pixel_window(tmp_path):
    page = tmp_path / "x.html"
    page.write_text(html_of(net_342()).replace("</body>", MEASURE), encoding="utf-8")
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--window-size=1000,2000",
                          "--virtual-time-budget=3000", "--dump-dom", str(page)],
                         capture_output=True, text=True, timeout=120).stdout
    width, widest = map(int, re.search(r'data-w="(\d+) (\d+)"', out).groups())
    assert 900 < width <= 1000 and widest <= width
