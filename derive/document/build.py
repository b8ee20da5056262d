"""A Derivation as a document (document/model.py): the sections of a lecture, made here.

Every formula is made through the network's printers; templates only arrange it with prose.
The order is the order of a lecture: the network, the forward pass (symbolic, then with numbers),
the loss and its derivative with respect to each output, then for every weight and bias its
chain-rule factors, each local derivative, the σ(1−σ) form, the δ form, the value and the update,
then the error signals, the matrix form of a layered network, and a summary table.
"""

from __future__ import annotations

import re
from fractions import Fraction

import sympy as sp

from ..algebra import delta_symbol, symbol
from ..derivation.engine import Derivation, Gradient
from ..network.evaluate import forward as forward_values
from ..network.graph import Activate, Affine, Loss, Network, Role, grad_parents
from .cnn import delta_maps, grids, index_formulas
from .figure import network_figure
from .formatting import DECIMALS, fmt_tex, written_with
from .matrix import matrix_form
from .model import (
    INNER_LIMIT,
    PIECE_WIDTH,
    TERM_LIMIT,
    Box,
    Document,
    Equation,
    ForwardTable,
    GradientSection,
    Group,
    Part,
    Section,
    Stage,
    SummaryRow,
    elide,
    group_of,
    join_terms,
    nonzero,
    trim,
    visible_length,
)
from .onehot import ONE_HOT_BOX, one_hot
from .printing import leibniz
from .rnn import bptt_formulas, step_contributions
from .writer import Writer, num

DETAIL_LIMIT = 16  # up to this many parameters every gradient is worked out in full
ELIDE_TERMS = 6    # an affine sum with more terms than this is written with \dots in the forward pass
GIVENS_PER_LINE = 5


# --- the sections --------------------------------------------------------------------------------

def givens(w: Writer, only=None, rate: bool = True) -> list[str]:
    """The given numbers as lines of name = value (those named in `only`, if given), then η."""
    net = w.net
    lines = []
    for role in (Role.INPUT, Role.TARGET, Role.PARAM):
        items = [f"{w.tex(q.name)} = {fmt_tex(float(net.values[q.name]))}"
                 for q in net.of_role(role) if q.name in net.values and (only is None or q.name in only)]
        for i in range(0, len(items), GIVENS_PER_LINE):
            lines.append(r", \quad ".join(items[i:i + GIVENS_PER_LINE]))
    if rate and net.learning_rate is not None:
        lines.append(rf"\eta = {fmt_tex(float(net.learning_rate))}")
    return lines


def elided_affine(w: Writer, op: Affine) -> str:
    """w_1 x_1 + w_2 x_2 + \\dots + w_n x_n + b for a long sum."""
    t = [w.p.latex(sp.Mul(symbol(u), symbol(v), evaluate=False)) for u, v in op.terms]
    parts = t[:2] + [r"\dots"] + t[-1:] + ([w.tex(op.bias)] if op.bias else [])
    return " + ".join(parts)


def forward_equation(w: Writer, q) -> Equation:
    """A quantity of the forward pass: its definition and value (a long sum elided)."""
    value = None if w.d.values is None else w.d.values[q.name]
    if isinstance(q.op, Affine) and len(q.op.terms) > ELIDE_TERMS:
        parts: list[Part] = [(q.tex,), (elided_affine(w, q.op),)]
        if value is not None:
            parts.append((fmt_tex(value),))
        return Equation(tuple(parts))
    return w.chain(q.tex, w.d.definitions[q.name], value)


def forward(w: Writer) -> list:
    items = [(group_of(q), q.tex, forward_equation(w, q)) for q in w.net.quantities
             if q.op is not None and q.role in (Role.HIDDEN, Role.OUTPUT)]
    return trim(items)


def loss(w: Writer) -> list:
    """The loss: for a one-hot cross-entropy the one term left, L = −Σ_k t_k log o_k = −log o_3 (the
    terms of the other classes are 0); otherwise each term, then their sum."""
    hot = one_hot(w)
    if hot is not None:
        _, general, y = hot
        value = w.d.values
        return [Equation(((w.tex(w.net.loss),), (general,), (rf"-\log\left({w.tex(y)}\right)",),
                          (rf"-\log\left({fmt_tex(value[y])}\right)",), (fmt_tex(value[w.net.loss]),)))]
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


