"""A figure (document/figure.py) drawn: SVG for Markdown and HTML, TikZ for LaTeX. Labels are LaTeX;
SVG sets them as text with sub- and superscripts."""

from __future__ import annotations

import re
from html import escape

from ..document.figure import Circuit, Figure, Node
from ..document.formatting import fmt_tex

PX = 50.0             # SVG pixels per layout unit (a centimetre in TikZ)
FONT = 13             # SVG font size in pixels
LABEL_FONT = 11       # ... of the labels on edges


# --- LaTeX labels as SVG text -----------------------------------------------------------------

SYMBOLS = {r"\in": " ∈ ", r"\times": "×", r"\sigma": "σ", r"\delta": "δ", r"\eta": "η", r"\tanh": "tanh",
           r"\dots": "…", r"\ldots": "…",
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


def _tspans(runs, base: int = FONT) -> str:
    """Runs as tspans, sub- and superscripts a quarter smaller in absolute pixels (a percentage is
    taken of the wrong size by some renderers: CairoSVG draws blobs)."""
    out, level = [], 0
    for text, lv in runs:
        dy = (level - lv) * 4
        size = "" if lv == 0 else f' font-size="{round(base * 0.75)}"'
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
                          f'<text x="{X(lx)}" y="{Y(ly - 0.09)}" text-anchor="middle" font-size="{LABEL_FONT}" '
                          f'font-style="italic">{_tspans(runs, LABEL_FONT)}</text>')
    out.extend(labels)
    for n in fig.nodes:
        dash = ' stroke-dasharray="4 3"' if n.dashed else ""
        if n.shape == "circle":
            out.append(f'<circle cx="{X(n.x)}" cy="{Y(n.y)}" r="{n.w / 2 * PX:.1f}" fill="#eef3fb" '
                       f'stroke="#333"{dash}/>')
        elif n.shape in ("box", "leaf"):
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


# --- the computational graph (document/figure.py's Circuit) -----------------------------------

VALUE_COLOUR, GRAD_COLOUR = "#1b7a2e", "#c0261b"      # CS231n's: the forward value green, the gradient red
ABOVE, BELOW = 0.09, 0.33                                # a number's baseline above and below its wire (cm)


def _number(x: float) -> str:
    """A number of a wire as LaTeX with a real minus (fmt_tex: at the document's decimals)."""
    return fmt_tex(x)


def _wire_points(c: Circuit):
    """Each wire with its stem (start, end) and its branches as lists of points to the reader's west side."""
    by_id = {n.id: n for n in c.nodes}
    for w in c.wires:
        n = by_id[w.src]
        start, end = (n.x + n.w / 2, n.y), (w.stem, n.y)
        branches = [(r, [end, *points, (by_id[r].x - by_id[r].w / 2, by_id[r].y)]) for r, points in w.ends]
        yield w, n, start, end, branches


def circuit_svg(c: Circuit) -> str:
    x0 = min(n.x - n.w / 2 for n in c.nodes) - 0.3
    x1 = max(w.stem for w in c.wires) + 0.4
    y0 = min(n.y for n in c.nodes) - 0.75
    y1 = max(n.y for n in c.nodes) + 0.75
    W, H = (x1 - x0) * PX, (y1 - y0) * PX
    X = lambda x: f"{(x - x0) * PX:.1f}"  # noqa: E731
    Y = lambda y: f"{(y1 - y) * PX:.1f}"  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W:.0f}" height="{H:.0f}" '
           f'viewBox="0 0 {W:.0f} {H:.0f}" font-family="DejaVu Serif, Times New Roman, serif" '
           f'font-size="{FONT}" role="img" aria-label="the computational graph with its values and gradients">',
           '<defs><marker id="circuit-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
           '<rect width="100%" height="100%" fill="white"/>']
    labels = []
    for w, n, start, end, branches in _wire_points(c):
        dash = ' stroke-dasharray="4 3"' if w.dashed else ""
        tip = "" if branches else ' marker-end="url(#circuit-arrow)"'
        out.append(f'<line x1="{X(start[0])}" y1="{Y(start[1])}" x2="{X(end[0])}" y2="{Y(end[1])}" '
                   f'stroke="#444" stroke-width="1.2"{dash}{tip}/>')
        for _, points in branches:
            path = " ".join(f"{X(x)},{Y(y)}" for x, y in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="#444" stroke-width="1.2"{dash} '
                       f'marker-end="url(#circuit-arrow)"/>')
        mid = (start[0] + end[0]) / 2
        for x, dy, colour in ((w.value, ABOVE, VALUE_COLOUR), (w.grad, -BELOW, GRAD_COLOUR)):
            if x is None:
                continue
            runs = _runs(_number(x).replace("-", "−"))
            labels.append(f'<text x="{X(mid)}" y="{Y(n.y + dy)}" text-anchor="middle" font-size="{LABEL_FONT}" '
                          f'fill="{colour}">{_tspans(runs, LABEL_FONT)}</text>')
    for n in c.nodes:
        fill = "#fdf6e3" if n.shape == "box" else "#eef3fb"
        out.append(f'<rect x="{X(n.x - n.w / 2)}" y="{Y(n.y + n.h / 2)}" width="{n.w * PX:.1f}" '
                   f'height="{n.h * PX:.1f}" rx="{6 if n.shape == "box" else 12}" fill="{fill}" stroke="#333"/>')
        out.append(f'<text x="{X(n.x)}" y="{Y(n.y - 0.09)}" text-anchor="middle" font-style="italic">'
                   f'{_tspans(_runs(n.label))}</text>')
    out.extend(labels)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def circuit_tikz(c: Circuit) -> str:
    ids = {n.id: f"g{i}" for i, n in enumerate(c.nodes)}
    out = [r"\begin{tikzpicture}[>=stealth, font=\small,",
           r"  box/.style={draw, rounded corners=2pt, fill=yellow!8, inner sep=2pt, minimum height=0.6cm},",
           r"  leaf/.style={draw, rounded corners=6pt, fill=blue!6, inner sep=2pt, minimum height=0.6cm},",
           r"  val/.style={font=\scriptsize, text=green!45!black, inner sep=1pt},",
           r"  grad/.style={font=\scriptsize, text=red!75!black, inner sep=1pt}]"]
    for n in c.nodes:
        out.append(rf"\node[{n.shape}, minimum width={n.w:.2f}cm] ({ids[n.id]}) at ({n.x:.2f},{n.y:.2f}) "
                   rf"{{${n.label}$}};")
    for w, n, start, end, branches in _wire_points(c):
        style = ", dashed" if w.dashed else ""
        mid = (start[0] + end[0]) / 2
        labels = "".join(rf" \node[{kind}, anchor=base] at ({mid:.2f},{n.y + dy:.2f}) {{${_number(x)}$}};"
                         for x, dy, kind in ((w.value, ABOVE, "val"), (w.grad, -BELOW, "grad")) if x is not None)
        tip = "" if branches else "->"
        out.append(rf"\draw[{tip}{style}] ({ids[w.src]}.east) -- ({end[0]:.2f},{end[1]:.2f});{labels}")
        for reader, points in branches:
            path = " -- ".join(f"({x:.2f},{y:.2f})" for x, y in points[:-1])
            out.append(rf"\draw[->{style}] {path} -- ({ids[reader]}.west);")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"

