"""A Derivation as a plain document model: the mathematics of a lecture as LaTeX strings and numbers.

Every formula is made here, through the network's printers; templates only arrange it with prose.
The order is the order of a lecture: the network, the forward pass (symbolic, then with numbers),
the loss and its derivative with respect to each output, then for every weight and bias its
chain-rule factors, each local derivative, the σ(1−σ) form, the δ form, the value and the update,
then the error signals, the matrix form of a layered network, and a summary table.

Displayed equations are chains `lhs = rhs = ... = value`, each part printed by the Printers, so a
reader (or `derive verify`) can check every claim one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ..algebra import delta_symbol, symbol
from ..derivation import numeric
from ..derivation.engine import Derivation, Factor, Gradient, local_derivative
from ..network.graph import Activate, Affine, Network, Role, grad_parents
from ..output.terminal import leibniz
from .formatting import fmt_tex
from .printing import Printers, TeacherLatex

DETAIL_LIMIT = 16  # up to this many parameters every gradient is worked out in full
ELIDE_TERMS = 6    # an affine sum with more terms than this is written with \dots in the forward pass
TERM_LIMIT = 10    # any other sum with more terms than this is written with \dots
LIST_LIMIT = 120   # a list of equations longer than this shows a few of each kind of quantity
GROUP_SHOW = 2     # ... this many from the start of each kind, and its last one
GIVENS_PER_LINE = 5


# --- the model ---------------------------------------------------------------------------------

Part = tuple[str, ...]  # the terms of one side of an equation (a sum), in order


def join_terms(terms: Part) -> str:
    out = terms[0]
    for t in terms[1:]:
        out += f" - {t[1:].lstrip()}" if t.startswith("-") else f" + {t}"
    return out


def elide(part: Part, limit: int = TERM_LIMIT) -> Part:
    return part if len(part) <= limit else part[:2] + (r"\dots",) + part[-1:]


@dataclass(frozen=True)
class Equation:
    """lhs = parts[1] = parts[2] = ...; each part a sum of terms, so that a layout may break it."""

    parts: tuple[Part, ...]
    kind: ClassVar[str] = "equation"

    @property
    def latex(self) -> str:
        return " = ".join(join_terms(p) for p in self.parts)

    @property
    def lhs(self) -> str:
        return join_terms(self.parts[0])


@dataclass(frozen=True)
class Omitted:
    """Stands for equations left out of a long list: `count` more like the ones before it."""

    count: int
    first: str    # LaTeX of the first quantity left out
    last: str
    kind: ClassVar[str] = "omitted"


def trim(items: list[tuple[tuple, str, Equation]], limit: int = LIST_LIMIT) -> list:
    """A long list of (group, quantity LaTeX, equation) shortened to the first few and the last of
    every group, with an Omitted in the gap."""
    if len(items) <= limit:
        return [e for _, _, e in items]
    groups: dict[tuple, list[tuple[str, Equation]]] = {}
    for key, tex, e in items:
        groups.setdefault(key, []).append((tex, e))
    out: list = []
    for members in groups.values():
        if len(members) <= GROUP_SHOW + 2:
            out += [e for _, e in members]
            continue
        gap = members[GROUP_SHOW:-1]
        out += [e for _, e in members[:GROUP_SHOW]]
        out.append(Omitted(len(gap), gap[0][0], gap[-1][0]))
        out.append(members[-1][1])
    return out


def group_of(q) -> tuple:
    return (q.layer, type(q.op).__name__, q.role)


@dataclass(frozen=True)
class GradientSection:
    name: str
    tex: str                          # the parameter as printed
    detailed: bool                    # worked out in full (chain rule, factors, forms)
    paths: int
    chain: Equation | None            # dL/dp as a sum of products of Leibniz factors
    factors: tuple[Equation, ...]     # each distinct local derivative on those paths
    form: Equation | None             # the σ(1−σ) form in named quantities (None when too large)
    delta: Equation                   # the δ form
    value: float | None
    update: Equation | None


@dataclass(frozen=True)
class SummaryRow:
    name: str
    tex: str
    given: float | None
    delta_form: str
    value: float | None
    updated: float | None


@dataclass(frozen=True)
class Section:
    """A section a kind of network adds: "bptt" (an RNN's backpropagation through time), "steps" (each
    shared parameter's gradient as a sum over time steps), "index" (a CNN's formulas in index form).
    The templates give each key its title and prose."""

    key: str
    equations: tuple[Equation, ...]


@dataclass
class Document:
    name: str
    kind: str
    description: str
    note: str
    n_params: int
    loss_tex: str
    has_numbers: bool
    learning_rate: float | None
    figure: object                                 # figure.Figure
    givens: list[str]                              # lines of assignments "x_{1} = 0.05, ..."
    forward: list[Equation]
    loss: list[Equation]
    outputs: list[Equation]                        # dL/d(output) for every output (or logit)
    gradients: list[GradientSection]
    signals: list[Equation]
    matrix: object | None                          # MatrixForm for layered MLPs
    summary: list[SummaryRow]
    detailed_all: bool
    logits: bool                                   # softmax with cross-entropy: the backward pass starts at the logits
    uses_sigmoid: bool
    extra: list[Section] = field(default_factory=list)

    @property
    def worked(self) -> list[GradientSection]:
        return [g for g in self.gradients if g.detailed]


# --- printing with numbers ---------------------------------------------------------------------

class NumberLatex(TeacherLatex):
    """The teacher's printer with every named quantity (and every δ) replaced by its value, products
    written with a dot so that numbers stay apart."""

    def __init__(self, names: dict, plain: dict):
        LatexPrinter.__init__(self, {"order": "none", "symbol_names": names, "mul_symbol": "dot"})
        self.plain = plain

    def _arg(self, e):
        return self.plain[e] if e in self.plain else self._print(e)

    def _print_Sigmoid(self, e):
        return r"\sigma\left(%s\right)" % self._arg(e.args[0])

    def _print_Relu(self, e):
        return r"\operatorname{ReLU}\left(%s\right)" % self._arg(e.args[0])


def num(x: float) -> str:
    """A number for use inside a product or sum: negative numbers in parentheses."""
    s = fmt_tex(x)
    return s if x >= 0 else r"\left(%s\right)" % s


class Writer:
    """Printers for one derivation: symbolic names, and the same expressions with numbers."""

    def __init__(self, d: Derivation):
        self.d = d
        self.net = d.network
        self.p = Printers(d.network)
        self.numbers = None
        if d.values is not None:
            values = dict(d.values)
            names, plain = {}, {}
            for n, v in values.items():
                names[symbol(n)], plain[symbol(n)] = num(v), fmt_tex(v)
            for n, s in d.signals.items():
                if s.value is not None:
                    names[delta_symbol(n)], plain[delta_symbol(n)] = num(s.value), fmt_tex(s.value)
            self.numbers = NumberLatex(names, plain)

    def tex(self, name: str) -> str:
        return self.p.latex_names[symbol(name)]

    def terms(self, e: sp.Expr) -> Part:
        if not isinstance(e, sp.Add):
            return (self.p.latex(e),)
        if len(e.args) > TERM_LIMIT:
            return (self.p.latex(e.args[0]), self.p.latex(e.args[1]), r"\dots", self.p.latex(e.args[-1]))
        return tuple(self.p.latex(a) for a in e.args)

    def number_terms(self, e: sp.Expr) -> Part | None:
        """e with numbers, unless that says nothing more than the value (a bare name or number, or a
        sum too long to write out)."""
        if self.numbers is None or e.is_Symbol or e.is_Number:
            return None
        if isinstance(e, sp.Add):
            if len(e.args) > TERM_LIMIT:
                return None
            return tuple(self.numbers.doprint(a) for a in e.args)
        return (self.numbers.doprint(e),)

    def chain(self, lhs: str, e: sp.Expr, value: float | None, *, numbers: Part | None = None,
              extra: tuple[Part, ...] = ()) -> Equation:
        """lhs = [extra] = e = e with numbers = value."""
        parts: list[Part] = [(lhs,), *extra, self.terms(e)]
        nums = numbers if numbers is not None else self.number_terms(e)
        if nums is not None:
            parts.append(nums)
        if value is not None and not e.is_Number:
            v = (fmt_tex(value),)
            if parts[-1] != v:
                parts.append(v)
        return Equation(tuple(parts))

    def partial(self, of: str, wrt: str) -> Factor:
        q = self.net[of]
        e = local_derivative(q, wrt, self.d.graph.softmax_out)
        v = None if self.d.values is None else float(numeric.partial(q, wrt, self.d.values, numeric.FLOAT))
        return Factor(of, wrt, e, v)


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
        from .rnn import bptt_formulas, step_contributions

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
        from .cnn import index_formulas

        out.append(Section("index", tuple(Equation(((tex,),)) for _, tex in index_formulas(net))))
    return out


def build(d: Derivation, detail_limit: int = DETAIL_LIMIT, only: set[str] | None = None) -> Document:
    """The document model of a derivation. `only` restricts the worked-out gradients to those named
    (a handout's answer key); otherwise every gradient is worked out up to detail_limit parameters,
    and beyond that one weight and one bias per layer."""
    from .figure import network_figure
    from .matrix import matrix_form

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


# --- notebooks ---------------------------------------------------------------------------------

def _gradient_printer(g: Gradient) -> TeacherLatex:
    """A printer for a Gradient on its own (it does not know its network): names as SymPy writes
    them, each δ as δ with its quantity's name."""
    names = {}
    for s in g.delta_form.free_symbols | (g.compact.free_symbols if g.compact is not None else set()):
        if s.name.startswith("delta__"):
            names[s] = r"\delta_{%s}" % sp.latex(sp.Symbol(s.name[len("delta__"):]))
    return TeacherLatex(names)


def _gradient_latex(g: Gradient) -> str:
    p = _gradient_printer(g)
    lhs = r"\frac{\partial L}{\partial %s}" % sp.latex(symbol(g.param))
    forms = [p.doprint(g.delta_form)] + ([p.doprint(g.compact)] if g.compact is not None else [])
    value = [fmt_tex(g.value)] if g.value is not None else []
    return " = ".join([lhs, *dict.fromkeys(forms), *value])


def markdown(obj) -> str:
    """Markdown for a notebook: the whole document of a Derivation, one line for a Gradient."""
    if isinstance(obj, Gradient):
        return f"$${_gradient_latex(obj)}$$"
    from ..output.render import document_files

    return document_files(build(obj), "md", None)[""].decode()


def latex(obj) -> str:
    """LaTeX for a notebook (one display): a Gradient, or every gradient of a Derivation."""
    if isinstance(obj, Gradient):
        return f"$${_gradient_latex(obj)}$$"
    w = Writer(obj)
    rows = []
    for g in obj.gradients.values():
        lhs = leibniz(w.p, obj.network.loss, g.param)
        value = "" if g.value is None else f" = {fmt_tex(g.value)}"
        rows.append(f"{lhs} &= {w.p.latex(g.delta_form)}{value}")
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"
