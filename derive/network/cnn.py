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
convention of PyTorch's max_pool2d); the network's description says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from ..derivation import numeric
from ..errors import SpecError
from .graph import Activate, Affine, Loss, LossTerm, Network, Pool, Quantity, Role, Softmax, check_well_formed
from .mlp import LOSSES, check_choice

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid", "linear")
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
            check_choice(f"{key}.kind", layer.kind, POOLS)
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
            self.body.append(Quantity(pre, Role.HIDDEN, Affine(terms, f"b{l}_{c}"), rf"C^{{{l},\mathrm{{sum}}}}_{{{s}}}",
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
            window = tuple(self.A[c, (r - 1) * z + a, (s - 1) * z + b] for a in range(1, z + 1) for b in range(1, z + 1))
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
                self.params.append(Quantity(f"w_{j}_{i}", Role.PARAM, latex=f"w_{{{_sub(j, i)}}}", layer=li, index=(j, i)))
        for j in range(K):
            self.params.append(Quantity(f"b_{j}", Role.PARAM, latex=f"b_{{{j}}}", layer=li, index=(j,)))
        pres = [f"o_{j}_sum" for j in range(K)]
        for j in range(K):
            terms = tuple((f"w_{j}_{i}", v[i - 1]) for i in range(1, len(v) + 1))
            self.body.append(Quantity(pres[j], Role.HIDDEN, Affine(terms, f"b_{j}"), f"o_{{{j}}}^{{sum}}", li, (j,),
                                      delta=f"\\delta^{{o}}_{{{j}}}"))
        for j in range(K):
            op = Softmax(tuple(pres), j) if output_activation == "softmax" else Activate(output_activation, pres[j])
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
    check_choice("activation", activation, ACTIVATIONS)
    check_choice("output_activation", output_activation, OUTPUT_ACTIVATIONS)
    check_choice("loss", loss, LOSSES)
    shapes = check_layers(input_shape, layers)
    K = layers[-1].units
    if output_activation == "softmax" and K < 2:
        raise SpecError(f"layers[{len(layers) - 1}].units", "softmax needs at least 2 outputs")
    if loss == "bce" and output_activation != "sigmoid":
        raise SpecError("loss", "bce needs output_activation = \"sigmoid\"")
    if loss == "cross_entropy" and output_activation not in ("softmax", "sigmoid"):
        raise SpecError("loss", "cross_entropy needs output_activation = \"softmax\" (or \"sigmoid\")")

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
            b.rows.append({"type": "flatten", "in": list(shape), "out": list(shapes[li - 1])})
            continue  # the map keeps its shape for the dense layer, which reads vec(map)
        else:
            pres = b.dense(li, layer, shape, output_activation)
        shape = shapes[li - 1]

    pairs = tuple((f"o_{j}", t) for j, t in enumerate(targets))
    b.body += [Quantity(f"L_{j}", Role.LOSS_TERM, LossTerm(loss, o, t, K), f"L_{{{j}}}", len(layers), (j,))
               for j, (o, t) in enumerate(pairs)]
    logits = tuple(pres) if (loss == "cross_entropy" and output_activation == "softmax") else ()
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


# --- formulas for documents ---------------------------------------------------------------------

_SLOPE = {"sigmoid": r"{A}\left(1 - {A}\right)", "tanh": r"\left(1 - \left({A}\right)^{{2}}\right)",
          "relu": r"\mathbf{{1}}\left[{Z} > 0\right]", "linear": "1"}


_ACT_TEX = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\operatorname{ReLU}", "linear": ""}


def _ref(base: str, i: str, j: str, ch: str | None) -> str:
    return f"{base}_{{{i},{j}" + (f",{ch}" if ch else "") + "}"


def _ranges(*parts: tuple[str, int, int]) -> str:
    """A range clause `\\quad (g, h = 1, \\dots, 10;\\ c = 1, \\dots, 6)`: the formula holds for each value
    (`derive verify` writes it out for each)."""
    groups: list[tuple[list[str], int, int]] = []
    for letter, lo, hi in parts:
        if groups and groups[-1][1:] == (lo, hi):
            groups[-1][0].append(letter)
        else:
            groups.append(([letter], lo, hi))
    text = r";\ ".join(f"{', '.join(ls)} = {lo}, \\dots, {hi}" for ls, lo, hi in groups)
    return rf" \quad ({text})"


def _offset(z: int, letter: str, a: int) -> str:
    """The a-th position (1..z) of window `letter` of size z: z·letter − (z − a), as in 2r-1, 2r."""
    lead = f"{z}{letter}" if z > 1 else letter
    return lead if a == z else f"{lead}-{z - a}"


def _flat(C: int, R: int, S: int, ch: bool) -> str:
    """The flattened position of (r, s, c): (c-1)·RS + (r-1)·S + s, written as one index expression."""
    const = -(R * S if ch else 0) - S
    parts = ([f"{R * S}c"] if ch and R * S > 1 else (["c"] if ch else [])) + [f"{S}r" if S > 1 else "r", "s"]
    text = "+".join(parts)
    return text + (f"-{-const}" if const < 0 else (f"+{const}" if const else ""))


def index_formulas(net: Network) -> list[tuple[str, str]]:
    """The network's forward definitions and gradient formulas in index form, layer by layer, as
    (label, LaTeX) pairs, each followed by the range of its indices: ∂L/∂k^l_{m,n,d,c} =
    Σ_{g,h} δ^{C^l}_{g,h,c} A_{g+m-1,h+n-1,d} for every convolution (A its input map); a max pool
    routes δ to the position of the window's maximum, written [C = P] ∂L/∂P (the first maximum in
    row-major order at ties), an average pool spreads it evenly; the dense layer reads the pooled
    maps flattened channel by channel, row by row. Positions and channels count from 1, classes
    from 0. Every formula is one `derive verify` can write out for each index and check."""
    s = net.shape
    act = s["activation"]
    c_in = s["input"][0]
    cur = ("x", ("i", "j"), "d" if c_in > 1 else None)  # (LaTeX base, position letters, channel letter)
    out: list[tuple[str, str]] = []
    for row in s["layers"]:
        base, (a1, a2), ch = cur
        if row["type"] == "conv":
            l = row["name"][1:]
            g, h = row["letters"]
            K = row["kernel"]
            G, H = row["out"][1:]
            D = row["input_channels"]
            kd = "m,n,d,c" if D > 1 else "m,n,c"
            src = _ref(base, f"{g}+m-1", f"{h}+n-1", "d" if ch else None)
            dsum = r"\sum_{d=1}^{%d}" % D if D > 1 else ""
            C, Z, dC = f"C^{{{l}}}_{{{g},{h},c}}", rf"C^{{{l},\mathrm{{sum}}}}_{{{g},{h},c}}", rf"\delta^{{C^{{{l}}}}}_{{{g},{h},c}}"
            slope = _SLOPE[act].format(A=C, Z=Z)
            where = _ranges((g, 1, G), (h, 1, H), ("c", 1, row["maps"]))
            kernel = _ranges(("m", 1, K), ("n", 1, K), *((("d", 1, D),) if D > 1 else ()), ("c", 1, row["maps"]))
            out += [
                (f"C{l} definition", rf"{Z} = {dsum}\sum_{{m=1}}^{{{K}}}\sum_{{n=1}}^{{{K}}} {src}\, k^{{{l}}}_{{{kd}}}"
                                     rf" + b^{{{l}}}_{{c}}, \quad {C} = {_ACT_TEX[act]}\left({Z}\right){where}"),
                (f"C{l} error", rf"{dC} = \frac{{\partial L}}{{\partial {Z}}} = \frac{{\partial L}}{{\partial {C}}}\, {slope}"
                                rf"{where}"),
                (f"k{l}", rf"\frac{{\partial L}}{{\partial k^{{{l}}}_{{{kd}}}}} = \sum_{{{g}=1}}^{{{G}}}\sum_{{{h}=1}}^{{{H}}}"
                          rf" {dC}\, {src}{kernel}"),
                (f"b{l}", rf"\frac{{\partial L}}{{\partial b^{{{l}}}_{{c}}}} = \sum_{{{g}=1}}^{{{G}}}\sum_{{{h}=1}}^{{{H}}} {dC}"
                          rf"{_ranges(('c', 1, row['maps']))}"),
            ]
            if base != "x":
                out.append((f"C{l} input", rf"\frac{{\partial L}}{{\partial {_ref(base, a1, a2, 'd')}}} = \sum_{{c=1}}^{{{row['maps']}}}"
                                           rf"\sum_{{m=1}}^{{{K}}}\sum_{{n=1}}^{{{K}}} \delta^{{C^{{{l}}}}}_{{{a1}-m+1,{a2}-n+1,c}}"
                                           rf"\, k^{{{l}}}_{{{kd}}} \quad \text{{(terms outside the map are 0)}}"))
            cur = (f"C^{{{l}}}", (g, h), "c")
        elif row["type"] == "pool":
            p = row["name"][1:]
            r, s_ = row["letters"]
            z = row["size"]
            maps, R, S = row["out"]
            P = f"P^{{{p}}}_{{{r},{s_},c}}"
            window = [_ref(base, _offset(z, r, a), _offset(z, s_, b), "c" if ch else None)
                      for a in range(1, z + 1) for b in range(1, z + 1)]
            where = _ranges((r, 1, R), (s_, 1, S), ("c", 1, maps))
            if row["kind"] == "max":
                out.append((f"P{p} definition", rf"{P} = \max\left({', '.join(window)}\right){where}"))
                for k, cell in enumerate(window, start=1):
                    out.append((f"P{p} routing {k}", rf"\frac{{\partial L}}{{\partial {cell}}} = \mathbf{{1}}\left[{cell} = "
                                                     rf"{P}\right] \frac{{\partial L}}{{\partial {P}}}{where}"))
            else:
                out.append((f"P{p} definition", rf"{P} = \frac{{1}}{{{z * z}}}\left({' + '.join(window)}\right){where}"))
                for k, cell in enumerate(window, start=1):
                    out.append((f"P{p} spreading {k}", rf"\frac{{\partial L}}{{\partial {cell}}} = "
                                                       rf"\frac{{1}}{{{z * z}}} \frac{{\partial L}}{{\partial {P}}}{where}"))
            cur = (f"P^{{{p}}}", (r, s_), "c")
        elif row["type"] == "dense":
            C_, R, S = row["map"]
            flat = _flat(C_, R, S, bool(ch))
            cell = _ref(base, a1, a2, ch)
            grid = _ranges((a1, 1, R), (a2, 1, S), *((("c", 1, C_),) if ch else ()))
            sums = (rf"\sum_{{c=1}}^{{{C_}}}" if ch else "") + rf"\sum_{{{a1}=1}}^{{{R}}}\sum_{{{a2}=1}}^{{{S}}}"
            flat = flat.replace("r", a1).replace("s", a2)
            classes = ("j", 0, row["units"] - 1)
            if s["output_activation"] == "softmax":
                output = rf"o_{{j}} = \frac{{e^{{o_{{j}}^{{sum}}}}}}{{\sum_{{k=0}}^{{{row['units'] - 1}}} e^{{o_{{k}}^{{sum}}}}}}"
            else:
                output = rf"o_{{j}} = {_ACT_TEX[s['output_activation']]}\left(o_{{j}}^{{sum}}\right)"
            if s["loss"] == "cross_entropy" and s["output_activation"] == "softmax":
                delta = r"\delta^{o}_{j} = \frac{\partial L}{\partial o_{j}^{sum}} = o_{j} - t_{j}"
            elif s["output_activation"] == "softmax":
                delta = (r"\delta^{o}_{j} = \sum_{k=0}^{%d} \frac{\partial L}{\partial o_{k}}\, o_{k}"
                         r"\left(\mathbf{1}\left[k = j\right] - o_{j}\right)" % (row["units"] - 1))
            else:
                delta = (r"\delta^{o}_{j} = \frac{\partial L}{\partial o_{j}}\, "
                         + _SLOPE[s["output_activation"]].format(A="o_{j}", Z="o_{j}^{sum}"))
            out += [
                ("flatten", rf"\mathrm{{flat}}_{{{flat}}} = {cell}{grid}"),
                ("dense definition", rf"o_{{j}}^{{sum}} = {sums} w_{{j,{flat}}} {cell} + b_{{j}}{_ranges(classes)}"),
                ("output", output + _ranges(classes)),
                ("output error", delta + _ranges(classes)),
                ("w", rf"\frac{{\partial L}}{{\partial w_{{j,{flat}}}}} = \delta^{{o}}_{{j}}\, {cell}"
                      rf"{_ranges(classes, *[(a1, 1, R), (a2, 1, S)] + ([('c', 1, C_)] if ch else []))}"),
                ("b", r"\frac{\partial L}{\partial b_{j}} = \delta^{o}_{j}" + _ranges(classes)),
                ("dense input", rf"\frac{{\partial L}}{{\partial {cell}}} = \sum_{{j=0}}^{{{row['units'] - 1}}}"
                                rf" w_{{j,{flat}}} \delta^{{o}}_{{j}}{grid}"),
            ]
    return out


def max_pool_margin(net: Network, values: dict | None = None) -> float:
    """The smallest gap, over every max-pooling window, between its largest and second-largest input
    (inf without max pooling). Where it is 0 the tie rule decides; where it is tiny, finite differences
    straddle the kink and disagree with any derivative."""
    v = values if values is not None else numeric.forward(net)
    gaps = [float("inf")]
    for q in net.quantities:
        if isinstance(q.op, Pool) and q.op.fn == "max":
            xs = sorted((float(v[a]) for a in q.op.args), reverse=True)
            gaps.append(xs[0] - xs[1] if len(xs) > 1 else float("inf"))
    return min(gaps)
