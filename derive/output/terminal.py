"""A Derivation as a terminal table and as JSON (`derive gradients`)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from ..algebra import delta_symbol
from ..derivation.engine import Derivation, Factor
from ..document.formatting import fmt
from ..document.printing import Printers, leibniz


def factor_latex(p: Printers, f: Factor) -> str:
    return f"{leibniz(p, f.of, f.wrt)} = {p.latex(f.expr)}"


def chain_latex(d: Derivation, p: Printers, name: str) -> list[str]:
    """The chain-rule factors of one gradient: every distinct local derivative on its paths, from the
    loss down; when there are too many paths, the δ of each quantity the parameter feeds and the
    local derivative into it."""
    g = d.gradients[name]
    if g.paths:
        seen: dict[tuple[str, str], str] = {}
        for path in g.paths:
            for f in path:
                seen.setdefault((f.of, f.wrt), factor_latex(p, f))
        return list(seen.values())
    out = []
    for f in g.via:
        if f.of in d.signals:
            out.append(f"{p.latex(delta_symbol(f.of))} = {leibniz(p, d.network.loss, f.of)}")
        out.append(factor_latex(p, f))
    return out


def to_json(d: Derivation, check: dict[str, float] | None = None,
            training: list[tuple[float, dict[str, float]]] | None = None) -> dict:
    p = Printers(d.network)
    net = d.network
    loss_q = net[net.loss]
    grads = {}
    for name, g in d.gradients.items():
        grads[name] = {
            "latex": p.latex(g.best_form),
            "chain": chain_latex(d, p, name),
            "value": g.value,
            "delta_form": p.latex(g.delta_form),
            "paths": len(g.paths) if g.paths else g.path_count,
        }
    out: dict = {
        "network": net.name,
        "kind": net.kind,
        "loss": {"name": net.loss, "latex": f"{loss_q.tex} = {p.latex(d.definitions[net.loss])}",
                 "value": d.loss_value},
        "gradients": grads,
        "signals": {n: {"latex": f"{p.latex(delta_symbol(n))} = {p.latex(s.expr)}", "value": s.value}
                    for n, s in d.signals.items()},
        "learning_rate": d.learning_rate,
        "updated": d.updated,
    }
    if check is not None:
        out["check"] = check_summary(d, check)
    if training is not None:
        out["training"] = [{"step": i, "loss": loss} for i, (loss, _) in enumerate(training, start=1)]
    return out


def check_summary(d: Derivation, fd: dict[str, float]) -> dict:
    errors = {n: abs(fd[n] - (d.gradients[n].value or 0.0)) for n in fd}
    worst = max(errors, key=lambda n: errors[n]) if errors else None
    return {"method": "central finite differences", "finite_differences": fd,
            "max_abs_error": errors[worst] if worst else 0.0, "worst": worst}


@dataclass
class Column:
    title: str
    cells: list[str]

    @property
    def width(self) -> int:
        return max([len(self.title)] + [len(c) for c in self.cells])


INDENT = "      "  # a wrapped line goes on this far in
NARROWEST = 16  # columns a wrapped cell keeps however narrow the terminal: a formula cut finer is unreadable


def wrap(line: str, width: int | None, indent: str = INDENT) -> list[str]:
    """line cut at spaces into lines of at most width characters (a word longer than that is cut too), each
    after the first indented; width None leaves it whole."""
    if width is None or len(line) <= width:
        return [line]
    return textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False) or [line]


def table(columns: list[Column], width: int | None = None, wrapped: int | None = None) -> str:
    """The columns side by side. When the table is wider than width, the cells of column `wrapped` are cut
    into lines that fit beside the others (never narrower than NARROWEST), the row's other cells on its first."""
    widths = [c.width for c in columns]
    if width is not None and wrapped is not None and sum(widths) + 2 * (len(widths) - 1) > width:
        others = sum(w for i, w in enumerate(widths) if i != wrapped) + 2 * (len(widths) - 1)
        widths[wrapped] = max(NARROWEST, min(widths[wrapped], width - others), len(columns[wrapped].title))
    lines = ["  ".join(c.title.ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in zip(*[c.cells for c in columns]):
        parts = wrap(row[wrapped], widths[wrapped], "  ") if wrapped is not None else [None]
        for k, part in enumerate(parts):
            cells = [(part if i == wrapped else cell if k == 0 else "") for i, cell in enumerate(row)]
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(cells, widths)).rstrip())
    return "\n".join(lines)


