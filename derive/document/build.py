"""A Derivation as a document (document/model.py): the sections of a lecture, made here.

Every formula is made through the network's printers; templates only arrange it with prose.
The order is the order of a lecture: the network, the forward pass (symbolic, then with numbers),
the loss and its derivative with respect to each output, then for every weight and bias its
chain-rule factors, each local derivative, the σ(1−σ) form, the δ form, the value and the update,
then the error signals, the matrix form of a layered network, and a summary table.
"""

from __future__ import annotations

import sympy as sp

from ..algebra import delta_symbol, symbol
from ..derivation.engine import Derivation, Gradient
from ..network.graph import Activate, Affine, Network, Role, grad_parents
from .cnn import index_formulas
from .figure import network_figure
from .formatting import fmt_tex
from .matrix import matrix_form
from .model import (
    TERM_LIMIT,
    Document,
    Equation,
    GradientSection,
    Part,
    Section,
    SummaryRow,
    elide,
    group_of,
    join_terms,
    trim,
)
from .printing import leibniz
from .rnn import bptt_formulas, step_contributions
from .writer import Writer, num

DETAIL_LIMIT = 16  # up to this many parameters every gradient is worked out in full
ELIDE_TERMS = 6    # an affine sum with more terms than this is written with \dots in the forward pass
GIVENS_PER_LINE = 5


# --- the sections --------------------------------------------------------------------------------

def givens(w: Writer) -> list[str]:
    net = w.net
    lines = []
    for role in (Role.INPUT, Role.TARGET, Role.PARAM):
        items = [f"{w.tex(q.name)} = {fmt_tex(float(net.values[q.name]))}"
                 for q in net.of_role(role) if q.name in net.values]
        for i in range(0, len(items), GIVENS_PER_LINE):
            lines.append(r", \quad ".join(items[i:i + GIVENS_PER_LINE]))
    if net.learning_rate is not None:
        lines.append(rf"\eta = {fmt_tex(float(net.learning_rate))}")
    return lines


def elided_affine(w: Writer, op: Affine) -> str:
    """w_1 x_1 + w_2 x_2 + \\dots + w_n x_n + b for a long sum."""
    t = [w.p.latex(sp.Mul(symbol(u), symbol(v), evaluate=False)) for u, v in op.terms]
    parts = t[:2] + [r"\dots"] + t[-1:] + ([w.tex(op.bias)] if op.bias else [])
    return " + ".join(parts)


def forward(w: Writer) -> list:
    items = []
    for q in w.net.quantities:
        if q.op is None or q.role not in (Role.HIDDEN, Role.OUTPUT):
            continue
        value = None if w.d.values is None else w.d.values[q.name]
        if isinstance(q.op, Affine) and len(q.op.terms) > ELIDE_TERMS:
            parts: list[Part] = [(q.tex,), (elided_affine(w, q.op),)]
            if value is not None:
                parts.append((fmt_tex(value),))
            e = Equation(tuple(parts))
        else:
            e = w.chain(q.tex, w.d.definitions[q.name], value)
        items.append((group_of(q), q.tex, e))
    return trim(items)


def loss(w: Writer) -> list:
    items = []
    for q in w.net.of_role(Role.LOSS_TERM, Role.LOSS):
        value = None if w.d.values is None else w.d.values[q.name]
        items.append((group_of(q), q.tex, w.chain(q.tex, w.d.definitions[q.name], value)))
    return trim(items)


def outputs(w: Writer) -> list[Equation]:
    loss_q = w.net[w.net.loss]
    out = []
    for y in grad_parents(loss_q.op):
        f = w.partial(loss_q.name, y)
        out.append(w.chain(leibniz(w.p, f.of, f.wrt), f.expr, f.value))
    return out


def product(factors) -> str:
    return r" \cdot ".join(factors)


