"""The figure of a network with its named quantities: one layout, drawn as SVG (Markdown, HTML) or
TikZ (LaTeX).

A small MLP is drawn unit by unit: each unit a box split into its pre-activation and its activation,
every edge labelled with its weight, biases above their layer, the outputs and targets meeting in the
loss. A large MLP is drawn as one box per layer with its size. Any other network (an unrolled RNN, a
CNN) is drawn from its graph: quantities in columns by depth, edges labelled with the parameters that
weigh them, and, when there are too many quantities, one box per column with a count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from ..network.graph import Activate, Affine, Network, Role, Softmax, op_refs
from ..rules import ACTIVATIONS

UNIT_LIMIT = 8        # an MLP layer wider than this is drawn as a box
RNN_STEPS = 6         # an RNN unrolled over more steps than this is drawn from its graph
GRAPH_LIMIT = 40      # a graph with more quantities than this is drawn one box per column
PX = 50.0             # SVG pixels per layout unit (a centimetre in TikZ)
FONT = 13             # SVG font size in pixels


@dataclass(frozen=True)
class Node:
    id: str
    x: float
    y: float
    w: float
    h: float
    label: str           # LaTeX
    shape: str = "box"   # box | circle | text
    dashed: bool = False


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str = ""      # LaTeX
    pos: float = 0.7
    dashed: bool = False


@dataclass(frozen=True)
class Figure:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    caption: str = ""


def _names(net: Network, names: list[str], limit: int = 3) -> str:
    tex = [net[n].tex for n in dict.fromkeys(names)]
    return ", ".join(tex) if len(tex) <= limit else f"{tex[0]}, \\dots, {tex[-1]}"


# --- layouts -----------------------------------------------------------------------------------

def network_figure(net: Network) -> Figure:
    shape = net.shape
    if net.kind == "mlp" and shape.get("layers"):
        return _mlp_units(net) if max(shape["layers"]) <= UNIT_LIMIT else _mlp_boxes(net)
    if net.kind == "rnn" and not shape.get("vector", True) and shape.get("steps", 99) <= RNN_STEPS:
        return _rnn_unrolled(net)
    if net.kind == "cnn" and shape.get("layers"):
        return _cnn_boxes(net)
    return _graph(net)


def _column(n: int, gap: float) -> list[float]:
    return [(n - 1) * gap / 2 - i * gap for i in range(n)]


def _loss_part(net: Network, outs: list[str], x: float, nodes: list, edges: list, out_id) -> None:
    loss = net[net.loss]
    nodes.append(Node("loss", x, 0.0, 1.6, 0.8, loss.tex))
    targets = [t for q in net.quantities if q.role is Role.TARGET for t in [q.name]]
    for o in outs:
        edges.append(Edge(out_id(o), "loss"))
    ys = _column(len(targets), 1.0) if len(targets) <= UNIT_LIMIT else []
    if ys:
        for t, y in zip(targets, ys):
            nodes.append(Node(f"t:{t}", x + 2.6, y, 1.6, 0.6, net[t].tex, "text"))
            edges.append(Edge(f"t:{t}", "loss", dashed=True))
    elif targets:
        nodes.append(Node("targets", x + 2.6, 0.0, 2.0, 0.6, _names(net, targets), "text"))
        edges.append(Edge("targets", "loss", dashed=True))


def _mlp_layers(net: Network):
    by_layer: dict[int, tuple[list, list]] = {}
    for q in net.quantities:
        if q.layer and isinstance(q.op, Affine):
            by_layer.setdefault(q.layer, ([], []))[0].append(q)
        elif q.layer and isinstance(q.op, (Activate, Softmax)):
            by_layer.setdefault(q.layer, ([], []))[1].append(q)
    inputs = sorted((q for q in net.of_role(Role.INPUT)), key=lambda q: q.index)
    return inputs, [(l, sorted(p, key=lambda q: q.index), sorted(a, key=lambda q: q.index))
                    for l, (p, a) in sorted(by_layer.items())]


def _mlp_units(net: Network) -> Figure:
    inputs, layers = _mlp_layers(net)
    fns = net.shape.get("activations", [])
    gap, step = 1.5, 4.6
    nodes: list[Node] = []
    edges: list[Edge] = []
    for q, y in zip(inputs, _column(len(inputs), gap)):
        nodes.append(Node(f"a:{q.name}", 0.0, y, 1.1, 0.7, q.tex, "circle"))
    for i, (l, pres, acts) in enumerate(layers):
        x = step * (i + 1)
        ys = _column(len(pres), gap)
        for p, a, y in zip(pres, acts, ys):
            nodes.append(Node(f"z:{p.name}", x - 0.7, y, 1.4, 0.7, p.tex))
            nodes.append(Node(f"a:{a.name}", x + 0.7, y, 1.4, 0.7, a.tex))
            for u, v in p.op.terms:
                edges.append(Edge(f"a:{v}", f"z:{p.name}", net[u].tex))
            if p.op.bias:
                nodes.append(Node(f"b:{p.name}", x - 0.7, y + 0.68, 1.0, 0.36, net[p.op.bias].tex, "text"))
                edges.append(Edge(f"b:{p.name}", f"z:{p.name}", dashed=True))
        fn = fns[l - 1] if l - 1 < len(fns) else ""
        if fn:
            nodes.append(Node(f"f:{l}", x + 0.7, ys[0] + 0.68, 1.4, 0.36, ACTIVATIONS[fn].figure_tex, "text"))
    last = layers[-1][2] if layers else inputs
    _loss_part(net, [q.name for q in last], step * (len(layers) + 1) - 0.6, nodes, edges, lambda o: f"a:{o}")
    return Figure(tuple(nodes), tuple(edges), "units")


def _mlp_boxes(net: Network) -> Figure:
    sizes = net.shape["layers"]
    fns = net.shape.get("activations", [])
    step = 3.6
    nodes = [Node("l0", 0.0, 0.0, 2.0, 1.0, rf"\mathbf{{x}} \in \mathbb{{R}}^{{{sizes[0]}}}")]
    edges = []
    for l in range(1, len(sizes)):
        nodes.append(Node(f"l{l}", step * l, 0.0, 2.0, 1.0, rf"\mathbf{{a}}^{{({l})}} \in \mathbb{{R}}^{{{sizes[l]}}}"))
        if l - 1 < len(fns):
            nodes.append(Node(f"f{l}", step * l, 0.8, 2.0, 0.4, ACTIVATIONS[fns[l - 1]].figure_tex, "text"))
        edges.append(Edge(f"l{l - 1}", f"l{l}", rf"W^{{({l})}}, \mathbf{{b}}^{{({l})}}", 0.5))
    _loss_part(net, [f"l{len(sizes) - 1}"], step * len(sizes), nodes, edges, lambda o: o)
    return Figure(tuple(nodes), tuple(edges), "layers")


def _rnn_unrolled(net: Network) -> Figure:
    """The unrolled RNN of a note: one column per step, inputs at the bottom, then the pre-activation,
    the hidden state (h_0 at the left) and the output; the loss above the last step."""
    rows = {"x": 0.0, "o": 1.5, "h": 3.0, "y": 4.5}
    step = 3.0
    nodes: list[Node] = []
    edges: list[Edge] = []
    names = set()
    for q in net.quantities:
        t = q.index[0] if q.index else 0
        if q.role is Role.INPUT:
            row = "h" if t == 0 else "x"
        elif q.role is Role.OUTPUT:
            row = "y"
        elif isinstance(q.op, Affine):
            row = "o"
        elif isinstance(q.op, Activate):
            row = "h"
        else:
            continue
        nodes.append(Node(f"q:{q.name}", step * t, rows[row], 1.0 if q.op is None else 1.2, 0.7, q.tex,
                          "circle" if q.op is None else "box"))
        names.add(q.name)
    last = max(n.x for n in nodes)
    nodes.append(Node("loss", last + step * 0.8, rows["y"] + 1.5, 1.2, 0.7, net[net.loss].tex))
    for q in net.quantities:
        if q.name not in names or q.op is None:
            continue
        weights: dict[str, str] = {}
        if isinstance(q.op, Affine):
            weights = {v: net[u].tex for u, v in q.op.terms if v in names}
            weights.update({u: net[v].tex for u, v in q.op.terms if u in names})
        for r in dict.fromkeys(r for r in op_refs(q.op) if r in names):
            edges.append(Edge(f"q:{r}", f"q:{q.name}", weights.get(r, ""), 0.5))
        if q.role is Role.OUTPUT:
            edges.append(Edge(f"q:{q.name}", "loss", dashed=True))
    return Figure(tuple(nodes), tuple(edges), "unrolled")


def _cnn_boxes(net: Network) -> Figure:
    """One box per layer with its shape (maps × rows × columns), the kernels and pooling on the edges."""
    shape = net.shape
    step = 3.4

    def dims(c) -> str:
        return r" \times ".join(str(n) for n in c)

    nodes = [Node("l0", 0.0, 0.0, 2.2, 1.0, rf"x \; {dims(shape['input'])}")]
    edges = []
    fn = ACTIVATIONS[shape["activation"]].figure_tex
    for i, row in enumerate(shape["layers"], start=1):
        name = row.get("name", "")
        if row["type"] == "conv":
            l = name[1:]
            label, edge = rf"C^{{{l}}} \; {dims(row['out'])}", rf"k^{{{l}}}, b^{{{l}}}"
            if fn:
                nodes.append(Node(f"f{i}", step * i, 0.8, 1.0, 0.4, fn, "text"))
        elif row["type"] == "pool":
            label = rf"P^{{{name[1:]}}} \; {dims(row['out'])}"
            edge = rf"\mathrm{{{row['kind']}}} \; {row['size']} \times {row['size']}"
        else:
            label, edge = rf"\mathbf{{o}} \in \mathbb{{R}}^{{{row['units']}}}", r"w, b"
            out_fn = ACTIVATIONS[shape["output_activation"]].figure_tex
            if out_fn:
                nodes.append(Node(f"f{i}", step * i, 0.8, 1.6, 0.4, out_fn, "text"))
        nodes.append(Node(f"l{i}", step * i, 0.0, 2.2, 1.0, label))
        edges.append(Edge(f"l{i - 1}", f"l{i}", edge, 0.5))
    n = len(shape["layers"])
    _loss_part(net, [f"l{n}"], step * (n + 1) - 0.6, nodes, edges, lambda o: o)
    return Figure(tuple(nodes), tuple(edges), "layers")


def _graph(net: Network) -> Figure:
    shown = [q for q in net.quantities if q.role in (Role.INPUT, Role.HIDDEN, Role.OUTPUT, Role.LOSS)]
    names = {q.name for q in shown}
    depth: dict[str, int] = {}
    for q in shown:
        refs = [r for r in (op_refs(q.op) if q.op else ()) if r in names]
        depth[q.name] = 1 + max((depth[r] for r in refs), default=-1)
    columns: dict[int, list[str]] = {}
    for q in shown:
        columns.setdefault(depth[q.name], []).append(q.name)
    nodes: list[Node] = []
    edges: list[Edge] = []
    step, gap = 3.0, 1.2
    if len(shown) > GRAPH_LIMIT:
        for c, members in sorted(columns.items()):
            label = rf"{_names(net, members, 2)} \; ({len(members)})"
            nodes.append(Node(f"c{c}", step * c, 0.0, 2.6, 1.0, label))
            if c:
                edges.append(Edge(f"c{c - 1}", f"c{c}"))
        return Figure(tuple(nodes), tuple(edges), "columns")
    for c, members in sorted(columns.items()):
        for name, y in zip(members, _column(len(members), gap)):
            q = net[name]
            nodes.append(Node(f"q:{name}", step * c, y, 1.0 if q.op is None else 1.5, 0.7, q.tex,
                              "circle" if q.op is None else "box"))
            if q.op is None:
                continue
            weights: dict[str, list[str]] = {}
            if isinstance(q.op, Affine):
                for u, v in q.op.terms:
                    if u in names and v not in names:
                        weights.setdefault(u, []).append(v)
                    elif v in names and u not in names:
                        weights.setdefault(v, []).append(u)
            for r in dict.fromkeys(r for r in op_refs(q.op) if r in names):
                edges.append(Edge(f"q:{r}", f"q:{name}", _names(net, weights.get(r, []), 2) if r in weights else ""))
    return Figure(tuple(nodes), tuple(edges), "graph")


# --- LaTeX labels as SVG text -----------------------------------------------------------------

SYMBOLS = {r"\in": " ∈ ", r"\times": "×", r"\sigma": "σ", r"\delta": "δ", r"\eta": "η", r"\tanh": "tanh", r"\dots": "…", r"\ldots": "…",
           r"\cdot": "·", r"\;": " ", r"\,": " ", r"\quad": " ", r"\top": "ᵀ", r"\partial": "∂", r"\to": "→"}
WRAPPERS = (r"\mathrm", r"\text", r"\mathbf", r"\boldsymbol", r"\operatorname", r"\mathit")
TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}_^]|[^\\{}_^]")


def svg_text(latex: str) -> list[tuple[str, int]]:
    """LaTeX of a name as runs of (text, level): level 0 normal, -1 subscript, 1 superscript.
    Raises ValueError for a command it does not know (the caller then uses the plain name)."""
    tokens = TOKEN.findall(latex)
    runs: list[tuple[str, int]] = []

    def group(i: int, level: int) -> int:
        """Read one group or token at tokens[i], emitting runs; return the next index."""
        t = tokens[i]
        if t == "{":
            i += 1
            while tokens[i] != "}":
                i = item(i, level)
            return i + 1
        return item(i, level)

    def item(i: int, level: int) -> int:
        t = tokens[i]
        if t in ("_", "^"):
            return group(i + 1, level + (-1 if t == "_" else 1))
        if t in WRAPPERS:
            return group(i + 1, level)
        if t == r"\mathbb" and tokens[i + 1:i + 4] == ["{", "R", "}"]:
            runs.append(("ℝ", level))
            return i + 4
        if t.startswith("\\"):
            if t not in SYMBOLS:
                raise ValueError(t)
            runs.append((SYMBOLS[t], level))
            return i + 1
        if t == "{":
            return group(i, level)
        runs.append((t, level))
        return i + 1

    i = 0
    while i < len(tokens):
        i = item(i, 0)
    merged: list[tuple[str, int]] = []
    for text, level in runs:
        if merged and merged[-1][1] == level:
            merged[-1] = (merged[-1][0] + text, level)
        else:
            merged.append((text, level))
    return merged


def _runs(label: str) -> list[tuple[str, int]]:
    try:
        return svg_text(label)
    except (ValueError, IndexError):
        return [(label, 0)]


def _text_width(runs) -> float:
    return sum(len(t) * (0.55 if level == 0 else 0.42) * FONT for t, level in runs) / PX


def _tspans(runs) -> str:
    out, level = [], 0
    for text, lv in runs:
        dy = (level - lv) * 4
        size = "" if lv == 0 else ' font-size="75%"'
        out.append(f'<tspan dy="{dy}"{size}>{escape(text)}</tspan>' if dy or size else escape(text))
        level = lv
    if level:
        out.append(f'<tspan dy="{level * 4}"></tspan>')
    return "".join(out)


# --- SVG ---------------------------------------------------------------------------------------

def _bounds(fig: Figure):
    xs = [n.x - n.w / 2 for n in fig.nodes] + [n.x + n.w / 2 for n in fig.nodes]
    ys = [n.y - n.h / 2 for n in fig.nodes] + [n.y + n.h / 2 for n in fig.nodes]
    return min(xs) - 0.3, max(xs) + 0.3, min(ys) - 0.3, max(ys) + 0.3


def _border(n: Node, dx: float, dy: float) -> tuple[float, float]:
    """The point where a ray from n's centre in direction (dx, dy) leaves n."""
    if n.shape == "circle":
        r = n.w / 2
        norm = (dx * dx + dy * dy) ** 0.5 or 1.0
        return n.x + r * dx / norm, n.y + r * dy / norm
    t = min(n.w / 2 / abs(dx) if dx else float("inf"), n.h / 2 / abs(dy) if dy else float("inf"))
    return n.x + t * dx, n.y + t * dy


