"""The figure of a network with its named quantities: the layout only (output/draw.py draws it as SVG
for Markdown and HTML, or TikZ for LaTeX).

A small MLP is drawn unit by unit: each unit a box split into its pre-activation and its activation,
every edge labelled with its weight, biases above their layer, the outputs and targets meeting in the
loss. A large MLP is drawn as one box per layer with its size. Any other network (an unrolled RNN, a
CNN) is drawn from its graph: quantities in columns by depth, edges labelled with the parameters that
weigh them, and, when there are too many quantities, one box per column with a count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..derivation import numeric
from ..network.graph import Activate, Affine, Loss, LossTerm, Network, Role, Softmax, op_refs
from ..rules import ACTIVATIONS, LOSSES
from .formatting import fmt

UNIT_LIMIT = 8        # an MLP layer wider than this is drawn as a box
RNN_STEPS = 6         # an RNN unrolled over more steps than this is drawn from its graph
GRAPH_LIMIT = 40      # a graph with more quantities than this is drawn one box per column


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
    note: str = ""       # what a reader must know about the drawing (plain text, for under the figure)
    graph: Circuit | None = None   # the computational graph with its numbers (a network with values)


LABEL_CHAR = 0.15     # the width of a label's character, in layout units (centimetres), generously
LABEL_HEIGHT = 0.4


def _label_box(x0: float, y0: float, x1: float, y1: float, pos: float, label: str) -> tuple:
    chars = len(re.sub(r"\\[A-Za-z]+|[{}_^ ]", "", label)) or 1
    w = chars * LABEL_CHAR + 0.2
    x, y = x0 + pos * (x1 - x0), y0 + pos * (y1 - y0)
    return x - w / 2, x + w / 2, y - LABEL_HEIGHT / 2, y + LABEL_HEIGHT / 2


def _overlap(a: tuple, b: tuple) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def collide(boxes: list[tuple]) -> bool:
    return any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def _names(net: Network, names: list[str], limit: int = 3) -> str:
    tex = [net[n].tex for n in dict.fromkeys(names)]
    return ", ".join(tex) if len(tex) <= limit else f"{tex[0]}, \\dots, {tex[-1]}"


# --- layouts -----------------------------------------------------------------------------------

def network_figure(net: Network) -> Figure:
    shape = net.shape
    if net.kind == "mlp" and shape.get("layers"):
        fig = _mlp_units(net) if max(shape["layers"]) <= UNIT_LIMIT else _mlp_boxes(net)
    elif net.kind == "rnn" and not shape.get("vector", True) and shape.get("steps", 99) <= RNN_STEPS:
        fig = _rnn_unrolled(net)
    elif net.kind == "cnn" and shape.get("layers"):
        fig = _cnn_boxes(net)
    else:
        fig = _graph(net)
    return replace(fig, graph=circuit(net))


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
    where: dict[str, tuple[float, float]] = {}   # the centre of each unit's activation
    thinned = False
    for q, y in zip(inputs, _column(len(inputs), gap)):
        nodes.append(Node(f"a:{q.name}", 0.0, y, 1.1, 0.7, q.tex, "circle"))
        where[q.name] = (0.0, y)
    for i, (l, pres, acts) in enumerate(layers):
        x = step * (i + 1)
        ys = _column(len(pres), gap)
        layer_edges = [(u, v, p, y) for p, y in zip(pres, ys) for u, v in p.op.terms]
        boxes = [_label_box(*where[v], x - 0.7, y, 0.7, net[u].tex) for u, v, p, y in layer_edges]
        few = collide(boxes)  # the labels would overprint each other: label the edges j -> j only
        thinned = thinned or few
        sources = {v: j for j, v in enumerate(dict.fromkeys(v for _, v, _, _ in layer_edges))}
        for p, a, y in zip(pres, acts, ys):
            nodes.append(Node(f"z:{p.name}", x - 0.7, y, 1.4, 0.7, p.tex))
            nodes.append(Node(f"a:{a.name}", x + 0.7, y, 1.4, 0.7, a.tex))
            where[a.name] = (x + 0.7, y)
            for u, v in p.op.terms:
                if not few:
                    edges.append(Edge(f"a:{v}", f"z:{p.name}", net[u].tex))
                elif sources[v] == pres.index(p):
                    edges.append(Edge(f"a:{v}", f"z:{p.name}", net[u].tex, 0.5))
                else:
                    edges.append(Edge(f"a:{v}", f"z:{p.name}"))
            if p.op.bias:
                nodes.append(Node(f"b:{p.name}", x - 0.7, y + 0.68, 1.0, 0.36, net[p.op.bias].tex, "text"))
                edges.append(Edge(f"b:{p.name}", f"z:{p.name}", dashed=True))
        fn = fns[l - 1] if l - 1 < len(fns) else ""
        if fn:
            nodes.append(Node(f"f:{l}", x + 0.7, ys[0] + 0.68, 1.4, 0.36, ACTIVATIONS[fn].figure_tex, "text"))
    last = layers[-1][2] if layers else inputs
    _loss_part(net, [q.name for q in last], step * (len(layers) + 1) - 0.6, nodes, edges, lambda o: f"a:{o}")
    note = ("So that the labels stay apart, only the edges from the j-th unit of a layer to the j-th unit of "
            "the next carry their weight; every weight is in the table of values." if thinned else "")
    return Figure(tuple(nodes), tuple(edges), "units", note)


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


# --- the computational graph with its numbers (CS231n's circuits) ------------------------------

CIRCUIT_LIMIT = 40    # quantities drawn at most; a larger network's document says so instead
PITCH = 1.15          # between the centres of two nodes of a column: a number above a wire and one below
GAP = 0.9             # between the end of a column's wires and the next column's nodes
DIGIT = 0.14          # the width of a character of a number on a wire (\\scriptsize; 11 px in SVG)
NAME_CHAR = 0.19      # ... of a node's name


@dataclass(frozen=True)
class Wire:
    """A quantity leaving its node: a straight stretch to `stem`, the x where it ends, with the forward
    value above and dL/d(quantity) below, then a branch to each node that reads it (through the points
    of the columns it crosses). A wire without ends is the loss's own, to the right."""
    src: str
    value: float
    grad: float | None                  # None: not drawn (a target: the loss is not differentiated in it)
    stem: float
    ends: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = ()
    dashed: bool = False