def summary(w: Writer) -> list:
    """A row per parameter; a long table a few of each kind (SummaryRow and Omitted)."""
    rows = []
    for name, g in w.d.gradients.items():
        given = float(w.net.values[name]) if name in w.net.values else None
        row = SummaryRow(name, w.tex(name), given, join_terms(w.terms(g.delta_form)), g.value, g.updated)
        rows.append((group_of(w.net[name]) + (len(w.net[name].index) > 1,), row.tex, row))
    return trim(rows)


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


# --- the lecture: forward tables, then the backward pass layer by layer --------------------------

BOXES: dict[str, tuple[tuple[str, ...], ...]] = {   # {a} the activation, {z} its argument, as printed
    "sigmoid": (
        ("{a}", r"\sigma\left({z}\right)", r"\frac{{1}}{{1 + e^{{-{z}}}}}"),
        (r"\frac{{\partial {a}}}{{\partial {z}}}", r"\frac{{e^{{-{z}}}}}{{\left(1 + e^{{-{z}}}\right)^{{2}}}}",
         r"\frac{{1}}{{1 + e^{{-{z}}}}} \cdot \frac{{\left(1 + e^{{-{z}}}\right) - 1}}{{1 + e^{{-{z}}}}}",
         r"{a} \left(1 - {a}\right)"),
    ),
    "tanh": (
        ("{a}", r"\tanh\left({z}\right)", r"\frac{{e^{{{z}}} - e^{{-{z}}}}}{{e^{{{z}}} + e^{{-{z}}}}}"),
        (r"\frac{{\partial {a}}}{{\partial {z}}}",
         r"\frac{{\left(e^{{{z}}} + e^{{-{z}}}\right)^{{2}} - \left(e^{{{z}}} - e^{{-{z}}}\right)^{{2}}}}"
         r"{{\left(e^{{{z}}} + e^{{-{z}}}\right)^{{2}}}}",
         r"1 - {{{a}}}^{{2}}"),
    ),
    "relu": (
        ("{a}", r"\max\left(0, {z}\right)"),
        (r"\frac{{\partial {a}}}{{\partial {z}}}", r"\begin{{cases}} 1 & {z} > 0 \\ 0 & {z} \le 0 \end{{cases}}"),
    ),
    "softmax_ce": (
        (r"p_{{j}}", r"\frac{{e^{{z_{{j}}}}}}{{\sum_{{i}} e^{{z_{{i}}}}}}"),
        (r"\ell", r"-\sum_{{j}} t_{{j}} \log p_{{j}}"),
        (r"\frac{{\partial p_{{j}}}}{{\partial z_{{k}}}}", r"p_{{j}} \left(\mathbf{{1}}[j = k] - p_{{k}}\right)"),
        (r"\frac{{\partial \ell}}{{\partial z_{{k}}}}",
         r"-\sum_{{j}} \frac{{t_{{j}}}}{{p_{{j}}}} \, p_{{j}} \left(\mathbf{{1}}[j = k] - p_{{k}}\right)",
         r"-t_{{k}} + p_{{k}} \sum_{{j}} t_{{j}}", r"p_{{k}} - t_{{k}}"),
    ),
}


def box(w: Writer, key: str, of: str) -> Box:
    """The boxed derivation `key`, in the names of the quantity where it is first used (softmax with
    cross-entropy in general letters, from the true class when the target is one-hot)."""
    op = w.net[of].op
    a, z = w.tex(of), (w.tex(op.arg) if isinstance(op, Activate) else "z")
    lines, target = BOXES[key], ""
    hot = one_hot(w) if key == "softmax_ce" else None
    if hot is not None:
        lines, target = ONE_HOT_BOX, hot[0].cls
    return Box(key, tuple(Equation(tuple((p.format(a=a, z=z, c=target),) for p in line)) for line in lines),
               target)


def box_key(net: Network, of: str) -> str | None:
    """Which boxed derivation a local derivative of `of` rests on, if any."""
    op = net[of].op
    if isinstance(op, Activate) and op.fn in BOXES:
        return op.fn
    if isinstance(op, Loss) and op.logits:
        return "softmax_ce"
    return None


def forward_tables(w: Writer) -> list[ForwardTable]:
    layers: dict = {}
    for q in w.net.quantities:
        if q.op is None or q.role not in (Role.HIDDEN, Role.OUTPUT):
            continue
        layers.setdefault(q.layer, []).append(q)
    top = max((k for k in layers if k is not None), default=None)
    out = []
    for layer, qs in layers.items():
        items = [(group_of(q), q.tex, forward_equation(w, q)) for q in qs]
        out.append(ForwardTable(layer, layer == top, tuple(trim(items))))
    return out


