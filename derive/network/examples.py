"""Built-in networks, each reproducing a note in the names that note uses."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from ..errors import DeriveError
from .cnn import Conv, Dense, Pooling, build_cnn
from .graph import Network
from .mlp import Naming, build_mlp
from .rnn import build_rnn
from .sampling import sample_values


def _sub(base: str, sub: str) -> str:
    return f"{base}_{{{sub}}}"


def _mlp_221() -> Network:
    # note 000: h1 = sigmoid(w1*x1 + w3*x2 + b1), h2 = sigmoid(w2*x1 + w4*x2 + b2),
    # output = sigmoid(w5*h1 + w6*h2 + b3), loss = 0.5*(output - target)^2, target 1.
    def weight(l, j, k):
        n = {1: lambda: 2 * (k - 1) + j, 2: lambda: 4 + k}[l]()
        return f"w{n}", _sub("w", str(n))

    units = {(1, 1): "h1", (1, 2): "h2"}
    naming = Naming(
        input=lambda k: (f"x{k}", _sub("x", str(k))),
        target=lambda j: ("target", r"\text{target}"),
        weight=weight,
        bias=lambda l, j: (f"b{2 * (l - 1) + j}", _sub("b", str(2 * (l - 1) + j))),
        pre=lambda l, j: (f"z_{units[(l, j)]}", _sub("z", units[(l, j)])) if l == 1 else ("z_out", r"z_{\text{out}}"),
        act=lambda l, j: (units[(l, j)], _sub(units[(l, j)][0], units[(l, j)][1:])) if l == 1
        else ("output", r"\text{output}"),
        delta=lambda l, j: _sub(r"\delta", units[(l, j)]) if l == 1 else r"\delta_{\text{out}}",
        loss=("loss", r"\text{loss}"),
    )
    net = build_mlp([2, 2, 1], ["sigmoid", "sigmoid"], "half_sse", naming, "mlp-221",
                    "2-2-1 sigmoid MLP, loss 1/2 (output - target)^2, target 1", "000")
    return net.with_values({"target": Fraction(1)})


def _mlp_222() -> Network:
    # note 001 (the classic worked example): net_h1 = w1 i1 + w2 i2 + b1, hidden bias b1 shared,
    # output bias b2 shared, E_total = sum 1/2 (target - out)^2, learning rate 0.5.
    def unit(l, j):
        return f"h{j}" if l == 1 else f"o{j}"

    def weight(l, j, k):
        n = 4 * (l - 1) + 2 * (j - 1) + k
        return f"w{n}", _sub("w", str(n))

    naming = Naming(
        input=lambda k: (f"i{k}", _sub("i", str(k))),
        target=lambda j: (f"target_o{j}", _sub(r"\mathrm{target}", f"o{j}")),
        weight=weight,
        bias=lambda l, j: (f"b{l}", _sub("b", str(l))),
        pre=lambda l, j: (f"net_{unit(l, j)}", _sub(r"\mathrm{net}", unit(l, j))),
        act=lambda l, j: (f"out_{unit(l, j)}", _sub(r"\mathrm{out}", unit(l, j))),
        delta=lambda l, j: _sub(r"\delta", unit(l, j)),
        loss=("E_total", r"E_{\mathrm{total}}"),
        loss_term=lambda j: (f"E_o{j}", _sub("E", f"o{j}")),
    )
    net = build_mlp([2, 2, 2], ["sigmoid", "sigmoid"], "half_sse", naming, "mlp-222",
                    "2-2-2 sigmoid MLP with the classic numbers: inputs 0.05, 0.10, targets 0.01, 0.99", "001")
    values = dict(zip(["i1", "i2", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2",
                       "target_o1", "target_o2"],
                      map(Fraction, ["0.05", "0.10", "0.15", "0.20", "0.25", "0.30", "0.40", "0.45",
                                     "0.50", "0.55", "0.35", "0.60", "0.01", "0.99"])))
    return net.with_values(values, Fraction("0.5"))


def _mlp_221_se() -> Network:
    # note 002: h1_sum = x1 w1 + x2 w2 + b1, ..., o1 = sigma(o1_sum), L = (y_true - y_pred)^2.
    def unit(l, j):
        return f"h{j}" if l == 1 else "o1"

    naming = Naming(
        input=lambda k: (f"x{k}", _sub("x", str(k))),
        target=lambda j: ("y_true", r"y_{true}"),
        weight=lambda l, j, k: (f"w{4 * (l - 1) + 2 * (j - 1) + k}", _sub("w", str(4 * (l - 1) + 2 * (j - 1) + k))),
        bias=lambda l, j: (f"b{2 * (l - 1) + j}", _sub("b", str(2 * (l - 1) + j))),
        pre=lambda l, j: (f"{unit(l, j)}_sum", f"{unit(l, j)[0]}_{{{unit(l, j)[1:]}}}^{{sum}}"),
        act=lambda l, j: (unit(l, j), _sub(unit(l, j)[0], unit(l, j)[1:])),
        delta=lambda l, j: _sub(r"\delta", unit(l, j)),
        loss=("L", "L"),
    )
    net = build_mlp([2, 2, 1], ["sigmoid", "sigmoid"], "sse", naming, "mlp-221-se",
                    "2-2-1 sigmoid MLP, loss L = (y_true - y_pred)^2", "002")
    return net.with_values({"y_true": Fraction(1)})


def _mlp_231() -> Network:
    # note 004: z_h1 = w11 x1 + w12 x2 + b1 (three hidden units), z = w_a s(z_h1) + w_b s(z_h2)
    # + w_c s(z_h3) + b4, output = sigma(z), Loss = 1/2 (output - y_T)^2.
    def weight(l, j, k):
        if l == 1:
            return f"w{j}{k}", _sub("w", f"{j}{k}")
        letter = "abc"[k - 1]
        return f"w_{letter}", _sub("w", letter)

    naming = Naming(
        input=lambda k: (f"x{k}", _sub("x", str(k))),
        target=lambda j: ("y_T", "y_{T}"),
        weight=weight,
        bias=lambda l, j: (f"b{j}", _sub("b", str(j))) if l == 1 else ("b4", "b_{4}"),
        pre=lambda l, j: (f"z_h{j}", _sub("z", f"h{j}")) if l == 1 else ("z", "z"),
        act=lambda l, j: (f"s_h{j}", rf"\sigma(z_{{h{j}}})") if l == 1 else ("output", r"\text{output}"),
        delta=lambda l, j: _sub(r"\delta", f"h{j}") if l == 1 else r"\delta_{z}",
        loss=("Loss", r"\mathrm{Loss}"),
    )
    return build_mlp([2, 3, 1], ["sigmoid", "sigmoid"], "half_sse", naming, "mlp-231",
                     "2-3-1 sigmoid MLP in matrix form, loss 1/2 (output - y_T)^2", "004")


def _rnn_2step() -> Network:
    # note 003: o_t = W_i x + W_h h_{t-1} + b, h_t = sigma(o_t), y_t = a h_t + c, L = L_1 + L_2 with
    # L_t = 1/2 (y_t - g_t)^2; x_0 = 1 feeds step 1 and x_1 = 0 step 2; h_0 = 0, g = (1, 1), all parameters 1.
    net = build_rnn(2, activation="sigmoid", loss="half_sse", first_input=0, name="rnn-2step",
                    description="Elman RNN over 2 steps, sigmoid hidden state, linear output, "
                                "L = 1/2 (y_1 - g_1)^2 + 1/2 (y_2 - g_2)^2", note="003")
    values = {"x_0": 1, "x_1": 0, "h_0": 0, "g_1": 1, "g_2": 1, "W_i": 1, "W_h": 1, "a": 1, "b": 1, "c": 1}
    return net.with_values({k: Fraction(v) for k, v in values.items()})


LENET_SEED = 5  # every max-pooling window then has a clear maximum (gap > 9e-4), so finite differences apply


def _lenet() -> Network:
    # the notation closing note 002: kernels k1 (six maps) and k2, biases b1 b2, maps C1 C2, pooled P1 P2,
    # outputs o_0..o_9 (softmax), cross-entropy against a one-hot target (class 3).
    layers = [Conv(6, 3), Pooling("max", 2), Conv(3, 2), Pooling("avg", 2), Dense(10)]
    net = build_cnn((1, 12, 12), layers, "sigmoid", "cross_entropy", "softmax", name="lenet", note="002",
                    description="LeNet-style CNN: 12x12 input, six 3x3 kernels k1 -> C1 (6@10x10), 2x2 max "
                                "pooling -> P1 (6@5x5), three 2x2x6 kernels k2 -> C2 (3@4x4), 2x2 average "
                                "pooling -> P2 (3@2x2), dense 12 -> 10, softmax, cross-entropy; sigmoid maps")
    values = sample_values(net, LENET_SEED, decimals=2, input_decimals=1,
                           one_hot=[f"t_{j}" for j in range(10)], label=3)
    return net.with_values(values)


@dataclass(frozen=True)
class Example:
    name: str
    note: str
    summary: str
    build: Callable[[], Network]


EXAMPLES: dict[str, Example] = {e.name: e for e in [
    Example("mlp-221", "000_bd776a7096b11a4f.txt", "2-2-1 sigmoid MLP, 1/2 (output - target)^2", _mlp_221),
    Example("mlp-222", "001_84a26f5000e749b5.txt", "2-2-2 sigmoid MLP with the numbers of the classic worked "
            "example, learning rate 0.5", _mlp_222),
    Example("mlp-221-se", "002_f8e2d75a1c700bfe.txt", "2-2-1 sigmoid MLP, L = (y_true - y_pred)^2", _mlp_221_se),
    Example("mlp-231", "004_8c9fba2d71a6ddb8.txt", "2-3-1 sigmoid MLP, matrix form", _mlp_231),
    Example("rnn-2step", "003_c489d0f6716235dc.txt", "Elman RNN over 2 steps, backprop through time, all "
            "parameters 1", _rnn_2step),
    Example("lenet", "002_f8e2d75a1c700bfe.txt", "LeNet-style CNN on a 12x12 input, ten classes, "
            "numbers from a fixed seed", _lenet),
]}


def load_example(name: str) -> Network:
    if name not in EXAMPLES:
        raise DeriveError(f"no built-in example {name!r}; the examples are: {', '.join(EXAMPLES)}")
    return EXAMPLES[name].build()
