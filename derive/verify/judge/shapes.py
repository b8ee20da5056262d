"""Sizes of vectors and matrices in a note written in matrix form (it transposes names or multiplies them
elementwise: Wᵀδ, δ ⊙ σ′(z)). Read entry by entry, such a note's products commute and its transposes vanish,
so `∂L/∂W = x δ` would pass for `δ xᵀ`. Here every name gets a number of rows and of columns, unknowns that
the note's definitions tie together (z = W x + b: W has as many columns as x has rows, z as many rows as W);
each size the definitions leave apart is taken to differ from the others, as they do in a network of
general widths. A claim whose products or sums need two such sizes to be equal is wrong, and the message
says which sizes (`x δ`: x is n×1 and δ is m×1, so neither x δ nor x ⊙ δ is defined).

A name with a subscript (W_{ij}, δ_j, x_L) is not given a size: it may be an entry, and the note's layers
may be written there. Anything this reading has no rule for (sums Σ, derivatives of vectors, powers,
matrices of numbers) is of unknown size and ties nothing."""

from __future__ import annotations

from ..read.ir import BigSum, Deriv, Exp, Func, Juxt, Matrix, Num, Op, Paren, Ref, looks_callable
from ..read.names import display, is_signal
from .verdict import Stage, wrong

OPERATORS = frozenset({"grad", "nabla", "∇", "div", "Jac", "D", "diag", "tr", "vec"})  # not sized here
SCALAR = "scalar"  # a number, the loss, the learning rate: multiplies anything
FUNCTIONS = frozenset({"sigma", "tanh", "relu", "exp", "log", "sigmoid", "ReLU", "f", "g", "phi"})


class Conflict(Exception):
    """Two sizes the definitions leave apart would have to be equal."""


class Sizes:
    """Union-find over sizes. After `freeze`, every class is a size of its own; a merge that would join two
    of them is a Conflict."""

    def __init__(self):
        self.parent: dict[int, int] = {}
        self.tags: dict[int, frozenset] = {}  # root -> the frozen classes in it
        self.names: dict[tuple, tuple[int, int]] = {}
        self.count = 0

    def copy(self) -> Sizes:
        other = Sizes()
        other.parent, other.tags, other.names, other.count = dict(self.parent), dict(self.tags), dict(self.names), \
            self.count
        return other

    def new(self) -> int:
        self.count += 1
        self.parent[self.count] = self.count
        self.tags[self.count] = frozenset()
        return self.count

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        tags = self.tags[ra] | self.tags[rb]
        if len(tags) > 1:
            raise Conflict
        self.parent[ra] = rb
        self.tags[rb] = tags

    def fits(self, pairs) -> bool:
        """Whether each pair of sizes can be made one without joining two that are apart."""
        trial = self.copy()
        try:
            trial.tie(pairs)
        except Conflict:
            return False
        return True

    def tie(self, pairs) -> None:
        for x, y in pairs:
            self.union(x, y)

    def freeze(self) -> None:
        """Each size the definitions tied to another becomes one of its own; a size nothing tied (the rows of
        an x that is only ever dotted with w) stays free."""
        members: dict[int, int] = {}
        for x in self.parent:
            r = self.find(x)
            members[r] = members.get(r, 0) + 1
        for r, count in members.items():
            if count > 1 and not self.tags[r]:
                self.tags[r] = frozenset({r})

    def shape(self, key: tuple) -> tuple[int, int]:
        if key not in self.names:
            self.names[key] = (self.new(), self.new())
        return self.names[key]

    def same(self, a, b) -> bool:
        return self.find(a[0]) == self.find(b[0]) and self.find(a[1]) == self.find(b[1])