class Lecture:
    """The backward pass as a lecture gives it: from the loss down, layer by layer, each δ from the
    local derivatives (each shown once, where first met), then the gradients of that layer's parameters."""

    def __init__(self, w: Writer, sections: dict[str, GradientSection]):
        self.w, self.d, self.net = w, w.d, w.net
        self.sections = sections
        graph = self.d.graph
        self.reach = graph.ancestors(self.net.loss)
        self.graph = graph
        self.shown: set[tuple[str, str]] = set()
        self.boxed: set[str] = set()

    def leib(self, of: str, wrt: str) -> str:
        return leibniz(self.w.p, of, wrt)

    def towards(self, name: str, out: list) -> str:
        """∂L/∂name written through the next error signals, in Leibniz factors ('' for the loss)."""
        if name == self.net.loss:
            return ""
        if name in self.d.signals:
            return self.w.p.latex(delta_symbol(name))
        return self.through(name, out)

    def through(self, name: str, out: list) -> str:
        terms = []
        for c in self.graph.kids(name, self.reach):
            t = self.towards(c, out)
            f = self.d.factor(c, name)
            out.append(f)
            if t and " + " in t:
                t = r"\left(%s\right)" % t
            terms.append(product([x for x in (t, self.leib(c, name)) if x]))
        if len(terms) > INNER_LIMIT:  # it goes inside parentheses, where no line can break it
            terms = terms[:2] + [r"\dots"] + terms[-1:]
        return " + ".join(terms)

    def order(self) -> list[list[str]]:
        """The signals in stages (one per layer, from the loss down); within a stage in the network's
        order, each after the signals it needs."""
        stages: dict = {}
        for name in reversed(list(self.d.signals)):
            stages.setdefault(self.net[name].layer, []).append(name)
        position = {n: i for i, n in enumerate(self.d.signals)}
        out = []
        for names in stages.values():
            left, ordered = sorted(names, key=position.get), []
            while left:
                pick = next((n for n in left if not needs(self.d.signals[n].expr, set(left) - {n})), left[-1])
                ordered.append(pick)
                left.remove(pick)
            out.append(ordered)
        return out

    def stage(self, names: list[str], params: list[str], top: bool) -> Stage:
        w, net = self.w, self.net
        items: list = []
        locals_: list = []
        deltas: list = []
        shown_names = set(keep(net, names, lambda n: self.d.signals[n].value != 0))
        for name in names:
            factors: list = []
            chain = self.through(name, factors)
            own = chain == leibniz(w.p, net.loss, name)  # the loss directly: the δ is that one derivative
            long = visible_length(chain) > PIECE_WIDTH     # the next member says it in named quantities
            if name in shown_names:
                for f in factors:
                    key = box_key(net, f.of)
                    if key and key not in self.boxed:
                        self.boxed.add(key)
                        items.append(box(w, key, f.of))
                    if (f.of, f.wrt) in self.shown or own:
                        continue
                    self.shown.add((f.of, f.wrt))
                    locals_.append((group_of(net[f.of]), leibniz(w.p, f.of, f.wrt),
                                    w.chain(leibniz(w.p, f.of, f.wrt), f.expr, f.value)))
            s = self.d.signals[name]
            extra = ((leibniz(w.p, net.loss, name),),) if own or long else ((leibniz(w.p, net.loss, name),), (chain,))
            deltas.append((group_of(net[name]), w.p.latex(delta_symbol(name)),
                           w.chain(w.p.latex(delta_symbol(name)), s.expr, s.value, extra=extra)))
        if locals_:
            items.append(Group("locals", tuple(trim(locals_))))
        items.append(Group("deltas", tuple(trim(deltas, prefer=nonzero))))
        maps = delta_maps(w, names)
        if maps:
            items.append(Group("maps", tuple(maps)))
        grads = []
        first = ""
        for p in params:
            g = self.d.gradients[p]
            e = self.sections[p].delta
            if not first:
                first = w.tex(p)
                lhs = leibniz(w.p, net.loss, p)
                if len(g.via) <= TERM_LIMIT:
                    chain = tuple(product((leibniz(w.p, net.loss, f.of), leibniz(w.p, f.of, f.wrt)))
                                  for f in g.via)
                    e = Equation(((lhs,), chain) + e.parts[1:])
            grads.append((group_of(net[p]) + (len(net[p].index) > 1,), w.tex(p), e))
        if grads:
            items.append(Group("gradients", tuple(trim(grads)), first))
        return Stage(net[names[0]].layer, top, tuple(items))

    def stages(self) -> list[Stage]:
        order = self.order()
        stage_of = {n: i for i, names in enumerate(order) for n in names}
        params: list[list[str]] = [[] for _ in order]
        for p, g in self.d.gradients.items():
            if g.via:
                params[max(stage_of[f.of] for f in g.via)].append(p)
        return [self.stage(names, params[i], i == 0) for i, names in enumerate(order)]


