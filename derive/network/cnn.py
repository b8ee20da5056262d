"""Convolutional networks (LeNet style) built into the Network form, in note 002's notation.

    C^{l,sum}_{g,h,c} = Σ_d Σ_{m,n} A_{g+m-1,h+n-1,d} k^l_{m,n,d,c} + b^l_c   valid convolution, stride 1
    C^l_{g,h,c}       = σ(C^{l,sum}_{g,h,c})                            (or tanh, relu, linear)
    P^p_{r,s,c}       = max or mean of the size×size window (r, s) of map c   (non-overlapping)
    o^{sum}_j         = Σ_i w_{j,i} v_i + b_j,   v = vec(last map)            dense
    o_j               = softmax(o^{sum})_j,   L = -Σ_j t_j log o_j            (or another output and loss)

Names: input x_i_j (x_i_j_d with several channels), kernels k1_m_n_c (k2_m_n_d_c when the layer's input
has several channels d), biases b1_c, maps C1_g_h_c after C1_g_h_c_sum, pooled maps P1_r_s_c, dense
weights w_j_i, biases b_j, outputs o_j after o_j_sum, targets t_j. Positions and channels count from 1;
classes count from 0 (o_0 … o_9), as in the note. v = vec(map) lists the map channel by channel, each
row by row: v_i = A_{r,s,c} with i = (c-1)·R·S + (r-1)·S + s. (Spec files fill arrays from index 1:
give x and kernels as arrays, and the class-indexed t_j, w_j_i, b_j by name, or use `label` and `seed`.)

Max pooling is not differentiable where a window has two equal maxima. Here its derivative is 1 for
the first maximum in the window's row-major order and 0 for the others (numeric.max_position, the
convention of PyTorch's max_pool2d); the network's description says so. Its formulas in index form
for documents are document/cnn.py's; evaluate.max_pool_margin measures how close a window is to a tie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from ..errors import SpecError
from ..rules import ACTIVATIONS
from . import validate
from .graph import Activate, Affine, Loss, LossTerm, Network, Pool, Quantity, Role, Softmax, check_well_formed

POOLS = ("max", "avg")
TIE_RULE = "max pooling passes the gradient to the first maximum of each window in row-major order at ties"


@dataclass(frozen=True)
class Conv:
    maps: int
    kernel: int


@dataclass(frozen=True)
class Pooling:
    kind: str  # "max" | "avg"
    size: int = 2


@dataclass(frozen=True)
class Flatten:
    pass


@dataclass(frozen=True)
class Dense:
    units: int


Layer = Union[Conv, Pooling, Flatten, Dense]

# index letters of note 002: C¹ g,h; C² p,q; P¹ r,s; P² u,v; later layers fall back to i,j
CONV_LETTERS = (("g", "h"), ("p", "q"))
POOL_LETTERS = (("r", "s"), ("u", "v"))


def _letters(table, number: int) -> tuple[str, str]:
    return table[number - 1] if number <= len(table) else ("i", "j")


def _sub(*ks) -> str:
    return ",".join(str(k) for k in ks)


def check_layers(input_shape: tuple[int, int, int], layers: list[Layer]) -> list[tuple[int, int, int]]:
    """The shape (channels, height, width) after every layer; SpecError naming the layer's key if a
    shape is impossible."""
    shapes = []
    c, h, w = input_shape
    for i, layer in enumerate(layers):
        key = f"layers[{i}]"
        if isinstance(layer, Conv):
            if layer.kernel > h or layer.kernel > w:
                raise SpecError(f"{key}.kernel", f"a {layer.kernel}×{layer.kernel} kernel is larger than its "
                                f"{h}×{w} input")
            c, h, w = layer.maps, h - layer.kernel + 1, w - layer.kernel + 1
        elif isinstance(layer, Pooling):
            validate.check_choice(f"{key}.kind", layer.kind, POOLS)
            if h % layer.size or w % layer.size:
                raise SpecError(f"{key}.size", f"pooling size {layer.size} does not divide the {h}×{w} map "
                                "(windows do not overlap and must tile the map)")
            h, w = h // layer.size, w // layer.size
        elif isinstance(layer, Flatten):
            if i + 1 >= len(layers) or not isinstance(layers[i + 1], Dense):
                raise SpecError(f"{key}.type", "flatten must come right before the dense layer")
            c, h, w = c * h * w, 1, 1
        elif isinstance(layer, Dense):
            if i != len(layers) - 1:
                raise SpecError(f"{key}.type", "the dense layer must be the last layer (one dense layer, the output)")
            c, h, w = layer.units, 1, 1
        shapes.append((c, h, w))
    if not layers or not isinstance(layers[-1], Dense):
        raise SpecError("layers", "the last layer must be {type = \"dense\", units = N}, the output")
    return shapes


class _Builder:
    """Appends a CNN's quantities layer by layer. `A` is the current map: (channel, row, col) -> name."""

    def __init__(self, input_shape: tuple[int, int, int], activation: str):
        self.activation = activation
        self.leaves: list[Quantity] = []
        self.params: list[Quantity] = []
        self.body: list[Quantity] = []
        self.rows: list[dict] = []  # the layer shapes, for documents (Network.shape["layers"])
        self.n_conv = self.n_pool = 0
        D, H, W = input_shape
        self.A = {}
        for d, i, j in _grid(D, H, W):
            idx = (i, j) if D == 1 else (i, j, d)
            name = "x_" + "_".join(map(str, idx))
            self.leaves.append(Quantity(name, Role.INPUT, latex=f"x_{{{_sub(*idx)}}}", layer=0, index=(i, j, d)))
            self.A[d, i, j] = name

    def conv(self, li: int, layer: Conv, shape: tuple[int, int, int]) -> None:
        self.n_conv += 1
        l, K, (D, H, W) = self.n_conv, layer.kernel, shape
        kname = {}
        for c in range(1, layer.maps + 1):
            for d, m, n in _grid(D, K, K):
                idx = (m, n, c) if D == 1 else (m, n, d, c)
                kname[m, n, d, c] = f"k{l}_" + "_".join(map(str, idx))
                self.params.append(Quantity(kname[m, n, d, c], Role.PARAM, latex=f"k^{{{l}}}_{{{_sub(*idx)}}}",
                                            layer=li, index=(m, n, d, c)))
        for c in range(1, layer.maps + 1):
            self.params.append(Quantity(f"b{l}_{c}", Role.PARAM, latex=f"b^{{{l}}}_{{{c}}}", layer=li, index=(c,)))
        out = {}
        for c, g, h in _grid(layer.maps, H - K + 1, W - K + 1):
            terms = tuple((self.A[d, g + m - 1, h + n - 1], kname[m, n, d, c]) for d, m, n in _grid(D, K, K))
            s, pre = _sub(g, h, c), f"C{l}_{g}_{h}_{c}_sum"
            self.body.append(Quantity(pre, Role.HIDDEN, Affine(terms, f"b{l}_{c}"),
                                      rf"C^{{{l},\mathrm{{sum}}}}_{{{s}}}",
                                      li, (g, h, c), delta=rf"\delta^{{C^{{{l}}}}}_{{{s}}}"))
            out[c, g, h] = f"C{l}_{g}_{h}_{c}"
            self.body.append(Quantity(out[c, g, h], Role.HIDDEN, Activate(self.activation, pre),
                                      f"C^{{{l}}}_{{{s}}}", li, (g, h, c)))
        self.A = out
        self.rows.append({"type": "conv", "name": f"C{l}", "maps": layer.maps, "kernel": K, "in": list(shape),
                          "out": [layer.maps, H - K + 1, W - K + 1], "letters": _letters(CONV_LETTERS, l),
                          "kernel_name": f"k{l}", "bias_name": f"b{l}", "input_channels": D})

    def pool(self, li: int, layer: Pooling, shape: tuple[int, int, int]) -> None:
        self.n_pool += 1
        p, z, (D, H, W) = self.n_pool, layer.size, shape
        out = {}
        for c, r, s in _grid(D, H // z, W // z):
            window = tuple(self.A[c, (r - 1) * z + a, (s - 1) * z + b]
                           for a in range(1, z + 1) for b in range(1, z + 1))
            out[c, r, s] = f"P{p}_{r}_{s}_{c}"
            self.body.append(Quantity(out[c, r, s], Role.HIDDEN, Pool(layer.kind, window),
                                      f"P^{{{p}}}_{{{_sub(r, s, c)}}}", li, (r, s, c)))
        self.A = out
        self.rows.append({"type": "pool", "name": f"P{p}", "kind": layer.kind, "size": z, "in": list(shape),
                          "out": [D, H // z, W // z], "letters": _letters(POOL_LETTERS, p)})

    def dense(self, li: int, layer: Dense, shape: tuple[int, int, int], output_activation: str) -> list[str]:
        """o_j^sum = Σ_i w_j_i v_i + b_j over v = vec(map), then the outputs; returns the pre-activations."""
        v = [self.A[key] for key in _grid(*shape)]
        K = layer.units
        for j in range(K):
            for i in range(1, len(v) + 1):
                self.params.append(Quantity(f"w_{j}_{i}", Role.PARAM, latex=f"w_{{{_sub(j, i)}}}", layer=li,
                                            index=(j, i)))
        for j in range(K):
            self.params.append(Quantity(f"b_{j}", Role.PARAM, latex=f"b_{{{j}}}", layer=li, index=(j,)))
        pres = [f"o_{j}_sum" for j in range(K)]
        for j in range(K):
            terms = tuple((f"w_{j}_{i}", v[i - 1]) for i in range(1, len(v) + 1))
            self.body.append(Quantity(pres[j], Role.HIDDEN, Affine(terms, f"b_{j}"), f"o_{{{j}}}^{{sum}}", li, (j,),
                                      delta=f"\\delta^{{o}}_{{{j}}}"))
        for j in range(K):
            op = (Activate(output_activation, pres[j]) if ACTIVATIONS[output_activation].elementwise
                  else Softmax(tuple(pres), j))
            self.body.append(Quantity(f"o_{j}", Role.OUTPUT, op, f"o_{{{j}}}", li, (j,)))
        self.rows.append({"type": "dense", "units": K, "in": list(shape), "out": [K, 1, 1], "inputs": len(v),
                          "map": list(shape)})
        return pres


def _grid(a: int, b: int, c: int):
    """(i, j, k) for i in 1..a, j in 1..b, k in 1..c, in that (row-major) order."""
    return [(i, j, k) for i in range(1, a + 1) for j in range(1, b + 1) for k in range(1, c + 1)]


def build_cnn(input_shape: tuple[int, int, int], layers: list[Layer], activation: str = "sigmoid",
              loss: str = "cross_entropy", output_activation: str = "softmax", name: str = "cnn",
              description: str = "", note: str = "") -> Network:
    """A LeNet-style network: convolutions and poolings in any order, then one dense output layer
    (a flatten layer before it is optional: the dense layer always reads vec(map))."""
    for key, n in zip(("input[0]", "input[1]", "input[2]"), input_shape):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise SpecError(key, f"expected a whole number of at least 1, got {n!r}")
    validate.activation("activation", activation, validate.hidden_activations())
    out = validate.activation("output_activation", output_activation, validate.output_activations("cnn", "softmax"))
    validate.loss(loss)
    shapes = check_layers(input_shape, layers)
    K = layers[-1].units
    if K < out.min_units:
        raise SpecError(f"layers[{len(layers) - 1}].units",
                        f"{output_activation} needs at least {out.min_units} outputs")
    validate.loss_and_output(loss, output_activation, layer_phrase=False, explain=False)

    b = _Builder(input_shape, activation)
    targets = [f"t_{j}" for j in range(K)]
    b.leaves += [Quantity(t, Role.TARGET, latex=f"t_{{{j}}}", layer=len(layers), index=(j,))
                 for j, t in enumerate(targets)]
    shape = tuple(input_shape)
    for li, layer in enumerate(layers, start=1):
        if isinstance(layer, Conv):
            b.conv(li, layer, shape)
        elif isinstance(layer, Pooling):
            b.pool(li, layer, shape)
        elif isinstance(layer, Flatten):
            # no quantities and no row of its own: the map keeps its shape for the dense layer, which
            # reads vec(map) and whose row records that map (documents write the flattening there)
            continue
        else:
            pres = b.dense(li, layer, shape, output_activation)
        shape = shapes[li - 1]

    pairs = tuple((f"o_{j}", t) for j, t in enumerate(targets))
    b.body += [Quantity(f"L_{j}", Role.LOSS_TERM, LossTerm(loss, o, t, K), f"L_{{{j}}}", len(layers), (j,))
               for j, (o, t) in enumerate(pairs)]
    logits = validate.logits(loss, output_activation, pres)
    b.body.append(Quantity("L", Role.LOSS, Loss(loss, pairs, logits), "L"))

    has_max = any(isinstance(layer, Pooling) and layer.kind == "max" for layer in layers)
    description = (description or _describe(input_shape, b.rows, activation, output_activation, loss)) \
        + (f"; {TIE_RULE}" if has_max else "")
    net = Network(name, "cnn", tuple(b.leaves + b.params + b.body), "L", description=description, note=note,
                  shape={"input": list(input_shape), "layers": b.rows, "activation": activation,
                         "output_activation": output_activation, "loss": loss,
                         "max_pool_ties": TIE_RULE if has_max else None})
    check_well_formed(net)
    return net


def _describe(input_shape, rows, activation, output_activation, loss) -> str:
    C, H, W = input_shape
    parts = [f"{H}x{W} input ({C} channel{'s' * (C > 1)})"]
    for row in rows:
        if row["type"] == "conv":
            parts.append(f"{row['maps']} {row['kernel']}x{row['kernel']} kernels")
        elif row["type"] == "pool":
            parts.append(f"{row['size']}x{row['size']} {row['kind']} pooling")
        elif row["type"] == "dense":
            parts.append(f"dense to {row['units']}")
    return f"CNN: {', '.join(parts)}; {activation} maps, {output_activation} output, loss {loss}"
