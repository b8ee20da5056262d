"""A CNN as a lecture shows it (note 002's notation; see network/cnn.py): its formulas in index form,
its given numbers as matrices (the image, each kernel, the dense weights) and the error signals of its
maps as small tables."""

from __future__ import annotations

import re

from ..algebra import delta_symbol
from ..network.graph import Network, Role
from ..rules import ACTIVATIONS, LOSSES
from .formatting import fmt_tex
from .model import Equation, Grid, Grids, visible_length
from .writer import Writer


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


# --- the given numbers as matrices, the error signals as tables ------------------------------------

LETTERS = {"input": ("i", "j"), "kernels": ("m", "n"), "weights": ("j", "i")}  # as the index form writes them
SUBSCRIPT = re.compile(r"^(?P<base>.*)_\{(?P<numbers>\d+(?:,\d+)+)\}$")
GRID_LINE = 80   # a line of matrices shows about this many characters at most


def grids(w: Writer) -> tuple[list[Grids], set[str], set[str]]:
    """A CNN's image, kernels and dense weights as matrices, as a lecture shows them: every given
    quantity printed with two or more numbers in its subscript (x_{i,j}, k^{1}_{m,n,c}, w_{j,i}) is
    entry (first, second) of the matrix of its name and further numbers. Returns the groups, the names
    they show, and those of them `derive verify` reads from `x = (…)`."""
    net = w.net
    if net.kind != "cnn" or not net.values:
        return [], set(), set()
    blocks: dict[tuple, dict[tuple[int, int], str]] = {}
    for q in net.of_role(Role.INPUT, Role.PARAM):
        m = SUBSCRIPT.match(q.tex)
        if m is None or q.name not in net.values:
            continue
        numbers = tuple(int(n) for n in m["numbers"].split(","))
        blocks.setdefault((q.role, q.layer, m["base"], numbers[2:]), {})[numbers[:2]] = q.name
    kinds: dict[tuple, list[Grid]] = {}
    shown: set[str] = set()
    readable: set[str] = set()
    for (role, layer, base, rest), cells in sorted(blocks.items(), key=lambda kv: (
            list(blocks).index(next(k for k in blocks if k[:3] == kv[0][:3])), kv[0][3][::-1])):
        rows = sorted({r for r, _ in cells})
        cols = sorted({c for _, c in cells})
        if len(cells) != len(rows) * len(cols) or rows != list(range(rows[0], rows[-1] + 1)) \
                or cols != list(range(cols[0], cols[-1] + 1)):
            continue
        plain = not rest and rows[0] == cols[0] == 1
        lhs = base if plain else base + "_{" + ",".join([r"\cdot", r"\cdot"] + [str(n) for n in rest]) + "}"
        entries = tuple(tuple(fmt_tex(float(net.values[cells[(r, c)]])) for c in cols) for r in rows)
        key = "input" if role == Role.INPUT else ("kernels" if rest else "weights")
        kinds.setdefault((key, layer, base, len(rest)), []).append(Grid(lhs, entries, plain, (rows[0], cols[0])))
        shown |= set(cells.values())
        if plain:
            readable |= set(cells.values())
    out = []
    for (key, layer, _, extra), members in kinds.items():
        lines: list[list[Grid]] = []
        width = 0
        for g in members:
            size = visible_length(g.lhs) + 3 + len(g.rows[0]) * (max(len(e) for r in g.rows for e in r) + 2)
            if not lines or width + size > GRID_LINE:
                lines.append([])
                width = 0
            lines[-1].append(g)
            width += size
        base = members[0].lhs.split("_{")[0]
        place = LETTERS[key]
        more = ("d",) if key == "input" and extra else ("d", "c")[-extra:] if extra else ()  # channel d, map c
        entry = base + "_{" + ",".join(place + more) + "}"
        matrix = base + ("_{" + ",".join((r"\cdot", r"\cdot") + more) + "}" if not members[0].readable else "")
        out.append(Grids(key, layer, tuple(tuple(line) for line in lines), extra, entry, matrix))
    return out, shown, readable


MAP_LIMIT = 100  # a CNN map of at most this many positions has its error signals shown as a table


def delta_maps(w: Writer, names: list[str]) -> list[Equation]:
    """The error signals of each small feature map of a CNN as a matrix, four decimals to an entry, so
    that the reader sees the map at once (where max pooling sent the gradient, where it is 0)."""
    net = w.net
    maps: dict[tuple, dict] = {}
    for n in names:
        q = net[n]
        if net.kind == "cnn" and len(q.index) == 3 and w.d.signals[n].value is not None:
            maps.setdefault((q.layer, q.index[2]), {})[q.index[:2]] = (n, w.d.signals[n].value)
    out = []
    for (_, c), grid in maps.items():
        rows, cols = max(g for g, _ in grid), max(h for _, h in grid)
        if rows * cols > MAP_LIMIT or len(grid) != rows * cols:
            continue
        cell = map_entry
        body = r" \\ ".join(" & ".join(cell(grid[(g, h)][1]) for h in range(1, cols + 1)) for g in range(1, rows + 1))
        first = w.p.latex(delta_symbol(grid[(1, 1)][0]))
        lhs = re.sub(r"_\{[^{}]*\}$", lambda m: rf"_{{\cdot,\cdot,{c}}}", first)
        out.append(Equation(((lhs,), (rf"\begin{{bmatrix}} {body} \end{{bmatrix}}",))))
    return out


def map_entry(v: float) -> str:
    """An entry of a δ map: 0 where no gradient arrives, else four decimals, or as many more as show its
    first digit (0.00004, not 0.0000, which would read as no gradient)."""
    if v == 0:
        return "0"
    places = 4
    while round(abs(v), places) == 0 and places < 9:
        places += 1
    return f"{v:.{places}f}"
