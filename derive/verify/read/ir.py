"""Parse trees to a small intermediate form: names, numbers, operations, derivatives.

The grammar parses by shape; here the shapes get their notational meaning where that needs no
knowledge of the note (a fraction whose parts start with d or ∂ is a derivative, `\\text{net } o_1`
is one name, `e^{...}` is the exponential). What needs the note's definitions (is `h1 (1 - h1)` a
product or a call, is `z^1` a power or a label) is left to the model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TypeVar

N = TypeVar("N", bound="Node")


class Node:
    """The base of every node of the intermediate form, and the one traversal every pass uses.

    A node's children are the nodes in its fields, in field order (tuples and lists of them too, as
    a Matrix's rows or a Chain's members)."""

    __slots__ = ()

    def children(self) -> Iterator[Node]:
        for f in dataclasses.fields(self):
            yield from _nodes_in(getattr(self, f.name))

    def walk(self) -> Iterator[Node]:
        """The node and everything inside it, depth first, in the order written."""
        yield self
        for c in self.children():
            yield from c.walk()

    def find_all(self, kind: type[N] | tuple[type, ...]) -> Iterator[N]:
        return (n for n in self.walk() if isinstance(n, kind))

    def rewrite(self, f: Callable[[Node], object]) -> object:
        """The node with f applied to every part, bottom up (f sees each node with its children
        already rewritten; a node whose children did not change is kept as it is)."""
        changes = {}
        for fd in dataclasses.fields(self):
            value = getattr(self, fd.name)
            new = _rewrite_in(value, f)
            if new is not value and new != value:
                changes[fd.name] = new
        return f(dataclasses.replace(self, **changes) if changes else self)


def _nodes_in(value) -> Iterator[Node]:
    if isinstance(value, Node):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _nodes_in(v)


def _rewrite_in(value, f):
    if isinstance(value, Node):
        return value.rewrite(f)
    if isinstance(value, (tuple, list)):
        new = [_rewrite_in(v, f) for v in value]
        if any(a is not b for a, b in zip(new, value)):
            return type(value)(new)
    return value


# --- the intermediate form ---------------------------------------------------------------------


@dataclass(frozen=True)
class Num(Node):
    value: Fraction
    text: str
    decimals: int


@dataclass(frozen=True)
class Ref(Node):
    """A name: its tokens (base with merged one-character subscript, further subscripts, labels)."""

    tokens: tuple[str, ...]
    tex: str
    hat: bool = False
    power: int | None = None  # a numeric superscript that may be a power or a layer label

    @property
    def key(self) -> tuple[str, ...]:
        return self.tokens + (("^hat",) if self.hat else ())


@dataclass(frozen=True)
class Op(Node):
    kind: str  # + - * / neg pow
    args: tuple


@dataclass(frozen=True)
class Juxt(Node):
    """Two things written side by side: a product, or a function applied to its argument."""

    left: object
    right: object


@dataclass(frozen=True)
class Paren(Node):
    items: tuple  # one item: grouping; several: a tuple (w1, w2, ...)
    square: bool = False


@dataclass(frozen=True)
class Func(Node):
    name: str          # sigma, exp, log, tanh, ...
    prime: int = 0     # σ'
    label: str = ""    # σ^1 (a layer label)


@dataclass(frozen=True)
class Deriv(Node):
    of: object | None  # None: an operator d/dx waiting for its operand
    wrt: object
    partial: bool


@dataclass(frozen=True)
class Exp(Node):
    arg: object


@dataclass(frozen=True)
class Matrix(Node):
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class BigSum(Node):
    sub: object | None
    sup: object | None


@dataclass(frozen=True)
class Opaque(Node):
    """Notation we read but cannot check (⊛, ⋯, //): carries the reason."""

    reason: str
    ditto: bool = False


@dataclass(frozen=True)
class Differential(Node):
    """d(...) or ∂... inside a fraction: what is differentiated (None for a bare d or ∂)."""

    of: object | None
    partial: bool


@dataclass(frozen=True)
class Declare(Node):
    """`\text{Input } (x)`: a word naming a quantity."""

    word: Ref
    name: Ref


@dataclass(frozen=True)
class LeftLabel(Node):
    """`{}^2`: a label written before a name."""

    label: object


@dataclass(frozen=True)
class Relation(Node):
    """A relation inside parentheses: (i = 1, 2, 3)."""

    chain: "Chain"


@dataclass(frozen=True)
class Member(Node):
    """One side of a relation, with its column in the formula."""

    node: object
    start: int
    end: int


@dataclass
class Chain(Node):
    members: list[Member]
    rels: list[str]               # len(members) - 1, or len(members) with a leading/trailing relation
    leading: bool = False         # starts with a relation: continues the previous chain
    trailing: bool = False        # ends with a relation: continued by the next formula
    start: int = 0
    notes: list[str] = field(default_factory=list)


INEQUALITIES = {">": ">", "\\gt": ">", "<": "<", "\\lt": "<", "≥": ">=", "\\geq": ">=", "\\ge": ">=",
                "≤": "<=", "\\leq": "<=", "\\le": "<="}  # conditions, as in 1[z > 0]; never a claim to check
# relations that declare or restrict (W ∈ ℝ^{m×n}, t ≠ i): statements split a chain there, nothing is claimed
SET_RELATIONS = {"\\in": "in", "∈": "in", "\\notin": "in", "∉": "in", "\\subset": "in", "\\subseteq": "in",
                 "\\neq": "!=", "\\ne": "!=", "≠": "!="}
OPERATOR_NAMES = ("log", "exp", "tanh")  # written \ln x, \exp x, \tanh x without parentheses


def indicator(node) -> tuple | None:
    r"""(the factor before it or None, a, b, relation) for a product that ends in \mathbf{1}[a = b] (1 where a
    equals b, else 0: how a max-pool routes its gradient) or \mathbf{1}[z > 0] (a ReLU's step); None for
    anything else."""
    if isinstance(node, Juxt):
        left, right = node.left, node.right
    elif isinstance(node, Op) and node.kind == "*":
        left, right = node.args
    else:
        return None
    if not (isinstance(right, Paren) and right.square and len(right.items) == 1
            and isinstance(right.items[0], Relation)):
        return None
    rel = right.items[0].chain
    if len(rel.members) != 2 or len(rel.rels) != 1 or rel.rels[0] not in ("=", ">", "<", ">=", "<="):
        return None
    before = None
    if isinstance(left, Juxt):
        before, left = left.left, left.right
    elif isinstance(left, Op) and left.kind == "*":
        before, left = left.args
    if not (isinstance(left, Ref) and left.tokens == ("1",)):
        return None
    return before, rel.members[0].node, rel.members[1].node, rel.rels[0]


# --- the vocabulary -------------------------------------------------------------------------------

GREEK_NAMES = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "η": "eta", "θ": "theta",
               "λ": "lambda", "μ": "mu", "σ": "sigma", "τ": "tau", "φ": "phi", "ψ": "psi", "ω": "omega",
               "Δ": "Delta", "Σ": "Sigma", "∇": "nabla", "ρ": "rho", "π": "pi", "ξ": "xi", "ζ": "zeta", "χ": "chi"}
