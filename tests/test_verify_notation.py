r"""Notation met in class notes beyond the five seeds, each in a short note with the lines that are wrong
(a bare "0" claims exactly zero, not a number that rounds to 0).

Expected values worked by hand:
  minus_ln: z = 0.5·2 − 0.2 = 0.8, p = σ(0.8) = 0.689974; L = −ln p gives ∂L/∂z = −(1/p)·p(1 − p) = p − 1,
            and ∂L/∂w = (p − 1)x = −0.620051 (written −0.6201). ∂L/∂z = 0 is wrong.
  relu:     z1 = 0.5 + 0.1 = 0.6 (h1 = 0.6), z2 = −0.5 + 0.1 = −0.4 (h2 = 0: unit 2 is off), y = 0.4·0.6 = 0.24,
            y − t = −0.76. ∂E/∂w1 = −0.76·0.4·1·1 = −0.304; ∂E/∂w2 = 0, so (y − t) v2 x, which holds only
            where unit 2 is on, is wrong at the note's values. ∂E/∂b1 = (y − t) v1 1[z1 > 0] = −0.304,
            ∂E/∂b2 = (y − t) v2 1[z2 > 0] = 0; with 1[z2 < 0] the step is the wrong way round.
  bare:     0.5 − 0.2 (a Unicode minus, outside $$) is 0.3, not 0.4.
  remark:   σ(0.5) = 0.622459: 0.6225 is right, 0.7225 is wrong, whatever remark follows.
  arrow:    z = 0.5, a = σ(0.5) = 0.622459, ∂L/∂w = (a − y) a (1 − a) x = 0.146280; the update written with
            \leftarrow gives w = 0.5 − 0.5 · 0.146280 = 0.426860 (0.4269); with + it is the wrong sign.
  slash:    h = σ(wx), E = ½(h − t)²: ∂E/∂w = (h − t) h(1 − h) x; without the factor (1 − h) it is wrong.
  delta:    an error signal is ∂L/∂z of its layer: δ(2) = (a(2) − y) a(2)(1 − a(2)) is right; δ(1) must be
            δ(2) v a(1)(1 − a(1)), so δ(2) v a(2)(1 − a(2)) is wrong; ∂L/∂v = δ(2) a(1) is right.
  named_d:  a parameter called d (not a differential): h = σ(0.5) = 0.622459, ch + d = 0.760213,
            y = σ(0.760213) = 0.681402, so 0.6814 is right and 0.6914 wrong.
  h_product: h = σ(z_h) is a quantity, so h(1 − h) is a product (σ′ in h), not a call of a function h;
            ∂h/∂w = h(1 − h) x, so h(1 − h) alone drops the factor x.
  primed:   w' is the new w: w − η ∂E/∂w is the update, w + η ∂E/∂w has the wrong sign.
  bce_label: with the label y = 0, L = −[y ln ŷ + (1 − y) ln(1 − ŷ)] is −ln(1 − ŷ); ∂L/∂w = (ŷ − y) x
            (σ′ cancels against the log), so ŷ(1 − ŷ) x is wrong.
  softmax:  p_k written once for every k (no range: the k at which the note names p): e^0.4 = 1.491825,
            e^0.2 = 1.221403, e^-0.7 = 0.496585, sum 3.209813, p_1 = 0.464770, p_2 = 0.380521; with the
            one-hot t = (0, 1, 0), ∂L/∂z_1 = p_1 − t_1 = 0.4648 and ∂L/∂z_2 = p_2 − 1 = −0.6195, not 0.6195.
  tanh:     d/dz tanh(z) = 1 − tanh²(z), written \tanh^2(z); 1 + tanh²(z) is wrong.
  matrix:   W = [0.1 0.3; −0.2 0.4], b = [0.1; −0.1], x = [0.5; 1] given as numbers: z = Wx + b =
            [0.05 + 0.3 + 0.1; −0.1 + 0.4 − 0.1] = [0.45; 0.2], so [0.45; 0.3] is wrong in entry (2,1);
            a = σ(z) = [0.610639; 0.549834]; Wᵀ = [0.1 −0.2; 0.3 0.4]; with U⁽²⁾ = [0.5 −0.5], U⁽²⁾ᵀ is
            [0.5; −0.5], so [0.5; 0.5] is wrong.
  batch:    a whole number says too little to tie a name to a quantity: t^(1) = 1 is a target, not w = 0.5
            "rounded"; y^(1) = 0.5·1 + 0.2 = 0.7 and y^(1) − t^(1) = 0.7 − 1 = −0.3 are both right.
"""

import pytest

from derive.verify import verify_text


def note(*lines: str) -> str:
    """One formula per line, blank lines between: line k of the list is line 2k − 1 of the note."""
    return "\n\n".join(lines) + "\n"


