"""A network as pure data: named quantities, each a leaf or one operation on other quantities.

Every kind of network (MLP, unrolled RNN, CNN) is built into the same form: an ordered list of
scalar quantities where each non-leaf quantity is defined by one small operation on earlier ones.
Nothing here knows about SymPy or printing; the engine and the printers read this data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Mapping, Union


class Role(str, Enum):
    INPUT = "input"          # data fed to the network (x, i, and an RNN's initial state h0)
    TARGET = "target"        # the value the output should have
    PARAM = "param"          # a weight or bias: the things we differentiate with respect to
    HIDDEN = "hidden"        # an intermediate quantity (pre-activation, activation, pooled value)
    OUTPUT = "output"        # a prediction compared with a target
    LOSS_TERM = "loss_term"  # one term of the loss (E_o1, L_1), shown but not on the backward path
    LOSS = "loss"            # the scalar being minimised


# --- operations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Affine:
    """sum(u * v for u, v in terms) + bias. Either factor of a term may be a parameter."""

    terms: tuple[tuple[str, str], ...]
    bias: str | None = None


@dataclass(frozen=True)
class Activate:
    """fn(arg) for an elementwise activation: sigmoid, tanh, relu, linear."""

    fn: str
    arg: str


@dataclass(frozen=True)
class Softmax:
    """exp(args[index]) / sum(exp(a) for a in args)."""

    args: tuple[str, ...]
    index: int


@dataclass(frozen=True)
class Pool:
    """max or average of a window of quantities."""

    fn: str  # "max" | "avg"
    args: tuple[str, ...]


@dataclass(frozen=True)
class Loss:
    """The loss over (prediction, target) pairs.

    fn is one of half_sse, sse, mse, bce, cross_entropy. For cross_entropy with a softmax output,
    `logits` names the pre-softmax quantities: the backward pass then goes straight to them with the
    local derivative p - t (targets are a probability distribution).
    """

    fn: str
    pairs: tuple[tuple[str, str], ...]
    logits: tuple[str, ...] = ()
    count: int | None = None  # n in mse's 1/n (defaults to len(pairs))


@dataclass(frozen=True)
class LossTerm:
    """One term of a loss, e.g. E_o1 = 1/2 (t_o1 - out_o1)^2. Shown and checked, not backpropagated."""

    fn: str
    pred: str
    target: str
    count: int = 1  # n for mse


Op = Union[Affine, Activate, Softmax, Pool, Loss, LossTerm]


def op_refs(op: Op) -> tuple[str, ...]:
    """Every quantity an operation reads."""
    if isinstance(op, Affine):
        names = [n for pair in op.terms for n in pair]
        return tuple(names + ([op.bias] if op.bias else []))
    if isinstance(op, Activate):
        return (op.arg,)
    if isinstance(op, (Softmax, Pool)):
        return op.args
    if isinstance(op, Loss):
        return tuple(n for pair in op.pairs for n in pair) + op.logits
    if isinstance(op, LossTerm):
        return (op.pred, op.target)
    raise TypeError(op)


def grad_parents(op: Op) -> tuple[str, ...]:
    """The quantities the backward pass flows into, in order, without repeats."""
    if isinstance(op, Affine):
        names = [n for pair in op.terms for n in pair] + ([op.bias] if op.bias else [])
    elif isinstance(op, Activate):
        names = [op.arg]
    elif isinstance(op, (Softmax, Pool)):
        names = list(op.args)
    elif isinstance(op, Loss):
        names = list(op.logits) if op.logits else [p for p, _ in op.pairs]
    elif isinstance(op, LossTerm):
        names = [op.pred]
    else:
        raise TypeError(op)
    return tuple(dict.fromkeys(names))


# --- quantities and the network -------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    name: str              # identifier used in specs, JSON and the CLI: "w5", "out_o1", "W2_1_3"
    role: Role
    op: Op | None = None   # None for leaves (inputs, targets, parameters)
    latex: str = ""        # how a teacher writes it: r"\mathrm{out}_{o1}", "W^{(2)}_{13}"
    layer: int | None = None
    index: tuple[int, ...] = ()  # position within its layer (unit; or channel, row, column)
    delta: str = ""        # LaTeX of its error signal dL/d(this), for pre-activations: r"\delta^{(2)}_{1}"

    @property
    def tex(self) -> str:
        return self.latex or self.name


@dataclass(frozen=True)
class Network:
    name: str
    kind: str                                  # "mlp" | "rnn" | "cnn"
    quantities: tuple[Quantity, ...]           # leaves first, then in evaluation order
    loss: str                                  # name of the loss quantity
    values: Mapping[str, Fraction] = field(default_factory=dict)  # numeric example, may be empty
    learning_rate: Fraction | None = None
    description: str = ""
    note: str = ""                             # the note this network reproduces, if any
    shape: Mapping[str, object] = field(default_factory=dict)  # kind-specific layout (layers, sizes)

    def __post_init__(self):
        object.__setattr__(self, "_by_name", {q.name: q for q in self.quantities})

    def __getitem__(self, name: str) -> Quantity:
        return self._by_name[name]

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def of_role(self, *roles: Role) -> tuple[Quantity, ...]:
        return tuple(q for q in self.quantities if q.role in roles)

    @property
    def params(self) -> tuple[Quantity, ...]:
        return self.of_role(Role.PARAM)

    @property
    def leaves(self) -> tuple[Quantity, ...]:
        return tuple(q for q in self.quantities if q.op is None)

    def has_numbers(self) -> bool:
        return all(q.name in self.values for q in self.leaves)

    def with_values(self, values: Mapping[str, Fraction], learning_rate: Fraction | None = None) -> "Network":
        lr = self.learning_rate if learning_rate is None else learning_rate
        return Network(self.name, self.kind, self.quantities, self.loss, dict(values), lr,
                       self.description, self.note, self.shape)

    def children(self) -> dict[str, list[str]]:
        """For every quantity, the quantities whose backward pass flows into it (its consumers)."""
        kids: dict[str, list[str]] = {q.name: [] for q in self.quantities}
        for q in self.quantities:
            if q.op is not None:
                for p in grad_parents(q.op):
                    kids[p].append(q.name)
        return kids


def check_well_formed(net: Network) -> None:
    """Internal consistency: names unique, every reference defined earlier, one loss. Raises ValueError."""
    seen: set[str] = set()
    for q in net.quantities:
        if q.name in seen:
            raise ValueError(f"quantity {q.name!r} defined twice")
        if q.op is not None:
            for ref in op_refs(q.op):
                if ref not in seen:
                    raise ValueError(f"{q.name} reads {ref!r} before it is defined")
        elif q.role not in (Role.INPUT, Role.TARGET, Role.PARAM):
            raise ValueError(f"{q.name} has role {q.role.value} but no definition")
        seen.add(q.name)
    if net.loss not in seen or net[net.loss].role is not Role.LOSS:
        raise ValueError(f"loss {net.loss!r} is not a loss quantity")