def to_svg(fig: Figure) -> str:
    x0, x1, y0, y1 = _bounds(fig)
    W, H = (x1 - x0) * PX, (y1 - y0) * PX
    X = lambda x: f"{(x - x0) * PX:.1f}"  # noqa: E731
    Y = lambda y: f"{(y1 - y) * PX:.1f}"  # noqa: E731
    by_id = {n.id: n for n in fig.nodes}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W:.0f}" height="{H:.0f}" '
           f'viewBox="0 0 {W:.0f} {H:.0f}" font-family="DejaVu Serif, Times New Roman, serif" '
           f'font-size="{FONT}" role="img" aria-label="network figure">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
           '<rect width="100%" height="100%" fill="white"/>']
    labels = []
    for e in fig.edges:
        a, b = by_id[e.src], by_id[e.dst]
        dx, dy = b.x - a.x, b.y - a.y
        (ax, ay), (bx, by) = _border(a, dx, dy), _border(b, -dx, -dy)
        dash = ' stroke-dasharray="4 3"' if e.dashed else ""
        out.append(f'<line x1="{X(ax)}" y1="{Y(ay)}" x2="{X(bx)}" y2="{Y(by)}" stroke="#444" stroke-width="1.2"'
                   f'{dash} marker-end="url(#arrow)"/>')
        if e.label:
            runs = _runs(e.label)
            lx, ly, w = ax + e.pos * (bx - ax), ay + e.pos * (by - ay), _text_width(runs) * 0.85
            labels.append(f'<rect x="{X(lx - w / 2 - 0.04)}" y="{Y(ly + 0.16)}" width="{(w + 0.08) * PX:.1f}" '
                          f'height="{0.32 * PX:.1f}" fill="white"/>'
                          f'<text x="{X(lx)}" y="{Y(ly - 0.09)}" text-anchor="middle" font-size="{FONT * 0.85:.0f}" '
                          f'font-style="italic">{_tspans(runs)}</text>')
    out.extend(labels)
    for n in fig.nodes:
        dash = ' stroke-dasharray="4 3"' if n.dashed else ""
        if n.shape == "circle":
            out.append(f'<circle cx="{X(n.x)}" cy="{Y(n.y)}" r="{n.w / 2 * PX:.1f}" fill="#eef3fb" stroke="#333"{dash}/>')
        elif n.shape == "box":
            out.append(f'<rect x="{X(n.x - n.w / 2)}" y="{Y(n.y + n.h / 2)}" width="{n.w * PX:.1f}" '
                       f'height="{n.h * PX:.1f}" rx="6" fill="#fdf6e3" stroke="#333"{dash}/>')
        out.append(f'<text x="{X(n.x)}" y="{Y(n.y - 0.09)}" text-anchor="middle" font-style="italic">'
                   f'{_tspans(_runs(n.label))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- TikZ --------------------------------------------------------------------------------------

def to_tikz(fig: Figure) -> str:
    ids = {n.id: f"n{i}" for i, n in enumerate(fig.nodes)}
    out = [r"\begin{tikzpicture}[>=stealth, font=\small,",
           r"  box/.style={draw, rounded corners=2pt, fill=yellow!8, inner sep=2pt},",
           r"  circ/.style={draw, circle, fill=blue!6, inner sep=1pt},",
           r"  txt/.style={inner sep=1pt},",
           r"  lbl/.style={fill=white, inner sep=1pt, font=\scriptsize}]"]
    for n in fig.nodes:
        style = {"box": "box", "circle": "circ", "text": "txt"}[n.shape]
        size = (f", minimum width={n.w:.2f}cm, minimum height={n.h:.2f}cm" if n.shape == "box"
                else f", minimum size={n.w:.2f}cm" if n.shape == "circle" else "")
        out.append(rf"\node[{style}{size}] ({ids[n.id]}) at ({n.x:.2f},{n.y:.2f}) {{${n.label}$}};")
    for e in fig.edges:
        style = "->, dashed" if e.dashed else "->"
        label = rf" node[lbl, pos={e.pos:.2f}] {{${e.label}$}}" if e.label else ""
        out.append(rf"\draw[{style}] ({ids[e.src]}) --{label} ({ids[e.dst]});")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"