@dataclass(frozen=True)
class Circuit:
    nodes: tuple[Node, ...] = ()
    wires: tuple[Wire, ...] = ()
    note: str = ""       # plain text under the drawing
    omitted: int = 0     # the number of quantities when there are too many to draw (then no nodes)

    @property
    def width(self) -> float:
        """From the leftmost node to the end of the loss's wire, in centimetres."""
        left = min((n.x - n.w / 2 for n in self.nodes), default=0.0)
        return max([n.x + n.w / 2 for n in self.nodes] + [w.stem for w in self.wires], default=0.0) - left


def number_width(x: float | None) -> float:
    return 0.0 if x is None else len(fmt(x)) * DIGIT + 0.1


def _sweep(columns: list[list[str]], links: list[tuple[str, str]], rounds: int = 4) -> None:
    """Order each column by the mean height of what it is linked to (barycentres), forwards and back."""
    def heights() -> dict[str, float]:
        return {s: (len(col) - 1) / 2 - i for col in columns for i, s in enumerate(col)}

    for _ in range(rounds):
        for order, pick in ((range(1, len(columns)), 0), (range(len(columns) - 2, -1, -1), 1)):
            for c in order:
                y = heights()
                near = {s: [y[l[1 - pick]] for l in links if l[pick] == s] for s in columns[c]}
                columns[c].sort(key=lambda s: sum(near[s]) / len(near[s]) if near[s] else y[s])


def _reads(q) -> tuple[str, ...]:
    if isinstance(q.op, Loss) and q.op.logits:
        return tuple(n for pair in q.op.pairs for n in pair)
    return op_refs(q.op)


