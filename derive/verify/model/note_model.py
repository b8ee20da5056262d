"""What a note means: its quantities, their definitions, the functions it uses, and the values it
gives, as data (NoteModel), with the questions every later stage asks of it: what a name resolves
to, which names nothing ties to the network (orphans), what a defined name stands for.

The passes that fill a NoteModel in are listed in passes.build_model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import sympy as sp

from ..read.ir import NAMED_FUNCTIONS, Matrix, Ref
from ..read.names import Match, NameIndex, display, is_learning_rate
from ..read.statements import Statement
from .to_sympy import Unverifiable, activation, apply, to_sympy

GUESSED = ("a different case",)  # readings of a spelling the note does not state
FUNCTION_LETTERS = {("S",), ("g",), ("f",), ("h",), ("phi",)}


@dataclass
class Quantity:
    key: tuple[str, ...]
    symbol: sp.Symbol
    tex: str
    definition: sp.Expr | None = None
    def_node: object = None
    def_line: int | None = None
    others: list = field(default_factory=list)  # later definitions, tried when the first cannot be read
    forms: list = field(default_factory=list)  # the other forms of its defining chain (a = σ(o) = σ(h))


@dataclass
class Binding:
    key: tuple[str, ...]
    value: Fraction
    decimals: int
    line: int


@dataclass
class Finding:
    """Something about the note as a whole, reported at a line (conflicting values, aliases)."""

    line: int
    status: str       # warning | wrong
    message: str


# functions a note applies without writing them out: a claim through one is not checked (never read as a
# name times its argument)
OPAQUE_FUNCTIONS = frozenset({"softmax", "tr", "trace", "diag", "det", "sign", "sgn", "argmax", "argmin"})


@dataclass(eq=False)
class NoteModel:
    """What a note means. Data only: the passes of passes.build_model fill it in, in order."""

    statements: list[Statement]
    given_aliases: dict[str, str] = field(default_factory=dict)  # from front matter or --spec, as written
    user_aliases: dict = field(default_factory=dict)  # the same as keys (None: could not be read)
    quantities: dict[tuple[str, ...], Quantity] = field(default_factory=dict)
    aliases: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    readings: dict = field(default_factory=dict)  # loose readings made, for the report
    functions: dict[tuple[str, ...], object] = field(default_factory=dict)  # key -> "sigma" or an sp.Lambda
    values: dict[tuple[str, ...], Fraction] = field(default_factory=dict)
    read_only: set[tuple[str, ...]] = field(default_factory=set)  # values met only inside substitutions, rounded
    computed_only: set = field(default_factory=set)  # symbols of names the note computes from numbers only
    complete: bool = False  # every pass has run: a definition not read by now stays unread
    bindings: list[Binding] = field(default_factory=list)  # every value the note gives a leaf
    findings: list[Finding] = field(default_factory=list)
    declared_vectors: dict[tuple[str, ...], list[Ref]] = field(default_factory=dict)
    matrices: dict[tuple[str, ...], object] = field(default_factory=dict)
    matrix_values: dict[tuple[str, ...], Matrix] = field(default_factory=dict)  # W = [numbers]: its entries' values
    loss: tuple[str, ...] | None = None
    drift: dict[tuple[str, ...], tuple[tuple[str, ...], int]] = field(default_factory=dict)  # name -> (as, from line)
    claimed: dict = field(default_factory=dict)  # key -> (the number the note states for it, its line)
    exact: dict = field(default_factory=dict)  # symbol -> exact value from the note's values
    prefer: Callable | None = None  # scores a lining-up of names with numbers (values.py)
    _matrix_cache: dict = field(default_factory=dict, repr=False)
    _missing: dict = field(default_factory=dict, repr=False)  # names with no quantity, at which stamp
    _symbol_map: tuple = field(default_factory=lambda: (None, {}), repr=False)
    _index: tuple = field(default_factory=lambda: (None, None), repr=False)  # (stamp, NameIndex of the names)

    # --- names -----------------------------------------------------------------------------

    def resolve(self, ref: Ref, create: bool = False, line: int | None = None) -> Quantity | None:
        key = ref.key
        key = self.aliases.get(key, key)
        if line is not None and key in self.drift and line >= self.drift[key][1]:
            key = self.drift[key][0]
        if key in self.quantities:
            return self.quantities[key]
        stamp = self._stamp()
        if self._missing.get(key) == stamp:
            m: Match | None = None
        else:
            if self._index[0] != stamp:
                self._index = (stamp, NameIndex(list(self.quantities)))
            m = self._index[1].find(key)
            if m is not None and m.how in GUESSED and _letter_case(key, m.key):
                m = None  # l is not L, f is not F, δ^(l) is not δ^(L): a layer or a quantity of its own
            if m is None:
                self._missing[key] = stamp
        if m is not None:
            if m.how and key not in self.readings:
                self.readings[key] = f"read {display(key)} as {display(m.key)} ({m.how})"
            self.aliases[key] = m.key
            return self.quantities[m.key]
        if not create:
            return None
        q = Quantity(key, sp.Symbol("q%d" % len(self.quantities)), ref.tex)
        self.quantities[key] = q
        return q

    def symbol(self, ref: Ref, line: int | None = None) -> sp.Symbol:
        if ref.key in self.matrices:  # a name for a vector or matrix stands for its entries
            if ref.key not in self._matrix_cache:
                self._matrix_cache[ref.key] = to_sympy(self.matrices[ref.key], self)
            return self._matrix_cache[ref.key]
        q = self.resolve(ref, line=line)
        if q is None:
            raise Unverifiable(f"{display(ref.key)} is used but nothing in the note defines it")
        if self.complete and q.def_node is not None and q.definition is None and q.key not in self.values:
            raise Unverifiable(f"the definition of {display(q.key)} (line {q.def_line}) could not be read")
        return q.symbol

    def defined_e(self) -> sp.Symbol | None:
        """The symbol of a quantity the note calls e (e = ŷ − y), when it defines or gives one;
        otherwise e is Euler's number."""
        q = self.quantities.get(("e",))
        if q is not None and (q.def_node is not None or ("e",) in self.values):
            return q.symbol
        return None

    def function(self, ref: Ref) -> str | None:
        key = self.aliases.get(ref.key, ref.key)
        if key in self.functions:
            f = self.functions[key]
            if f == "unknown":
                return display(key)
            return f if isinstance(f, str) else key[0]
        if key in (("sigma",), ("sigmoid",)):
            return "sigma"
        if len(key) == 1 and key[0].lower() in OPAQUE_FUNCTIONS:  # softmax(z_t) of one z: not written out
            return key[0].lower()
        if len(key) == 1 and key not in self.quantities:  # \text{ReLU}(z), \mathrm{tanh}(z), \operatorname{relu}
            return NAMED_FUNCTIONS.get(key[0].lower())
        return None

    def call(self, name: str, arg: sp.Expr, prime: int = 0) -> sp.Expr:
        for key, f in self.functions.items():
            if key[0] == name and isinstance(f, sp.Lambda):
                if prime:
                    u = sp.Dummy("u")
                    return sp.diff(f(u), u, prime).subs(u, arg)
                return f(arg)
            if f == "unknown" and display(key) == name:  # f(z) with f never defined: any smooth function
                return activation(name, arg, prime)
        return apply(name, arg, prime)

    def by_symbol(self, s: sp.Symbol) -> Quantity:
        return self.by_symbol_map()[s]

    def by_symbol_map(self) -> dict:
        stamp = self._stamp()
        if self._symbol_map[0] != stamp:
            self._symbol_map = (stamp, {q.symbol: q for q in self.quantities.values()})
        return self._symbol_map[1]

    def upstream(self, symbols, limit: int | None = None) -> set:
        """The given symbols and every quantity their definitions read, recursively (stopping once more
        than `limit` are found, when given)."""
        seen: set = set()
        stack = list(symbols)
        defs = self.by_symbol_map()
        while stack and (limit is None or len(seen) <= limit):
            s = stack.pop()
            if s in seen:
                continue
            seen.add(s)
            q = defs.get(s)
            if q is not None and q.definition is not None:
                stack.extend(q.definition.free_symbols)
        return seen

    def _stamp(self) -> tuple:
        """Changes whenever a quantity is added or removed (keys keep their insertion order)."""
        return len(self.quantities), next(reversed(self.quantities), None)

    # --- what the note knows ---------------------------------------------------------------

    def leaves(self) -> list[Quantity]:
        return [q for q in self.quantities.values() if q.definition is None]

    def computed(self) -> list[Quantity]:
        return [q for q in self.quantities.values() if q.definition is not None]

    def learning_rate(self) -> Quantity | None:
        for q in self.quantities.values():
            if is_learning_rate(q.key):
                return q
        return None