class ShapeReader:
    """Shapes of the note's expressions. key(ref) gives a name's quantity key (None: not a quantity), scalar(key)
    says whether that quantity is a number (the loss, the learning rate)."""

    def __init__(self, sizes: Sizes, key, scalar):
        self.sizes = sizes
        self.key = key
        self.scalar = scalar
        self.last: tuple | None = None  # the product that did not fit: (left node, right node, shapes)

    def of(self, n):
        if isinstance(n, Num):
            return SCALAR
        if isinstance(n, Paren):
            return self.of(n.items[0]) if len(n.items) == 1 else None
        if isinstance(n, Ref):
            if "_" in n.tex:  # W_{ij}, δ_j, w_5: an entry, or a layer written underneath: not sized here
                return SCALAR
            k = self.key(n)
            if k is None or n.tokens[0].isdigit() or n.tokens[0] in OPERATORS:  # 1ᵀ: ones, of any length
                return None
            return SCALAR if self.scalar(k) else self.sizes.shape(k)
        if isinstance(n, Op):
            return self._op(n)
        if isinstance(n, Juxt):
            if isinstance(n.left, Func) or looks_callable(n.left) or (
                    isinstance(n.left, Ref) and n.left.tokens[0] in FUNCTIONS and isinstance(n.right, Paren)):
                return self.of(n.right)  # σ(z), f′(u): elementwise
            if isinstance(n.left, BigSum) or isinstance(n.right, Paren) and isinstance(n.left, Ref):
                return None  # C(F(x)), g(x): a function of the note's, or a product; either way not sized here
            return self.product(n.left, n.right)
        if isinstance(n, Exp):
            return self.of(n.arg)
        if isinstance(n, Deriv):
            if n.of is None or not isinstance(n.wrt, Ref):
                return None
            of = self.of(n.of)
            return self.of(n.wrt) if of == SCALAR else None  # ∂L/∂W has W's shape; ∂z/∂W is not a matrix
        if isinstance(n, (Matrix, BigSum, Func)):
            return None
        return None

    def _op(self, n: Op):
        k = n.kind
        if k == "T":
            s = self.of(n.args[0])
            return s if s in (SCALAR, None) else (s[1], s[0])
        if k == "neg":
            return self.of(n.args[0])
        if k in ("+", "-", "hadamard"):
            a, b = self.of(n.args[0]), self.of(n.args[1])
            if a is None or b is None:
                return None
            if a == SCALAR:
                return b
            if b == SCALAR:
                return a
            self._merge([(a[0], b[0]), (a[1], b[1])], n.args[0], n.args[1], a, b, k)
            return a
        if k == "*":
            return self.product(n.args[0], n.args[1], written=True)
        if k == "/":
            a = self.of(n.args[0])
            den = n.args[1].items[0] if isinstance(n.args[1], Paren) and len(n.args[1].items) == 1 else n.args[1]
            if isinstance(den, Ref) and self.key(den) not in self.sizes.names:
                return a  # 1/m: a count the forward pass gives no size, a number
            b = self.of(n.args[1])
            if b == SCALAR:
                return a
            return b if a == SCALAR else None  # 1/(1 + e^{−z}): elementwise, z's shape
        return None  # powers, and what else there is

    def product(self, left, right, written: bool = False):
        """A B, or A ⊙ B when only that fits. written: an operator between them (·, ×, *), which may also be
        a dot product: when only the elementwise reading fits, the size is left unknown."""
        a, b = self.of(left), self.of(right)
        if a is None or b is None:
            return None
        if a == SCALAR:
            return b
        if b == SCALAR:
            return a
        s = self.sizes
        options = [([(a[1], b[0])], (a[0], b[1])), ([(a[0], b[0]), (a[1], b[1])], a)]  # A B, then A ⊙ B
        options.sort(key=lambda o: sum(s.find(x) != s.find(y) for x, y in o[0]))  # one that ties nothing new first
        viable = [(pairs, result) for pairs, result in options if s.fits(pairs)]
        if written and (len(viable) == 2 or viable and len(viable[0][0]) == 2):
            return None  # w · x of two vectors: perhaps their dot product, a number; nothing is tied
        for pairs, result in viable[:1]:
            s.tie(pairs)
            return result
        self.last = (left, right, a, b)
        raise Conflict

    def _merge(self, pairs, left, right, a, b, kind) -> None:
        if not self.sizes.fits(pairs):
            self.last = (left, right, a, b, kind)
            raise Conflict
        self.sizes.tie(pairs)

    def equal(self, left, right) -> None:
        """The two sides of a claim have one shape (raises Conflict when they cannot)."""
        a, b = self.of(left), self.of(right)
        if a is None or b is None or a == SCALAR or b == SCALAR:
            return
        self._merge([(a[0], b[0]), (a[1], b[1])], left, right, a, b, "=")


def matrix_form(statements) -> bool:
    """The note transposes names or multiplies them elementwise somewhere, and gives no matrix of numbers (a note
    that does is checked on its numbers, where the order of the factors already counts)."""
    nodes = [n for st in statements for m in st.members for n in m.node.walk()]
    return any(isinstance(n, Op) and n.kind in ("T", "hadamard") for n in nodes) \
        and not any(isinstance(n, Matrix) for n in nodes)


SIGNALS = ("nabla", "grad", "g", "e", "err", "error")  # names of gradients and errors, besides the error signals δ