CASES = {
    "minus_ln": (note(
        r"$$z = w x + b$$",
        r"$$p = \sigma(z)$$",
        r"$$L = -\ln p$$",
        r"$$w = 0.5, \ x = 2, \ b = -0.2$$",
        r"$$\frac{\partial L}{\partial z} = p - 1$$",
        r"$$\frac{\partial L}{\partial w} = (p - 1) x = -0.6201$$",
        r"$$\frac{\partial L}{\partial z} = 0$$",
    ), {13}, {9, 11}),
    "relu": (note(
        r"$$z_1 = w_1 x + b_1, \quad z_2 = w_2 x + b_2$$",
        r"$$h_1 = \text{ReLU}(z_1), \quad h_2 = \text{ReLU}(z_2)$$",
        r"$$y = v_1 h_1 + v_2 h_2, \quad E = \frac{1}{2}(y - t)^2$$",
        r"$$x = 1, \ t = 1, \ w_1 = 0.5, \ b_1 = 0.1, \ w_2 = -0.5, \ b_2 = 0.1, \ v_1 = 0.4, \ v_2 = 0.3$$",
        r"$$\frac{\partial E}{\partial w_1} = (y - t) v_1 \text{ReLU}'(z_1) x = -0.304$$",
        r"$$\frac{\partial E}{\partial w_2} = (y - t) v_2 x$$",
        r"$$\frac{\partial E}{\partial w_2} = 0 \quad \text{(unit 2 is off)}$$",
        r"$$\frac{\partial E}{\partial b_1} = (y - t) v_1 \mathbb{1}[z_1 > 0] = -0.304$$",
        r"$$\frac{\partial E}{\partial b_2} = (y - t) v_2 \mathbb{1}[z_2 > 0] = 0$$",
        r"$$\frac{\partial E}{\partial b_2} = (y - t) v_2 \mathbb{1}[z_2 < 0]$$",
    ), {11, 19}, {9, 13, 15, 17}),
    "bare": (note(
        "0.5 − 0.2 = 0.3",
        "0.5 − 0.2 = 0.4",
    ), {3}, {1}),
    "remark": (note(
        r"$$\sigma(0.5) = 0.6225 \quad \text{(rounded)}$$",
        r"$$\sigma(0.5) = 0.7225 \quad \text{wrong on purpose}$$",
    ), {3}, {1}),
    "arrow": (note(
        r"$$z = w x, \quad a = \sigma(z), \quad L = \frac{1}{2}(a - y)^2$$",
        r"$$w = 0.5, \ x = 1, \ y = 0, \ \eta = 0.5$$",
        r"$$\frac{\partial L}{\partial w} = (a - y) a (1 - a) x = 0.1463$$",
        r"$$w \leftarrow w - \eta \frac{\partial L}{\partial w} = 0.5 - 0.5 \cdot 0.1463 = 0.4269$$",
        r"$$w \gets w + \eta \frac{\partial L}{\partial w}$$",
    ), {9}, {5, 7}),
    "slash": (note(
        r"$$h = \sigma(w x), \quad E = \frac{1}{2}(h - t)^2$$",
        r"$$\partial E / \partial w = (h - t) h (1 - h) x$$",
        r"$$\partial E / \partial w = (h - t) h x$$",
    ), {5}, {3}),
    "delta": (note(
        r"$$z^{(1)} = w x + b, \quad a^{(1)} = \sigma(z^{(1)})$$",
        r"$$z^{(2)} = v a^{(1)} + c, \quad a^{(2)} = \sigma(z^{(2)})$$",
        r"$$L = \frac{1}{2}(a^{(2)} - y)^2$$",
        r"$$\delta^{(2)} = (a^{(2)} - y) a^{(2)} (1 - a^{(2)})$$",
        r"$$\delta^{(1)} = \delta^{(2)} v a^{(2)} (1 - a^{(2)})$$",
        r"$$\frac{\partial L}{\partial v} = \delta^{(2)} a^{(1)}$$",
    ), {9}, {7, 11}),
    "named_d": (note(
        r"$$h = \sigma(a x + b), \quad y = \sigma(c h + d), \quad E = \frac{1}{2}(y - t)^2$$",
        r"$$x = 1.5, \ t = 1, \ a = 0.4, \ b = -0.1, \ c = 0.9, \ d = 0.2$$",
        r"$$y = 0.6814$$",
        r"$$y = 0.6914$$",
    ), {7}, {5}),
    "h_product": (note(
        r"$$z_h = w x + b, \quad h = \sigma(z_h)$$",
        r"$$w = 0.4, \ x = 2, \ b = -0.3$$",
        r"$$\frac{\partial h}{\partial z_h} = h(1 - h)$$",
        r"$$\frac{\partial h}{\partial w} = h(1 - h)$$",
    ), {7}, {5}),
    "primed": (note(
        r"$$h = \sigma(w x), \quad E = \frac{1}{2}(h - t)^2$$",
        r"$$w = 0.5, \ x = 1, \ t = 0, \ \eta = 0.5$$",
        r"$$w' = w - \eta \frac{\partial E}{\partial w}$$",
        r"$$w' = w + \eta \frac{\partial E}{\partial w}$$",
    ), {7}, {5}),
    "bce_label": (note(
        r"$$\hat{y} = \sigma(w x + b), \quad L = -[y \ln \hat{y} + (1 - y) \ln(1 - \hat{y})]$$",
        r"$$w = 0.5, \ x = 2, \ b = 0.1, \ y = 0$$",
        r"$$L = -\ln(1 - \hat{y})$$",
        r"$$\frac{\partial L}{\partial w} = (\hat{y} - y) x$$",
        r"$$\frac{\partial L}{\partial w} = \hat{y} (1 - \hat{y}) x$$",
    ), {9}, {5, 7}),
    "softmax": (note(
        r"$$z_1 = u_1 x, \quad z_2 = u_2 x, \quad z_3 = u_3 x$$",
        r"$$p_k = \frac{e^{z_k}}{\sum_{j=1}^{3} e^{z_j}}$$",
        r"$$L = -\sum_{k=1}^{3} t_k \ln p_k$$",
        r"$$x = 1, \ u_1 = 0.4, \ u_2 = 0.2, \ u_3 = -0.7, \ t_1 = 0, \ t_2 = 1, \ t_3 = 0$$",
        r"$$p_1 = 0.4648$$",
        r"$$\frac{\partial L}{\partial z_1} = p_1 - t_1 = 0.4648$$",
        r"$$\frac{\partial L}{\partial z_2} = p_2 - t_2 = 0.6195$$",
    ), {13}, {9, 11}),
    "batch": (note(
        r"$$y^{(n)} = w x^{(n)} + b$$",
        r"$$L = \frac{1}{N} \sum_{n=1}^{N} \left( y^{(n)} - t^{(n)} \right)^2$$",
        r"$$x^{(1)} = 1, \ t^{(1)} = 1, \ x^{(2)} = 3, \ t^{(2)} = 2.5$$",
        r"$$w = 0.5, \ b = 0.2, \ N = 2$$",
        r"$$y^{(1)} = 0.5 \cdot 1 + 0.2 = 0.7$$",
        r"$$y^{(1)} - t^{(1)} = 0.7 - 1 = -0.3$$",
    ), set(), {9, 11}),
    "tanh": (note(
        r"$$z = w x + b, \quad h = \tanh(z), \quad E = \frac{1}{2}(h - t)^2$$",
        r"$$\frac{d}{dz}\tanh(z) = 1 - \tanh^2(z)$$",
        r"$$\frac{\partial h}{\partial z} = 1 - \tanh^2(z)$$",
        r"$$\frac{\partial h}{\partial z} = 1 + \tanh^2(z)$$",
    ), {7}, {3, 5}),
    "matrix": (note(
        r"$$z = W x + b$$",
        r"$$a = \sigma(z)$$",
        r"$$W = \begin{bmatrix} 0.1 & 0.3 \\ -0.2 & 0.4 \end{bmatrix}, "
        r"\quad b = \begin{bmatrix} 0.1 \\ -0.1 \end{bmatrix}$$",
        r"$$x = \begin{bmatrix} 0.5 \\ 1 \end{bmatrix}$$",
        r"$$z = \begin{bmatrix} 0.45 \\ 0.2 \end{bmatrix}$$",
        r"$$z = \begin{bmatrix} 0.45 \\ 0.3 \end{bmatrix}$$",
        r"$$a = \begin{bmatrix} 0.6106 \\ 0.5498 \end{bmatrix}$$",
        r"$$W^T = \begin{bmatrix} 0.1 & -0.2 \\ 0.3 & 0.4 \end{bmatrix}$$",
        r"$$y = U^{(2)} a, \quad U^{(2)} = \begin{bmatrix} 0.5 & -0.5 \end{bmatrix}$$",
        r"$$U^{(2)T} = \begin{bmatrix} 0.5 \\ -0.5 \end{bmatrix}$$",
        r"$$U^{(2)T} = \begin{bmatrix} 0.5 \\ 0.5 \end{bmatrix}$$",
    ), {11, 21}, {9, 13, 15, 19}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_wrong_lines_are_found_and_right_ones_pass(name):
    text, wrong, right = CASES[name]
    report = verify_text(f"{name}.md", text)
    by_line: dict[int, set] = {}
    for v in report.verdicts:
        by_line.setdefault(v.line, set()).add(v.status)
    assert {n for n, s in by_line.items() if "wrong" in s} == wrong, report.verdicts
    for n in right:
        assert by_line.get(n) == {"correct"}, (n, [v for v in report.verdicts if v.line == n])


def test_a_formula_for_a_long_range_is_checked_on_its_first_values_not_written_out():
    # written for 100,000 values of i: reading it once per value took minutes and gigabytes; its first values
    # are enough to tie x_i to 2, so x_2 + x_3 = 5 is still caught
    note = "# Range\n\n$$x_i = 2 \\quad (i = 1, \\dots, 100000)$$\n\n$$y = x_2 + x_3 = 5$$\n"
    report = verify_text("range.md", note, limit=20)
    wrong = [v.line for v in report.verdicts if v.status == "wrong"]
    assert wrong == [5]