LONG_SUM = 6  # terms beyond which a sum is shown as its first two terms, …, its last (JSON keeps it whole)


def short_text(p: Printers, e) -> str:
    """A sum of many terms (a convolution's gradient has a hundred) as a reader scans it in a table;
    a long sum inside a product (δ of a pooled map: (Σ_j δ_j w_j) σ′) the same way, in parentheses."""
    terms = list(e.args) if e.is_Add else [e]  # the order the printers keep (order="none")
    if len(terms) > LONG_SUM:
        return f"{short_text(p, terms[0])} + {short_text(p, terms[1])} + … + {short_text(p, terms[-1])} " \
               f"({len(terms)} terms)"
    if e.is_Mul and any(a.is_Add and len(a.args) > LONG_SUM for a in e.args):
        return "*".join(f"({short_text(p, a)})" if a.is_Add or (a.is_Rational and not a.is_Integer) else p.text(a)
                        for a in e.args)
    return p.text(e)


def to_text(d: Derivation, check: dict[str, float] | None = None,
            training: list[tuple[float, dict[str, float]]] | None = None, width: int | None = None,
            wrap_table: bool = True) -> str:
    """The table `derive gradients` prints; with width, lines longer than that are wrapped: a δ's definition
    goes on indented, and with wrap_table a long gradient on more lines of the gradient column (without, a
    parameter's row stays one line, for grep)."""
    p = Printers(d.network)
    net = d.network
    out = [f"{net.name}: {net.description}",  # (the note it reproduces is the repository's, not the package's)
           f"{len(net.params)} parameters; {'' if net.loss.lower() == 'loss' else 'loss '}{net.loss} = "
           f"{p.text(d.definitions[net.loss])}"]
    if d.loss_value is not None:
        out.append(f"{net.loss} = {fmt(d.loss_value)}")
    out = [part for line in out for part in wrap(line, width)]
    out.append("")
    lhs = lambda n: f"d{net.loss}/d{n}"  # noqa: E731
    cols = [Column("parameter", list(d.gradients)),
            Column("gradient", [f"{lhs(n)} = {short_text(p, g.delta_form)}" for n, g in d.gradients.items()])]
    if d.values is not None:
        cols.append(Column("value", [fmt(g.value) for g in d.gradients.values()]))
        if d.learning_rate is not None:
            cols.append(Column(f"updated (lr {fmt(d.learning_rate)})", [fmt(g.updated) for g in d.gradients.values()]))
    if check is not None:
        cols.append(Column("finite diff.", [fmt(check[n]) for n in d.gradients]))
    out.append(table(cols, width if wrap_table else None, wrapped=1))
    if d.signals:
        out.append("")
        out.append("where (error signals, from the loss backwards):")
        for n in reversed(list(d.signals)):
            s = d.signals[n]
            value = "" if s.value is None else f" = {fmt(s.value)}"
            out += wrap(f"  {p.text(delta_symbol(n))} = d{net.loss}/d{n} = {short_text(p, s.expr)}{value}", width)
    if check is not None:
        s = check_summary(d, check)
        out.append("")
        out += wrap(f"check: largest |symbolic - finite difference| = {s['max_abs_error']:.3e} (at {s['worst']})",
                    width)
    if training is not None:
        out.append("")
        out.append(table([Column("step", [str(i) for i in range(1, len(training) + 1)]),
                          Column(f"loss {net.loss}", [fmt(loss) for loss, _ in training])]))
    return "\n".join(out) + "\n"