def forward(key: tuple, node) -> bool:
    """A definition of the forward pass: no derivative in it and no error signal defined or read (those are
    what a note derives, and a wrong one would make the right claims look wrong)."""
    names = [key] + [r.key for r in node.find_all(Ref)] if hasattr(node, "find_all") else [key]
    return not any(isinstance(n, Deriv) for n in node.walk()) and not any(
        is_signal(k) or k[0] in SIGNALS or k[0].startswith(("nabla", "grad", "∂")) for k in names)


def define(reader: ShapeReader, key: tuple, node) -> None:
    """A definition ties its name's shape to its right side's (a definition that does not fit ties nothing)."""
    s = reader.sizes
    trial = s.copy()
    probe = ShapeReader(trial, reader.key, reader.scalar)
    try:
        b = probe.of(node)
        if b is not None and b != SCALAR and not reader.scalar(key):
            a = trial.shape(key)
            trial.union(a[0], b[0])
            trial.union(a[1], b[1])
    except Conflict:
        return
    reader.sizes.parent, reader.sizes.tags, reader.sizes.names, reader.sizes.count = \
        trial.parent, trial.tags, trial.names, trial.count


def describe(reader: ShapeReader, name) -> str:
    """Why the claim's sizes do not fit, with the sizes named n₁, n₂, … as they first appear."""
    left, right, a, b = reader.last[:4]
    kind = reader.last[4] if len(reader.last) > 4 else "*"
    letters: dict[int, str] = {}

    def size(x: int) -> str:
        r = reader.sizes.find(x)
        if r not in letters:
            letters[r] = "n" + "".join("₀₁₂₃₄₅₆₇₈₉"[int(d)] for d in str(len(letters) + 1))
        return letters[r]

    def dims(s) -> str:
        return f"{size(s[0])}×{size(s[1])}"

    la, lb = name(left), name(right)
    if kind == "=":
        return f"the two sides have different sizes: {la} is {dims(a)} and {lb} is {dims(b)}"
    if kind in ("+", "-", "hadamard"):
        sign = {"+": "+", "-": "−", "hadamard": "⊙"}[kind]
        return f"{la} is {dims(a)} and {lb} is {dims(b)}, so {la} {sign} {lb} is not defined"
    return (f"{la} is {dims(a)} and {lb} is {dims(b)}, so neither the product {la}·{lb} nor {la} ⊙ {lb} is "
            "defined (a transpose or the order of the factors is off)")


def note_sizes(model, key, scalar) -> Sizes | None:
    """The sizes the note's forward pass ties together, each class its own size, when the note is in matrix
    form (else None). key(ref) and scalar(key) as for ShapeReader."""
    if not matrix_form(model.statements):
        return None
    reader = ShapeReader(Sizes(), key, scalar)
    for q in model.quantities.values():  # the forward pass: δ's recurrence or dW = … may be the note's error
        if q.def_node is not None and q.key != model.loss and forward(q.key, q.def_node):
            define(reader, q.key, q.def_node)
    reader.sizes.freeze()
    return reader.sizes


def shape_name(node, key) -> str:
    """How a message names a factor: x, Wᵀ, ∂L/∂W, x δ; (…) for anything longer."""
    if isinstance(node, Paren) and len(node.items) == 1:
        return shape_name(node.items[0], key)
    if isinstance(node, Ref):
        return display(key(node))
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Op) and node.kind == "/" and all(shape_name(p, key) != "(…)" for p in node.args):
        return "/".join(shape_name(p, key) for p in node.args)
    if isinstance(node, Op) and node.kind == "T" and isinstance(node.args[0], (Ref, Paren)):
        return shape_name(node.args[0], key) + "ᵀ"
    if isinstance(node, Deriv) and isinstance(node.of, Ref) and isinstance(node.wrt, Ref):
        return f"∂{shape_name(node.of, key)}/∂{shape_name(node.wrt, key)}"
    if isinstance(node, Juxt) or isinstance(node, Op) and node.kind == "*":
        parts = (node.left, node.right) if isinstance(node, Juxt) else node.args
        names = [shape_name(p, key) for p in parts]
        if "(…)" not in names:
            return " ".join(names)
    return "(…)"


def judge_sizes(sizes: Sizes, a, b, key, scalar):
    """Wrong when the claim a = b needs, in its products, sums or sides, two sizes to be equal that the note's
    definitions leave apart; None when its sizes fit or are not known."""
    reader = ShapeReader(sizes.copy(), key, scalar)
    try:
        reader.equal(a, b)
    except Conflict:
        return wrong(Stage.SHAPES, describe(reader, lambda n: shape_name(n, key)))
    return None