def gradient_section(w: Writer, g: Gradient, detailed: bool) -> GradientSection:
    d, net = w.d, w.net
    lhs = leibniz(w.p, net.loss, g.param)
    paths, via = g.paths, g.via
    chain = form = None
    factors: list[Equation] = []
    if detailed and paths:
        chain = Equation(((lhs,), tuple(product(leibniz(w.p, f.of, f.wrt) for f in path) for path in paths)))
        seen: dict[tuple[str, str], Equation] = {}
        for path in paths:
            for f in path:
                seen.setdefault((f.of, f.wrt), w.chain(leibniz(w.p, f.of, f.wrt), f.expr, f.value))
        factors = list(seen.values())
        if g.compact is not None:
            nums = None
            if g.value is not None:
                nums = tuple(product(num(f.value) for f in path) for path in paths)
            form = w.chain(lhs, g.compact, g.value, numbers=nums)
    elif detailed:  # too many paths: through the δ of each quantity the parameter feeds
        shown = via if len(via) <= TERM_LIMIT else via[:2] + via[-1:]
        chain = Equation(((lhs,), elide(tuple(product((leibniz(w.p, net.loss, f.of), leibniz(w.p, f.of, f.wrt)))
                                                for f in shown), 2 if len(via) > TERM_LIMIT else TERM_LIMIT)))
        factors = [w.chain(leibniz(w.p, f.of, f.wrt), f.expr, f.value) for f in shown]
    delta_nums = None
    if g.value is not None and via and len(via) <= TERM_LIMIT and all(f.of in d.signals for f in via):
        delta_nums = tuple(product((num(d.signals[f.of].value), num(f.value))) if f.expr != 1
                           else fmt_tex(d.signals[f.of].value) for f in via)
    delta = w.chain(lhs, g.delta_form, g.value, numbers=delta_nums)
    update = None
    if g.updated is not None:
        p = w.tex(g.param)
        new = (p if "^" not in p else "{%s}" % p) + r"^{\mathrm{new}}"
        old = fmt_tex(float(net.values[g.param]))
        update = Equation(((new,), (rf"{p} - \eta {lhs}",),
                           (rf"{old} - {fmt_tex(d.learning_rate)} \cdot {num(g.value)}",), (fmt_tex(g.updated),)))
    return GradientSection(g.param, w.tex(g.param), detailed, g.path_count, chain, tuple(factors), form,
                           delta, g.value, update)


def worked_examples(net: Network) -> set[str]:
    """For a large network, the parameters worked out in full: the first weight and the first bias
    of every layer (or the first parameter, when the network has no layers)."""
    chosen: dict[tuple, str] = {}
    for q in net.params:
        chosen.setdefault((q.layer, len(q.index) > 1), q.name)
    return set(chosen.values())


def signals(w: Writer) -> list:
    items = []
    for name in reversed(list(w.d.signals)):
        s = w.d.signals[name]
        e = w.chain(w.p.latex(delta_symbol(name)), s.expr, s.value, extra=((leibniz(w.p, w.net.loss, name),),))
        items.append((group_of(w.net[name]), w.p.latex(delta_symbol(name)), e))
    return trim(items)


def summary(w: Writer) -> list[SummaryRow]:
    rows = []
    for name, g in w.d.gradients.items():
        given = float(w.net.values[name]) if name in w.net.values else None
        rows.append(SummaryRow(name, w.tex(name), given, join_terms(w.terms(g.delta_form)), g.value, g.updated))
    return rows


def kind_sections(w: Writer) -> list[Section]:
    """What an RNN or a CNN adds to the generic document: the general formulas of its kind (from
    derive.rnn / derive.cnn) and, for an RNN, each shared parameter's gradient as a sum over steps."""
    net = w.net
    out: list[Section] = []
    if net.kind == "rnn":
        out.append(Section("bptt", tuple(Equation(((tex,),)) for _, tex in bptt_formulas(net))))
        eqs: list[Equation] = []
        for param, terms in step_contributions(net).items():
            g = w.d.gradients[param]
            lhs = leibniz(w.p, net.loss, param)
            parts: list[Part] = [(lhs,), tuple(leibniz(w.p, t.term, param) for t in terms)]
            if g.value is not None:
                parts.append(tuple(fmt_tex(t.value) for t in terms))
                parts.append((fmt_tex(g.value),))
            eqs.append(Equation(tuple(parts)))
            eqs += [w.chain(leibniz(w.p, t.term, param), t.expr, t.value) for t in terms]
        out.append(Section("steps", tuple(eqs)))
    elif net.kind == "cnn":
        out.append(Section("index", tuple(Equation(((tex,),)) for _, tex in index_formulas(net))))
    return out


def build(d: Derivation, detail_limit: int = DETAIL_LIMIT, only: set[str] | None = None) -> Document:
    """The document model of a derivation. `only` restricts the worked-out gradients to those named
    (a handout's answer key); otherwise every gradient is worked out up to detail_limit parameters,
    and beyond that one weight and one bias per layer."""
    w = Writer(d)
    net = d.network
    all_detailed = only is None and len(net.params) <= detail_limit
    chosen = only if only is not None else (set(d.gradients) if all_detailed else worked_examples(net))
    return Document(
        name=net.name,
        kind=net.kind,
        description=net.description,
        note=net.note,
        n_params=len(net.params),
        loss_tex=w.tex(net.loss),
        has_numbers=d.values is not None,
        learning_rate=d.learning_rate,
        figure=network_figure(net),
        givens=givens(w),
        forward=forward(w),
        loss=loss(w),
        outputs=outputs(w),
        gradients=[gradient_section(w, g, g.param in chosen) for g in d.gradients.values()],
        signals=signals(w),
        matrix=matrix_form(w),
        summary=summary(w),
        detailed_all=all_detailed,
        logits=bool(getattr(net[net.loss].op, "logits", ())),
        uses_sigmoid=any(isinstance(q.op, Activate) and q.op.fn == "sigmoid" for q in net.quantities),
        extra=kind_sections(w),
    )
