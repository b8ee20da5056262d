"""The document model: the mathematics of a lecture as LaTeX strings and numbers, in plain records.

Displayed equations are chains `lhs = rhs = ... = value`, each part a sum of terms, so that a layout
may break it and a reader (or `derive verify`) can check every claim one by one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

from .formatting import DECIMALS

TERM_LIMIT = 10    # a sum with more terms than this is written with \dots
INNER_LIMIT = 4    # ... and one inside a product, a fraction or parentheses, which a line cannot break
PIECE_WIDTH = 90   # a member of an equation that no line can break showing more than this is left out
LIST_LIMIT = 30    # a list of equations longer than this shows a few of each kind of quantity
GROUP_SHOW = 2     # ... this many from the start of each kind, and its last one


Part = tuple[str, ...]  # the terms of one side of an equation (a sum), in order


def visible_length(latex: str) -> int:
    """About how many characters a formula shows: commands count as one, braces and markup as none."""
    s = re.sub(r"\\(left|right|mathrm|text|mathbf|boldsymbol|operatorname|frac|begin|end)\b", "", latex)
    s = re.sub(r"\\[A-Za-z]+", "x", s)
    return len(re.sub(r"[{}\s_^&]", "", s))


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


def trim(items: list[tuple[tuple, str, Equation]], limit: int = LIST_LIMIT, prefer=None) -> list:
    """A long list of (group, quantity LaTeX, equation) shortened to the first few and the last of
    every group, with an Omitted in the gap. With `prefer` (a test of an item's equation), the ones shown
    are the first few and the last that pass it, when enough do: examples with a non-zero value rather
    than three zeros."""
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
        picked = [i for i, (_, e) in enumerate(members) if prefer is None or prefer(e)]
        if len(picked) < GROUP_SHOW + 1:
            picked = list(range(len(members)))
        show = picked[:GROUP_SHOW] + picked[-1:]
        gap = [i for i in range(len(members)) if i not in show]
        out += [members[i][1] for i in show[:-1]]
        if gap:
            out.append(Omitted(len(gap), members[gap[0]][0], members[gap[-1]][0]))
        out.append(members[show[-1]][1])
    return out


def nonzero(e) -> bool:
    """An equation whose value (its last member) is not 0."""
    return getattr(e, "parts", None) is None or e.parts[-1] != ("0",)


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
    kind: ClassVar[str] = "row"


@dataclass(frozen=True)
class Section:
    """A section a kind of network adds: "bptt" (an RNN's backpropagation through time), "steps" (each
    shared parameter's gradient as a sum over time steps), "index" (a CNN's formulas in index form).
    The templates give each key its title and prose."""

    key: str
    equations: tuple[Equation, ...]


@dataclass(frozen=True)
class Group:
    """Equations shown together, aligned on "=". key says what they are, and the templates give the prose:
    "locals" (local derivatives met for the first time), "deltas" (error signals), "gradients" (each
    parameter from its δ), "updates"."""

    key: str
    equations: tuple
    first: str = ""          # LaTeX of the parameter derived in full, to which the rest refer ("as for w5")
    kind: ClassVar[str] = "group"


@dataclass(frozen=True)
class Box:
    """A derivation in a box, where its result is first used: key "sigmoid", "tanh", "relu" or
    "softmax_ce" (∂L/∂z = p − t); lines aligned on "=". For softmax_ce with a one-hot target, `target`
    is the true class (as its index is printed), and the derivation starts from ℓ = −log p of that class."""

    key: str
    lines: tuple[Equation, ...]
    target: str = ""
    kind: ClassVar[str] = "box"


@dataclass(frozen=True)
class Grid:
    r"""Given numbers laid out as a matrix: lhs = (rows), lhs as printed (x, k^{1}_{\cdot,\cdot,2}),
    each entry as LaTeX. `readable`: `derive verify` reads `lhs = matrix` as the value of each entry
    (a plain name whose rows and columns count from 1, as x_{i,j})."""

    lhs: str
    rows: tuple[tuple[str, ...], ...]
    readable: bool = False
    origin: tuple[int, int] = (1, 1)   # the numbers of the first row and the first column

    @property
    def latex(self) -> str:
        body = r" \\ ".join(" & ".join(r) for r in self.rows)
        return rf"{self.lhs} = \begin{{pmatrix}} {body} \end{{pmatrix}}"


@dataclass(frozen=True)
class Grids:
    r"""The given matrices of one kind and layer, a few to a line: key "input" (the image, row i and column
    j), "kernels" (of the convolution in `layer`, one per map and input channel), "weights" (of the dense
    layer, a row per output). The templates give each key its prose."""

    key: str
    layer: int | None
    lines: tuple[tuple[Grid, ...], ...]
    extra: int = 0          # how many further numbers name a matrix: 1 for k^{1}_{·,·,c}, 2 for k^{2}_{·,·,d,c}
    entry: str = ""         # an entry in general, k^{1}_{m,n,c}
    matrix: str = ""        # a matrix in general, k^{1}_{\cdot,\cdot,c}
    kind: ClassVar[str] = "grids"

    @property
    def origin(self) -> tuple[int, int]:
        return self.lines[0][0].origin

    @property
    def grids(self) -> tuple[Grid, ...]:
        return tuple(g for line in self.lines for g in line)

    def displays(self) -> list[str]:
        return [r", \qquad ".join(g.latex for g in line) for line in self.lines]


@dataclass(frozen=True)
class OneHot:
    """A cross-entropy whose targets are one-hot: the true class as its index is printed ("3"), that
    target as printed (t_{3}), and how many terms the loss has (one per class)."""

    cls: str
    target: str
    terms: int


@dataclass(frozen=True)
class Stage:
    """One layer of the backward pass, from the loss down: its local derivatives, its δ, its gradients."""

    layer: int | None
    output: bool                     # the layer next to the loss
    items: tuple                     # Box and Group, in reading order


@dataclass(frozen=True)
class ForwardTable:
    """One layer of the forward pass: each row a quantity = definition = with numbers = value."""

    layer: int | None
    output: bool
    rows: tuple                      # Equation or Omitted


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
    title: str = ""                                            # what the network is, in a few words
    loss_value: float | None = None
    tables: list[ForwardTable] = field(default_factory=list)   # the forward pass, a table per layer
    stages: list[Stage] = field(default_factory=list)          # the backward pass in lecture order
    updates: Group | None = None                               # every update, after the gradients
    after: float | None = None                                 # the loss after one step
    decimals: int = DECIMALS                                   # at most this many decimals in every number
    one_hot: OneHot | None = None                              # a cross-entropy with a one-hot target
    grids: list[Grids] = field(default_factory=list)           # given numbers as matrices (a CNN's image, kernels)
    named: list[str] = field(default_factory=list)             # those of the matrices derive verify cannot read,
    #                                                            as lines of name = value (givens has the rest)

    @property
    def worked(self) -> list[GradientSection]:
        return [g for g in self.gradients if g.detailed]
