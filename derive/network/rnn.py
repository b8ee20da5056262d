"""Elman recurrent networks unrolled over T steps, built into the Network form.

    o_t = W_i x_t + W_h h_{t-1} + b        (pre-activation of the hidden state)
    h_t = σ(o_t)                           (or tanh, relu, linear)
    y_t = a h_t + c                        (or an output activation of z_t = a h_t + c)
    L_t = ½ (y_t - g_t)²,   L = Σ_t L_t    (or the other losses)

The parameters W_i, W_h, b, a, c are shared by every step: unrolled, each simply appears in T
quantities, and the engine's sum over the quantities a parameter feeds *is* backpropagation through
time. With one input, hidden and output unit the names are note 003's (W_i, W_h, a, b, c, x_t, h_t,
o_t, y_t, g_t, L_t); with vectors every name carries unit indices after the step: x_t_k, h_t_j,
o_t_j, y_t_m, g_t_m, weights W_i_j_k (hidden j from input k), W_h_j_k (hidden j from hidden k),
a_m_j (output m from hidden j), biases b_j, c_m. h_0 (h_0_j) is an input whose value is 0 unless
given. Steps count from 1; the input of step t is x_{t-1+first_input} (note 003 feeds x_0 to step 1).

Also here, for checking against the note: its forward recurrence of the total derivatives do_t/dθ
(sensitivities). Its formulas for documents are document/rnn.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..errors import SpecError
from ..rules import ACTIVATIONS
from . import validate
from .evaluate import FLOAT, forward
from .graph import Activate, Affine, Loss, LossTerm, Network, Quantity, Role, Softmax, check_well_formed
from .mlp import _idx


@dataclass(frozen=True)
class RnnNames:
    """Names and LaTeX of an unrolled RNN's quantities. `vector` adds unit indices to every name."""

    vector: bool

    def step(self, base: str, t: int, j: int | None = None) -> tuple[str, str]:
        """x, h, o, z, y, g, L at step t (unit j of a vector network)."""
        if not self.vector:
            return f"{base}_{t}", f"{base}_{{{t}}}"
        return f"{base}_{t}_{j}", f"{base}_{{{t},{j}}}"

    def weight(self, which: str, j: int | None = None, k: int | None = None) -> tuple[str, str]:
        """which: 'i' or 'h' (W_i, W_h) or 'a'."""
        base, tex = (f"W_{which}", f"W_{{{which}}}") if which in "ih" else ("a", "a")
        if not self.vector:
            return base, tex
        sub = _idx(j, k)
        return f"{base}_{j}_{k}", (f"({tex})_{{{sub}}}" if which in "ih" else f"a_{{{sub}}}")

    def bias(self, base: str, j: int | None = None) -> tuple[str, str]:
        """base: 'b' (hidden) or 'c' (output)."""
        return (base, base) if not self.vector else (f"{base}_{j}", f"{base}_{{{j}}}")


def check_sizes(steps: object, sizes: dict[str, object]) -> None:
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise SpecError("steps", f"expected a whole number of steps, got {steps!r}")
    if steps < 1:
        raise SpecError("steps", f"a sequence needs at least one step, got {steps!r}")
    for key, n in sizes.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise SpecError(key, f"expected a whole number of at least 1, got {n!r}")


def check_activations(activation: str, output_activation: str, loss: str, output_size: int) -> None:
    validate.activation("activation", activation, validate.hidden_activations())
    out = validate.activation("output_activation", output_activation, validate.output_activations("rnn", "linear"))
    validate.loss(loss)
    if output_size < out.min_units:
        raise SpecError("output_activation", f"{output_activation} needs output_size of at least {out.min_units}")
    validate.loss_and_output(loss, output_activation, layer_phrase=False)