def needs(e: sp.Expr, names: set[str]) -> bool:
    """Whether e uses the δ of any of names."""
    return any(delta_symbol(n) in e.free_symbols for n in names)


def keep(net: Network, names: list[str], prefer=None) -> list[str]:
    """The names a long list shows (trim's choice)."""
    return [x for x in trim([(group_of(net[n]), n, n) for n in names], prefer=prefer) if isinstance(x, str)]


def updates(w: Writer, sections: list[GradientSection]) -> Group | None:
    items = [(group_of(w.net[g.name]) + (len(w.net[g.name].index) > 1,), g.tex, g.update)
             for g in sections if g.update is not None]
    return Group("updates", tuple(trim(items))) if items else None


def loss_after(d: Derivation) -> float | None:
    """The loss after one step of gradient descent, from the updated parameters."""
    if d.values is None or any(g.updated is None for g in d.gradients.values()):
        return None
    net = d.network
    values = dict(net.values)
    values.update({p: Fraction(g.updated) for p, g in d.gradients.items()})
    return float(forward_values(net.with_values(values))[net.loss])


WORDS = {"half_sse": "½Σ(y − t)²", "sse": "Σ(y − t)²", "mse": "mean squared error", "bce": "binary cross-entropy",
         "cross_entropy": "cross-entropy", "relu": "ReLU"}


def readable(description: str) -> str:
    """A network's description as a student reads it: names of losses and activations in words."""
    return re.sub(r"\b(%s)\b" % "|".join(WORDS), lambda m: WORDS[m.group(1)], description).rstrip(".")


def title(net: Network) -> str:
    first = re.split(r"[:,;]", readable(net.description), maxsplit=1)[0].strip()
    return first or net.name


def build(d: Derivation, detail_limit: int = DETAIL_LIMIT, only: set[str] | None = None,
          decimals: int = DECIMALS) -> Document:
    """The document model of a derivation. `only` restricts the worked-out gradients to those named
    (a handout's answer key); otherwise every gradient is worked out up to detail_limit parameters,
    and beyond that one weight and one bias per layer. Numbers have at most `decimals` decimals (the
    rendering of the document keeps to them too)."""
    with written_with(decimals):
        return _build(d, detail_limit, only, decimals)


def _build(d: Derivation, detail_limit: int, only: set[str] | None, decimals: int) -> Document:
    w = Writer(d)
    net = d.network
    all_detailed = only is None and len(net.params) <= detail_limit
    chosen = only if only is not None else (set(d.gradients) if all_detailed else worked_examples(net))
    sections = [gradient_section(w, g, g.param in chosen) for g in d.gradients.values()]
    matrices, in_matrices, read_from_matrices = grids(w)
    rest = {n for n in net.values if n not in in_matrices}
    return Document(
        name=net.name,
        kind=net.kind,
        description=readable(net.description),
        note=net.note,
        n_params=len(net.params),
        loss_tex=w.tex(net.loss),
        has_numbers=d.values is not None,
        learning_rate=d.learning_rate,
        figure=network_figure(net),
        givens=givens(w, rest if in_matrices else None),
        forward=forward(w),
        loss=loss(w),
        outputs=outputs(w),
        gradients=sections,
        signals=signals(w),
        matrix=matrix_form(w),
        summary=summary(w),
        detailed_all=all_detailed,
        logits=bool(getattr(net[net.loss].op, "logits", ())),
        uses_sigmoid=any(isinstance(q.op, Activate) and q.op.fn == "sigmoid" for q in net.quantities),
        extra=kind_sections(w),
        title=title(net),
        loss_value=None if d.values is None else d.values[net.loss],
        tables=forward_tables(w),
        stages=Lecture(w, {g.name: g for g in sections}).stages(),
        updates=updates(w, sections),
        after=loss_after(d),
        decimals=decimals,
        one_hot=None if (hot := one_hot(w)) is None else hot[0],
        grids=matrices,
        named=givens(w, in_matrices - read_from_matrices, rate=False) if in_matrices else [],
    )
