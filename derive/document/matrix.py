"""The matrix form of a layered MLP: z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀδ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾),
∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾a⁽ˡ⁻¹⁾ᵀ, with the entries each matrix collects and, for small layers, the numbers.

The layout is read from the network itself (which pre-activation reads which weight and which unit
below), so any naming scheme works; a network that is not a plain layered MLP gets no matrix form.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..algebra import delta_symbol
from ..network.graph import Activate, Affine, Loss, Role, Softmax
from ..rules import ACTIVATIONS, LOSSES
from .formatting import fmt_tex
from .model import Equation
from .writer import Writer, num

MATRIX_ENTRIES = 8  # matrices are written out entry by entry up to this many rows and columns


def slope_tex(fn: str, l: int) -> str | None:
    """f'(z⁽ˡ⁾) written through the layer's own output, as the engine writes it: "" for the identity
    (no factor), None for softmax (no elementwise slope)."""
    rule = ACTIVATIONS[fn]
    if rule.slope_tex is None:
        return None
    return "" if rule.identity else rule.slope_latex(rf"\mathbf{{a}}^{{({l})}}", rf"\mathbf{{z}}^{{({l})}}", r" \odot ")


def bmatrix(rows: list[list[str]]) -> str:
    return r"\begin{bmatrix} %s \end{bmatrix}" % r" \\ ".join(" & ".join(r) for r in rows)


def column(xs: list[str]) -> str:
    return bmatrix([[x] for x in xs])


@dataclass(frozen=True)
class Layer:
    l: int
    fn: str
    pres: list[str]
    acts: list[str]
    below: list[str]
    weights: list[list[str]]   # weights[j][k]
    biases: list[str | None]


@dataclass(frozen=True)
class LayerForm:
    layer: int
    output: bool
    forward: tuple[Equation, ...]
    delta: tuple[Equation, ...]
    weights: tuple[Equation, ...]
    bias: tuple[Equation, ...]


@dataclass(frozen=True)
class MatrixForm:
    entries: tuple[tuple[Equation, ...], ...]  # what each matrix and vector collects, layer by layer
    layers: tuple[LayerForm, ...]   # from the output layer back to the first


def read_layers(w: Writer) -> list[Layer] | None:
    net = w.net
    sizes = net.shape.get("layers") if net.kind == "mlp" else None
    acts_fn = net.shape.get("activations")
    if not sizes or not acts_fn:
        return None
    below = sorted((q for q in net.of_role(Role.INPUT) if q.layer == 0), key=lambda q: q.index)
    below_names = [q.name for q in below]
    if len(below_names) != sizes[0]:
        return None
    layers, seen_weights = [], set()
    for l in range(1, len(sizes)):
        pres = sorted((q for q in net.quantities if q.layer == l and isinstance(q.op, Affine)), key=lambda q: q.index)
        acts = sorted((q for q in net.quantities if q.layer == l and isinstance(q.op, (Activate, Softmax))),
                      key=lambda q: q.index)
        if len(pres) != sizes[l] or len(acts) != sizes[l]:
            return None
        weights = []
        for q in pres:
            if [v for _, v in q.op.terms] != below_names or any(net[u].role is not Role.PARAM for u, _ in q.op.terms):
                return None
            weights.append([u for u, _ in q.op.terms])
        flat = [u for row in weights for u in row]
        if len(set(flat)) != len(flat) or seen_weights & set(flat):
            return None  # shared weights: the gradient matrix is not δ aᵀ entry by entry
        seen_weights |= set(flat)
        layers.append(Layer(l, acts_fn[l - 1], [q.name for q in pres], [q.name for q in acts], below_names,
                            weights, [q.op.bias for q in pres]))
        below_names = [q.name for q in acts]
    return layers


def matrix_form(w: Writer) -> MatrixForm | None:
    layers = read_layers(w)
    if layers is None:
        return None
    small = all(len(x.pres) <= MATRIX_ENTRIES and len(x.below) <= MATRIX_ENTRIES for x in layers)
    numbers = small and w.d.values is not None
    L = layers[-1].l
    entries: list[tuple[Equation, ...]] = []
    if small:
        tex = w.tex

        def vec(lhs: str, names: list[str]) -> Equation:
            return Equation(((lhs,), (column([tex(n) for n in names]),)))

        entries.append((vec(r"\mathbf{a}^{(0)}", layers[0].below),))
        for x in layers:
            row = [Equation(((rf"W^{{({x.l})}}",), (bmatrix([[tex(u) for u in r] for r in x.weights]),)))]
            if all(x.biases):
                row.append(vec(rf"\mathbf{{b}}^{{({x.l})}}", x.biases))
            row += [vec(rf"\mathbf{{z}}^{{({x.l})}}", x.pres), vec(rf"\mathbf{{a}}^{{({x.l})}}", x.acts),
                    Equation(((rf"\boldsymbol{{\delta}}^{{({x.l})}}",),
                              (column([w.p.latex(delta_symbol(n)) for n in x.pres]),)))]
            entries.append(tuple(row))
    forms = [layer_form(w, x, layers, L, numbers) for x in reversed(layers)]
    return MatrixForm(tuple(entries), tuple(f for f in forms))


def layer_form(w: Writer, x: Layer, layers: list[Layer], L: int, numbers: bool) -> LayerForm:
    d, net, l = w.d, w.net, x.l
    v = d.values or {}
    col = lambda names: column([fmt_tex(v[n]) for n in names])  # noqa: E731
    deltas = [d.signals[n].value for n in x.pres] if numbers else []
    a_prev, a, z = rf"\mathbf{{a}}^{{({l - 1})}}", rf"\mathbf{{a}}^{{({l})}}", rf"\mathbf{{z}}^{{({l})}}"
    delta = rf"\boldsymbol{{\delta}}^{{({l})}}"

    # forward
    has_bias = all(x.biases)
    rhs = rf"W^{{({l})}} {a_prev}" + (rf" + \mathbf{{b}}^{{({l})}}" if has_bias else "")
    fwd = [(z,), (rhs,)]
    if numbers:
        wm = bmatrix([[fmt_tex(float(net.values[u])) for u in row] for row in x.weights])
        fwd += [(f"{wm} {col(x.below)}" + (f" + {column([fmt_tex(float(net.values[b])) for b in x.biases])}"
                                           if has_bias else ""),), (col(x.pres),)]
    f_tex = ACTIVATIONS[x.fn].tex
    act = [(a,), ((rf"{f_tex}\left({z}\right)" if f_tex else z),)]
    if numbers:
        act.append((col(x.acts),))
    forward = (Equation(tuple(fwd)), Equation(tuple(act)))

    # δ
    elementwise = ACTIVATIONS[x.fn].elementwise
    slopes = [w.partial(a_n, z_n).value for a_n, z_n in zip(x.acts, x.pres)] if numbers and elementwise else []
    slope = slope_tex(x.fn, l)
    delta_eqs: list[Equation] = []
    loss_op = net[net.loss].op
    if l == L:
        if isinstance(loss_op, Loss) and loss_op.logits:
            parts = [(delta,), (LOSSES[loss_op.fn].logit_slope_tex.format(p=a, t=r"\mathbf{t}"),)]
            if numbers:
                targets = [t for _, t in loss_op.pairs]
                parts += [(f"{col(x.acts)} - {col(targets)}",), (column([fmt_tex(g) for g in deltas]),)]
            delta_eqs.append(Equation(tuple(parts)))
        elif slope is not None:
            grad = rf"\frac{{\partial {w.tex(net.loss)}}}{{\partial {a}}}"
            parts = [(delta,), (grad + (rf" \odot {slope}" if slope else ""),)]
            if numbers:
                dl = [w.partial(net.loss, n).value for n in x.acts]
                parts += [(column([fmt_tex(g) for g in dl]) + (rf" \odot {column([fmt_tex(s) for s in slopes])}"
                                                               if slope else ""),),
                          (column([fmt_tex(g) for g in deltas]),)]
            delta_eqs.append(Equation(tuple(parts)))
    elif slope is not None:
        up = layers[l]  # layer l + 1
        back = rf"W^{{({l + 1})\top}} \boldsymbol{{\delta}}^{{({l + 1})}}"
        parts = [(delta,), ((rf"\left({back}\right) \odot {slope}" if slope else back),)]
        if numbers:
            wt = bmatrix([[fmt_tex(float(net.values[up.weights[j][k]])) for j in range(len(up.pres))]
                          for k in range(len(x.pres))])
            d_up = column([fmt_tex(d.signals[n].value) for n in up.pres])
            prod = rf"{wt} {d_up}"
            parts += [((rf"\left({prod}\right) \odot {column([fmt_tex(s) for s in slopes])}" if slope else prod),),
                      (column([fmt_tex(g) for g in deltas]),)]
        delta_eqs.append(Equation(tuple(parts)))

    # gradients
    lhs_w = rf"\frac{{\partial {w.tex(net.loss)}}}{{\partial W^{{({l})}}}}"
    parts = [(lhs_w,), (rf"{delta} \mathbf{{a}}^{{({l - 1})\top}}",)]
    if numbers:
        row = bmatrix([[fmt_tex(v[n]) for n in x.below]])
        grads = bmatrix([[fmt_tex(d.gradients[u].value) for u in r] for r in x.weights])
        parts += [(f"{column([fmt_tex(g) for g in deltas])} {row}",), (grads,)]
    weights = (Equation(tuple(parts)),)
    bias: tuple[Equation, ...] = ()
    if has_bias and len(set(x.biases)) == len(x.biases):
        parts = [(rf"\frac{{\partial {w.tex(net.loss)}}}{{\partial \mathbf{{b}}^{{({l})}}}}",), (delta,)]
        if numbers:
            parts.append((column([fmt_tex(d.gradients[b].value) for b in x.biases]),))
        bias = (Equation(tuple(parts)),)
    elif has_bias and len(set(x.biases)) == 1:  # one bias shared by the layer
        b = x.biases[0]
        parts = [(rf"\frac{{\partial {w.tex(net.loss)}}}{{\partial {w.tex(b)}}}",),
                 (rf"\mathbf{{1}}^{{\top}} {delta}",)]
        if numbers:
            parts += [tuple(num(g) for g in deltas), (fmt_tex(d.gradients[b].value),)]
        bias = (Equation(tuple(parts)),)
    return LayerForm(l, l == L, forward, tuple(delta_eqs), weights, bias)
