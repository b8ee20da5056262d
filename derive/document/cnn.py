"""A CNN's formulas in index form, for documents (note 002's notation; see network/cnn.py)."""

from __future__ import annotations

from ..network.graph import Network
from ..rules import ACTIVATIONS, LOSSES


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
            C, Z = f"C^{{{l}}}_{{{g},{h},c}}", rf"C^{{{l},\mathrm{{sum}}}}_{{{g},{h},c}}"
            dC = rf"\delta^{{C^{{{l}}}}}_{{{g},{h},c}}"
            slope = ACTIVATIONS[act].slope_latex(C, Z, "", squared=True)
            where = _ranges((g, 1, G), (h, 1, H), ("c", 1, row["maps"]))
            kernel = _ranges(("m", 1, K), ("n", 1, K), *((("d", 1, D),) if D > 1 else ()), ("c", 1, row["maps"]))
            out += [
                (f"C{l} definition", rf"{Z} = {dsum}\sum_{{m=1}}^{{{K}}}\sum_{{n=1}}^{{{K}}} {src}\, "
                                     rf"k^{{{l}}}_{{{kd}}} + b^{{{l}}}_{{c}}, \quad "
                                     rf"{C} = {ACTIVATIONS[act].tex}\left({Z}\right){where}"),
                (f"C{l} error", rf"{dC} = \frac{{\partial L}}{{\partial {Z}}} = "
                                rf"\frac{{\partial L}}{{\partial {C}}}\, {slope}{where}"),
                (f"k{l}", rf"\frac{{\partial L}}{{\partial k^{{{l}}}_{{{kd}}}}} = "
                          rf"\sum_{{{g}=1}}^{{{G}}}\sum_{{{h}=1}}^{{{H}}} {dC}\, {src}{kernel}"),
                (f"b{l}", rf"\frac{{\partial L}}{{\partial b^{{{l}}}_{{c}}}} = "
                          rf"\sum_{{{g}=1}}^{{{G}}}\sum_{{{h}=1}}^{{{H}}} {dC}{_ranges(('c', 1, row['maps']))}"),
            ]
            if base != "x":
                out.append((f"C{l} input", rf"\frac{{\partial L}}{{\partial {_ref(base, a1, a2, 'd')}}} = "
                                           rf"\sum_{{c=1}}^{{{row['maps']}}}\sum_{{m=1}}^{{{K}}}\sum_{{n=1}}^{{{K}}} "
                                           rf"\delta^{{C^{{{l}}}}}_{{{a1}-m+1,{a2}-n+1,c}}\, k^{{{l}}}_{{{kd}}} "
                                           r"\quad \text{(terms outside the map are 0)}"))
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
                    out.append((f"P{p} routing {k}", rf"\frac{{\partial L}}{{\partial {cell}}} = "
                                                     rf"\mathbf{{1}}\left[{cell} = {P}\right] "
                                                     rf"\frac{{\partial L}}{{\partial {P}}}{where}"))
            else:
                mean = rf"\frac{{1}}{{{z * z}}}\left({' + '.join(window)}\right)"
                out.append((f"P{p} definition", rf"{P} = {mean}{where}"))
                for k, cell in enumerate(window, start=1):
                    out.append((f"P{p} spreading {k}", rf"\frac{{\partial L}}{{\partial {cell}}} = "
                                                       rf"\frac{{1}}{{{z * z}}} \frac{{\partial L}}{{\partial {P}}}"
                                                       rf"{where}"))
            cur = (f"P^{{{p}}}", (r, s_), "c")
        elif row["type"] == "dense":
            C_, R, S = row["map"]
            flat = _flat(C_, R, S, bool(ch))
            cell = _ref(base, a1, a2, ch)
            grid = _ranges((a1, 1, R), (a2, 1, S), *((("c", 1, C_),) if ch else ()))
            sums = (rf"\sum_{{c=1}}^{{{C_}}}" if ch else "") + rf"\sum_{{{a1}=1}}^{{{R}}}\sum_{{{a2}=1}}^{{{S}}}"
            flat = flat.replace("r", a1).replace("s", a2)
            classes = ("j", 0, row["units"] - 1)
            head, loss = ACTIVATIONS[s["output_activation"]], LOSSES[s["loss"]]
            if not head.elementwise:  # softmax
                output = (rf"o_{{j}} = \frac{{e^{{o_{{j}}^{{sum}}}}}}"
                          rf"{{\sum_{{k=0}}^{{{row['units'] - 1}}} e^{{o_{{k}}^{{sum}}}}}}")
            else:
                output = rf"o_{{j}} = {head.tex}\left(o_{{j}}^{{sum}}\right)"
            if loss.logits_with == head.name:
                delta = (r"\delta^{o}_{j} = \frac{\partial L}{\partial o_{j}^{sum}} = "
                         + loss.logit_slope_tex.format(p="o_{j}", t="t_{j}"))
            elif not head.elementwise:
                delta = (r"\delta^{o}_{j} = \sum_{k=0}^{%d} \frac{\partial L}{\partial o_{k}}\, o_{k}"
                         r"\left(\mathbf{1}\left[k = j\right] - o_{j}\right)" % (row["units"] - 1))
            else:
                delta = (r"\delta^{o}_{j} = \frac{\partial L}{\partial o_{j}}\, "
                         + head.slope_latex("o_{j}", "o_{j}^{sum}", "", squared=True))
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