# --- questions every stage asks -----------------------------------------------------------------


def _letter_case(key: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """The two spellings differ in the case of a lone letter or of a layer label (l and L, f and F,
    δ^(l) and δ^(L)), which notes use for different things; W5 and w5 differ only in style."""
    if len(key) != len(other):
        return True
    return any(a != b and (len(a) == 1 or a.startswith("^")) for a, b in zip(key, other))


def orphans(model) -> set[tuple[str, ...]]:
    """Names that are neither defined nor used in any definition: nothing says what they are."""
    used: set = set()
    for q in model.quantities.values():
        if q.definition is not None:
            used |= _free_symbols(q.definition)
    return {k for k, q in model.quantities.items() if q.definition is None and q.symbol not in used}


@lru_cache(maxsize=4096)
def _free_symbols(expr) -> frozenset:
    """Definitions are immutable and asked for again and again while names are being unified."""
    return frozenset(expr.free_symbols)


def alias(model, source: tuple, target: tuple, why: str) -> None:
    """source is another name for target, from now on."""
    if source == target or source not in model.quantities or target not in model.quantities:
        return
    q_old = model.quantities.pop(source)
    q_new = model.quantities[target]
    for k, v in list(model.aliases.items()):
        if v == source:
            model.aliases[k] = target
    model.aliases[source] = target
    model.readings[source] = f"read {display(source)} as {display(target)} ({why})"
    # anything already written with the old symbol now means the new one
    for q in model.quantities.values():
        if q.definition is not None and q.definition.has(q_old.symbol):
            q.definition = q.definition.xreplace({q_old.symbol: q_new.symbol})


def definition_form(model, node):
    """A defined name stands for its definition when lining up shapes."""
    if isinstance(node, Ref):
        q = model.resolve(node)
        if q is not None and q.def_node is not None and not isinstance(q.def_node, Ref):
            return q.def_node
    return node