def circuit(net: Network) -> Circuit | None:
    """Every quantity of the forward pass a node (a parameter or input once per column it feeds, as an
    unrolled RNN uses its weights at every step), in columns by depth; every wire with its value and
    the loss's derivative in it. None for a network without numbers."""
    if not net.has_numbers():
        return None
    ops = [q for q in net.quantities if q.op is not None and not isinstance(q.op, LossTerm)]
    leaves = {q.name for q in net.quantities if q.op is None}
    if len(ops) + len(leaves) > CIRCUIT_LIMIT:
        return Circuit(omitted=len(ops) + len(leaves))
    v = numeric.forward(net)
    adj = numeric.backward(net, v)
    for q in ops:  # a cross-entropy of a softmax is written in its outputs, not in the logits it is computed from
        if isinstance(q.op, Loss) and q.op.logits:
            n = q.op.count or len(q.op.pairs)
            for y, t in q.op.pairs:
                adj.setdefault(y, LOSSES[q.op.fn].slope(v[y], v[t], n))
    col: dict[str, int] = {}
    for q in ops:
        col[q.name] = 1 + max((col[r] for r in _reads(q) if r in col), default=0)
    readers: dict[str, list[str]] = {}
    for q in ops:
        for r in dict.fromkeys(_reads(q)):
            readers.setdefault(r, []).append(q.name)
    # the slots of each column: nodes (an op by its name, a leaf as name@column) and the points where
    # a wire crosses a column (name>reader@column)
    columns: list[list[str]] = [[] for _ in range(max(col.values(), default=0) + 1)]
    links: list[tuple[str, str]] = []
    paths: dict[tuple[str, str], list[str]] = {}     # (source slot, reader) -> the crossing slots
    for name in [q.name for q in net.quantities]:
        for reader in readers.get(name, []):
            c = col[reader] - 1
            if name in leaves:
                src = f"{name}@{c}"
                if src not in columns[c]:
                    columns[c].append(src)
            else:
                src = name
            cross = [f"{name}>{reader}@{k}" for k in range(col.get(name, c) + 1, col[reader])]
            for k, slot in zip(range(col.get(name, c) + 1, col[reader]), cross):
                columns[k].append(slot)
            paths[(src, reader)] = cross
            chain = [src, *cross, reader]
            links.extend(zip(chain, chain[1:]))
    for q in ops:
        columns[col[q.name]].append(q.name)
    _sweep(columns, links)
    return _place(net, columns, paths, v, adj)


def _place(net: Network, columns: list[list[str]], paths: dict, v: dict, adj: dict) -> Circuit:
    def node_width(slot: str) -> float:
        if ">" in slot:
            return 0.0
        tex = net[slot.split("@")[0]].tex
        return max(0.9, len(re.sub(r"\\[A-Za-z]+|[{}_^ ]", "", tex)) * NAME_CHAR + 0.35)

    def grad(src: str) -> float | None:
        name, _, c = src.partition("@")
        if name not in adj:
            return None
        if not c:
            return float(adj[name])
        copies = [s for s, _ in paths if s.partition("@")[0] == name]
        if len(set(copies)) == 1:
            return float(adj[name])
        return float(sum(adj[r] * numeric.partial(net[r], name, v, numeric.FLOAT)
                         for s, r in paths if s == src))

    xs, ys, stems = {}, {}, {}
    right = 0.0
    for c, members in enumerate(columns):
        cw = max((node_width(s) for s in members), default=0.0)
        x = right + (GAP if c else 0.0) + cw / 2
        label = max((number_width(x_) for s in members if ">" not in s
                     for x_ in (v[s.split("@")[0]], grad(s))), default=0.0)
        stem = x + cw / 2 + label + 0.3
        for i, s in enumerate(members):
            xs[s], ys[s], stems[s] = x, ((len(members) - 1) / 2 - i) * PITCH, stem
        right = stem
    nodes, wires = [], []
    for members in columns:
        for s in members:
            if ">" in s:
                continue
            name = s.split("@")[0]
            q = net[name]
            nodes.append(Node(s, xs[s], ys[s], node_width(s), 0.6, q.tex, "box" if q.op else "leaf"))
            ends = tuple((r, tuple(p for k in cross for p in ((xs[k], ys[k]), (stems[k], ys[k]))))
                         for (src, r), cross in paths.items() if src == s)
            wires.append(Wire(s, float(v[name]), grad(s), stems[s], ends, dashed=q.role is Role.TARGET))
    copies: dict[str, int] = {}
    for s in xs:
        if "@" in s and ">" not in s:
            copies[s.partition("@")[0]] = copies.get(s.partition("@")[0], 0) + 1
    note = ""
    if any(n > 1 for n in copies.values()):
        note = ("A parameter used at several steps is drawn once per step" if net.kind == "rnn" else
                "A parameter or input read in several columns is drawn once for each")
        note += "; the red numbers of its copies add up to its gradient."
    return Circuit(tuple(nodes), tuple(wires), note)