FUNCTION_WORDS = {"sigmoid": "sigma", "sigma": "sigma", "exp": "exp", "log": "log", "ln": "log", "tanh": "tanh",
                  "relu": "relu", "ReLU": "relu", "softmax": "softmax", "max": "max", "min": "min"}
# words a note may write as a function's name (\text{ReLU}(z), \mathrm{tanh}(z)), and those it may prime
NAMED_FUNCTIONS = {w: FUNCTION_WORDS[w] for w in ("exp", "relu", "tanh", "ln", "log", "sigmoid")}
PRIMED_WORDS = {w: NAMED_FUNCTIONS[w] for w in ("relu", "sigmoid", "tanh")}


class Unsupported(Exception):
    """A shape the intermediate form has no place for; the claim becomes unverifiable."""


def number(text: str) -> Num:
    decimals = len(text.split(".")[1]) if "." in text else 0
    return Num(Fraction(text), text, decimals)


FUNCTIONISH = {("sigma",), ("sigmoid",), ("S",), ("g",), ("f",), ("phi",), ("exp",), ("tanh",), ("relu",)}


def looks_callable(n) -> bool:
    """A function written before its argument: σ, exp, S(…), a named one."""
    return isinstance(n, Func) or (isinstance(n, Ref) and n.key in FUNCTIONISH)


def refs(node: Node) -> list[Ref]:
    """Every name in a node, in the order written."""
    return list(node.find_all(Ref))


def factors(node) -> list:
    """A product written out, factor by factor, in the order written."""
    if isinstance(node, Juxt):
        if looks_callable(node.left) and isinstance(node.right, Paren):
            return [node]
        return factors(node.left) + factors(node.right)
    if isinstance(node, Op) and node.kind == "*":
        return factors(node.args[0]) + factors(node.args[1])
    return [node]