def build_rnn(steps: int, input_size: int = 1, hidden_size: int = 1, output_size: int = 1,
              activation: str = "sigmoid", loss: str = "half_sse", output_activation: str = "linear",
              first_input: int = 1, name: str = "rnn", description: str = "", note: str = "") -> Network:
    """An Elman RNN unrolled over `steps` steps, with h_0 = 0 as its default initial state."""
    check_sizes(steps, {"input_size": input_size, "hidden_size": hidden_size, "output_size": output_size})
    check_activations(activation, output_activation, loss, output_size)
    vector = (input_size, hidden_size, output_size) != (1, 1, 1)
    nm = RnnNames(vector)
    I, H, M, T = range(1, input_size + 1), range(1, hidden_size + 1), range(1, output_size + 1), steps
    qs: list[Quantity] = []

    def add(named: tuple[str, str], role: Role, op=None, index=(), delta: str = "", layer=None) -> str:
        qs.append(Quantity(named[0], role, op, named[1], layer, index, delta))
        return named[0]

    def unit(j: int | None) -> int | None:
        return j if vector else None

    def delta(base: str, t: int, j: int) -> str:
        return rf"\delta_{{{nm.step(base, t, unit(j))[1]}}}"

    x = {(t, k): add(nm.step("x", t - 1 + first_input, unit(k)), Role.INPUT, index=(t, k), layer=0)
         for t in range(1, T + 1) for k in I}
    h = {(0, j): add(nm.step("h", 0, unit(j)), Role.INPUT, index=(0, j), layer=0) for j in H}
    g = {(t, m): add(nm.step("g", t, unit(m)), Role.TARGET, index=(t, m), layer=2) for t in range(1, T + 1) for m in M}
    W_i = {(j, k): add(nm.weight("i", unit(j), unit(k)), Role.PARAM, index=(j, k), layer=1) for j in H for k in I}
    W_h = {(j, k): add(nm.weight("h", unit(j), unit(k)), Role.PARAM, index=(j, k), layer=1) for j in H for k in H}
    A = {(m, j): add(nm.weight("a", unit(m), unit(j)), Role.PARAM, index=(m, j), layer=2) for m in M for j in H}
    b = {j: add(nm.bias("b", unit(j)), Role.PARAM, index=(j,), layer=1) for j in H}
    c = {m: add(nm.bias("c", unit(m)), Role.PARAM, index=(m,), layer=2) for m in M}

    n = T * output_size
    pairs, terms = [], []
    for t in range(1, T + 1):
        o = {}
        for j in H:
            op = Affine(tuple((W_i[j, k], x[t, k]) for k in I) + tuple((W_h[j, k], h[t - 1, k]) for k in H), b[j])
            o[j] = add(nm.step("o", t, unit(j)), Role.HIDDEN, op, (t, j), delta("o", t, j), layer=1)
        for j in H:
            h[t, j] = add(nm.step("h", t, unit(j)), Role.HIDDEN, Activate(activation, o[j]), (t, j), layer=1)
        out_base = "y" if output_activation == "linear" else "z"
        pre = {}
        for m in M:
            op = Affine(tuple((A[m, j], h[t, j]) for j in H), c[m])
            role = Role.OUTPUT if out_base == "y" else Role.HIDDEN
            pre[m] = add(nm.step(out_base, t, unit(m)), role, op, (t, m), delta(out_base, t, m), layer=2)
        for m in M:
            y = pre[m]
            if output_activation != "linear":
                op = (Activate(output_activation, pre[m]) if ACTIVATIONS[output_activation].elementwise
                      else Softmax(tuple(pre.values()), m - 1))
                y = add(nm.step("y", t, unit(m)), Role.OUTPUT, op, (t, m), layer=2)
            pairs.append((y, g[t, m]))
            terms.append(add(nm.step("L", t, unit(m)), Role.LOSS_TERM, LossTerm(loss, y, g[t, m], n), (t, m)))
    qs.append(Quantity("L", Role.LOSS, Loss(loss, tuple(pairs), count=n), "L"))

    sizes = f"{input_size}-{hidden_size}-{output_size} " if vector else ""
    description = description or (f"Elman RNN {sizes}unrolled over {T} step{'s' if T > 1 else ''}, "
                                  f"{activation} hidden state, {output_activation} output, "
                                  f"loss {loss} summed over steps")
    h0 = {name_: Fraction(0) for name_ in (h[0, j] for j in H)}
    net = Network(name, "rnn", tuple(qs), "L", values=h0, description=description, note=note,
                  shape={"steps": T, "input_size": input_size, "hidden_size": hidden_size,
                         "output_size": output_size, "activation": activation,
                         "output_activation": output_activation, "loss": loss, "first_input": first_input,
                         "vector": vector, "loss_terms": terms})
    check_well_formed(net)
    return net


def sensitivities(net: Network) -> dict[str, list[tuple[int, float]]]:
    """Scalar networks only: the total derivatives do_t/dθ for θ in W_i, W_h, b, by the note's forward
    recurrence do_t/dθ = ∂o_t/∂θ + W_h h'_{t-1} do_{t-1}/dθ, as [(t, value), ...]. Needs numbers."""
    if net.shape["vector"]:
        raise ValueError("sensitivities are defined here for a scalar hidden state only")
    v = forward(net)
    T, fn = net.shape["steps"], net.shape["activation"]
    out: dict[str, list[tuple[int, float]]] = {"W_i": [], "W_h": [], "b": []}
    prev = {"W_i": 0.0, "W_h": 0.0, "b": 0.0}
    for t in range(1, T + 1):
        x_name, h_prev = net[f"o_{t}"].op.terms[0][1], f"h_{t - 1}"
        carry = 0.0 if t == 1 else float(v["W_h"]) * float(ACTIVATIONS[fn].slope(v[f"o_{t - 1}"], v[h_prev], FLOAT))
        direct = {"W_i": float(v[x_name]), "W_h": float(v[h_prev]), "b": 1.0}
        for p in out:
            prev[p] = direct[p] + carry * prev[p]
            out[p].append((t, prev[p]))
    return out
