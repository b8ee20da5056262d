"""What a note means: its quantities, their definitions, the functions it uses, and the values it
gives. Built from the note's own statements, so every claim is judged in the note's semantics.

Two passes over the statements: names and definitions first (the left side of `h1 = σ(…)` is a
computed quantity; names that are never defined are inputs, targets or parameters), then values
(from lists like `x_0 = 1, x_1 = 0` and from substitutions like `w_{11} i_1 + … = 0.15 × 0.05 + …`,
the value of each leaf chosen by majority when the note gives it twice).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ..read.ir import NAMED_FUNCTIONS, Declare, Deriv, Juxt, Matrix, Member, Num, Paren, Ref, refs
from ..read.names import Match, display, find, is_learning_rate
from ..read.statements import Statement, as_number, is_numeric
from ..read.to_ir import name_key
from .to_sympy import Dv, Unverifiable, apply, to_sympy

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


class NoteModel:
    def __init__(self, statements: list[Statement], aliases: dict[str, str] | None = None):
        self.statements = statements
        self.quantities: dict[tuple[str, ...], Quantity] = {}
        self.aliases: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.readings: dict[tuple[str, ...], str] = {}   # loose readings made, for the report
        self.functions: dict[tuple[str, ...], object] = {}  # key -> "sigma" or an sp.Lambda
        self.values: dict[tuple[str, ...], Fraction] = {}
        self.read_only: set[tuple[str, ...]] = set()  # values met only inside substitutions, rounded
        self.bindings: list[Binding] = []   # every value the note gives a leaf
        self.findings: list[Finding] = []
        self.declared_vectors: dict[tuple[str, ...], list[Ref]] = {}
        self.matrices: dict[tuple[str, ...], object] = {}
        self.matrix_values: dict[tuple[str, ...], Matrix] = {}  # W = [numbers]: the values given to W's entries
        self._matrix_cache: dict = {}
        self.loss: tuple[str, ...] | None = None
        self.drift: dict[tuple[str, ...], tuple[tuple[str, ...], int]] = {}  # name -> (read as, from line)
        self.exact: dict = {}
        self._index: dict[tuple[str, int], int] = {}
        self._missing: dict[tuple[str, ...], tuple] = {}  # names with no quantity, at which stamp
        self._symbol_map: tuple = (None, {})
        self._user_aliases = {name_key(k): name_key(v) for k, v in (aliases or {}).items()}
        self.findings.extend(Finding(1, "warning", f"the alias {k} = {v} could not be read and is not used")
                             for k, v in (aliases or {}).items() if name_key(k) is None or name_key(v) is None)
        self._build()

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
            m = find(key, list(self.quantities))
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
        return q.symbol

    def function(self, ref: Ref) -> str | None:
        key = self.aliases.get(ref.key, ref.key)
        if key in self.functions:
            f = self.functions[key]
            return f if isinstance(f, str) else key[0]
        if key in (("sigma",), ("sigmoid",)):
            return "sigma"
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
            if key[0] == name and f == "unknown":
                raise Unverifiable(f"the function {name} is used but never defined")
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

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        self._declarations()
        self._matrix_names()
        self._definitions()
        self._register_all_names()
        self._apply_user_aliases()
        self._function_definitions()
        self._convert_definitions()
        self._infer_aliases()
        self._convert_definitions()  # what the aliases made readable
        self._find_loss()
        self._loss_alias()
        self._resolve_definitions()
        self._values()

    def _declarations(self) -> None:
        """`\\text{Input } (x) = [x_1, x_2]`, `\\text{target } (y) = [1]`."""
        for st in self.statements:
            first = st.members[0].node
            if isinstance(first, Declare) and st.rels and st.rels[0] == "=":
                value = st.members[1].node
                self.resolve(first.name, create=True)
                self.aliases.setdefault(first.word.key, first.name.key)
                if isinstance(value, Paren) and all(isinstance(i, Ref) for i in value.items):
                    self.declared_vectors[first.name.key] = list(value.items)
                elif isinstance(value, Paren) and len(value.items) == 1 and isinstance(value.items[0], Num):
                    n = value.items[0]
                    self.bindings.append(Binding(first.name.key, n.value, n.decimals, st.formula.line))

    def _matrix_names(self) -> None:
        """`W^{(1)} = [[w_1, w_2], [w_3, w_4]]`: the name stands for that matrix of the note's names."""
        for st in self.statements:
            if st.anchored or len(st.members) != 2 or st.rels != ["="]:
                continue
            left, right = st.members[0].node, st.members[1].node
            if isinstance(left, Ref) and isinstance(right, Matrix) and left.key not in self.matrices \
                    and all(not isinstance(e, Num) for row in right.rows for e in row):
                self.matrices[left.key] = right
        self._numeric_matrices()

    def _numeric_matrices(self) -> None:
        """`W = [[0.1, 0.3], [-0.2, 0.4]]` for a W the note uses in formulas (z = W x + b) and computes from
        nothing: W stands for its entries W_1_1 …, each given its number (a value, not a claim)."""
        computed = {st.members[0].node.key for st in self.statements if len(st.members) > 1 and st.rels[:1] == ["="]
                    and isinstance(st.members[0].node, Ref) and not is_numeric(st.members[1].node)}
        operands = {r.key for st in self.statements for m in st.members if not is_numeric(m.node)
                    for r in refs(m.node)}
        for st in list(self.statements):
            if st.anchored or len(st.members) != 2 or st.rels != ["="]:
                continue
            left, right = st.members[0].node, st.members[1].node
            if not (isinstance(left, Ref) and isinstance(right, Matrix) and left.key not in self.matrices
                    and left.key not in computed and left.key in operands
                    and all(as_number(e) is not None for row in right.rows for e in row)):
                continue
            rows = []
            for i, row in enumerate(right.rows, start=1):
                refs_row = []
                for j, number in enumerate(row, start=1):
                    entry = Ref(left.tokens + (str(i), str(j)), f"{left.tex}_{{{i}{j}}}", left.hat)
                    refs_row.append(entry)
                    self.statements.append(Statement(st.formula, [Member(entry, st.members[0].start, st.members[0].end),
                                                                  Member(as_number(number), st.members[1].start,
                                                                         st.members[1].end)],
                                                     ["="]))
                rows.append(tuple(refs_row))
            self.matrices[left.key] = Matrix(tuple(rows))
            self.matrix_values[left.key] = right
        if not self.matrix_values:
            return
        changed = True  # z = W x + b, a = σ(z): names computed from matrices stand for matrices too
        while changed:
            changed = False
            for st in self.statements:
                left = st.members[0].node if st.members else None
                if st.anchored or len(st.members) < 2 or st.rels[:1] != ["="] or not isinstance(left, Ref) \
                        or left.key in self.matrices or is_numeric(st.members[1].node):
                    continue
                if any(r.key in self.matrices for r in refs(st.members[1].node)):
                    self.matrices[left.key] = st.members[1].node
                    changed = True

    def _definitions(self) -> None:
        """The first `name = expression` (or `expression = name`) for each name defines it. When a
        chain gives several expressions (L = Σ(y_i − ŷ_i)² = (y_true − y_pred)²), the first one in
        names the rest of the note also uses."""
        elsewhere = Counter()
        for st in self.statements:
            for m in st.members[1:] if st.anchored else st.members:  # a carried-over member counts once
                for r in refs(m.node):
                    elsewhere[r.key] += 1
        for st in self.statements:
            for i, left, rel, right in st.pairs:
                if rel not in ("=", "->"):
                    continue
                node = left.node
                if isinstance(node, Matrix) and len(node.rows) == 1 and len(node.rows[0]) == 1:
                    node = node.rows[0][0]  # [z_o] = …
                if isinstance(node, Ref) and node.power is not None:  # z_{h1}^1 = …: a layer label
                    label = () if len(node.tokens) > 1 else (f"^{node.power}",)
                    node = Ref(node.tokens + label, node.tex, node.hat)
                if isinstance(node, Ref) and _symbolic(right.node) \
                        and not _mentions(right.node, node.key) and not _is_update_target(node):
                    q = self.resolve(node, create=True)
                    form = self._best_form(st, i, elsewhere)
                    if q.def_node is None:
                        q.def_node, q.def_line = form, st.formula.line
                    else:
                        q.others.append((form, st.formula.line))
                elif isinstance(right.node, Ref) and _symbolic(left.node) and i == len(st.rels) - 1 \
                        and isinstance(left.node, Juxt) and not isinstance(left.node.left, Deriv):
                    q = self.resolve(right.node, create=True)
                    if q.def_node is None and not self._defined_elsewhere(right.node.key):
                        q.def_node, q.def_line = left.node, st.formula.line

    def _best_form(self, st: Statement, i: int, counts: Counter):
        """Of the expressions a chain equates with a name (across its continuation lines), the
        first whose names all occur elsewhere in the note."""
        candidates = [m.node for k, m in enumerate(st.members[i + 1:], start=i + 1)
                      if st.rels[k - 1] in ("=", "->") and _symbolic(m.node)]
        if i == 0:
            for other in self.statements:
                if other is not st and other.subject is st.subject and other.anchored:
                    candidates += [m.node for k, m in enumerate(other.members[1:], start=1)
                                   if other.rels[k - 1] in ("=", "->") and _symbolic(m.node)]
        for node in candidates:
            if all(counts[r.key] > 1 for r in refs(node)):
                return node
        return candidates[0]

    def _defined_elsewhere(self, key) -> bool:
        for st in self.statements:
            for _, left, rel, right in st.pairs:
                if isinstance(left.node, Ref) and left.node.key == key and _symbolic(right.node):
                    return True
        return False

    def _register_all_names(self) -> None:
        from ..read.align import normalize

        for st in self.statements:
            for m in st.members:
                for ref in refs(m.node) + refs(normalize(m.node)):
                    if ref.tokens in (("∂",), ("·",)) or self.function(ref) or _looks_like_function(ref, st):
                        continue
                    self.resolve(ref, create=True)

    def _apply_user_aliases(self) -> None:
        """Aliases from front matter or --spec: `w_41: w_a`."""
        for a, b in self._user_aliases.items():
            if a is None or b is None:
                continue
            target = self.resolve(Ref(b, " ".join(b)))
            if target is not None and target.key != a:
                self.aliases[a] = target.key
                self.quantities.pop(a, None)
                self.readings[a] = f"read {display(a)} as {display(target.key)} (declared)"

    def _function_definitions(self) -> None:
        """`S(x) = 1/(1 + e^{-x})`: a function of the note; the sigmoid when it is one."""
        for st in self.statements:
            for i, left, rel, right in st.pairs:
                node = left.node
                if i == 0 and rel == "=" and isinstance(node, Juxt) and isinstance(node.right, Paren) \
                        and len(node.right.items) == 1 and isinstance(node.right.items[0], Ref) \
                        and isinstance(node.left, Ref) and (node.left.key in FUNCTION_LETTERS
                                                            or node.left.key == ("sigma",)) \
                        and self._placeholder(node.right.items[0]):
                    arg = node.right.items[0]
                    self.resolve(arg, create=True)
                    try:
                        body = to_sympy(right.node, self)
                    except Unverifiable:
                        continue
                    x = self.symbol(arg)
                    lam = sp.Lambda(x, body)
                    self.functions[node.left.key] = "sigma" if _is_sigmoid(lam) else lam
                    self.quantities.pop(node.left.key, None)
        for key in list(self.quantities):
            if key in FUNCTION_LETTERS and self._used_as_function(key) and key not in self.functions \
                    and self.quantities[key].def_node is None:  # h = σ(z) makes h(1 - h) a product
                self.functions[key] = "unknown"

    def _placeholder(self, ref: Ref) -> bool:
        """The x of `S(x) = …`: a name nothing defines."""
        q = self.resolve(ref)
        return q is None or q.def_node is None

    def _used_as_function(self, key) -> bool:
        for st in self.statements:
            for m in st.members:
                for node in m.node.walk():
                    if isinstance(node, Juxt) and isinstance(node.left, Ref) and node.left.key == key \
                            and isinstance(node.right, Paren):
                        return True
        return False

    def _convert_definitions(self) -> None:
        for q in list(self.quantities.values()):
            if q.def_node is None or q.definition is not None:
                continue
            for node, line in [(q.def_node, q.def_line)] + q.others:
                try:
                    expr = to_sympy(node, self)
                except Unverifiable:
                    continue
                if not expr.has(q.symbol):
                    q.definition, q.def_node, q.def_line = expr, node, line
                    break

    def _infer_aliases(self) -> None:
        """Names a chain sets equal to defined ones by shape: `Loss = ½(output − y_TRUE)² = ½(g(z) − y_T)²`
        makes g(z) the output and y_T the target."""
        from .aliases import infer_aliases

        infer_aliases(self)

    def _loss_alias(self) -> None:
        from .aliases import loss_alias

        loss_alias(self)

    def _find_loss(self) -> None:
        """The loss: of the quantities nothing else uses, the one the note differentiates most
        (ties: the one with a square in it)."""
        used = set()
        for q in self.quantities.values():
            if q.definition is not None:  # what a quantity is computed from (δ = ∂L/∂z does not use L)
                used |= q.definition.xreplace({d: sp.Integer(0) for d in q.definition.atoms(Dv)}).free_symbols
        sinks = [q for q in self.quantities.values() if q.definition is not None and q.symbol not in used]
        counts: Counter = Counter()
        for st in self.statements:
            for m in st.members:
                for node in m.node.walk():
                    if isinstance(node, Deriv) and isinstance(node.of, Ref):
                        of = self.resolve(node.of)
                        if of is not None:
                            counts[of.key] += 1
        ranked = sorted(sinks, key=lambda q: (-counts[q.key], not q.definition.has(sp.Pow)))
        if ranked and (counts[ranked[0].key] or ranked[0].definition.has(sp.Pow)):
            self.loss = ranked[0].key

    def _resolve_definitions(self) -> None:
        """`dW_i → dL_1/dW_i + dL_2/dW_i` defines dW_i through derivatives: work them out."""
        from .calculus import Calculus

        calc = Calculus(self)
        for q in self.computed():
            if q.definition.has(Dv):
                try:
                    q.definition = calc.resolve(q.definition)
                except Unverifiable:
                    q.definition = None

    def _values(self) -> None:
        from .values import collect_values

        collect_values(self)

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


def _symbolic(node) -> bool:
    return not is_numeric(node) and bool(refs(node)) and not isinstance(node, (Matrix,))


def _mentions(node, key) -> bool:
    return any(r.key == key for r in refs(node))


def _is_update_target(ref: Ref) -> bool:
    return any(t.lower() in ("new", "^new", "updated", "next") for t in ref.tokens)


def _looks_like_function(ref: Ref, st: Statement) -> bool:
    if ref.key not in FUNCTION_LETTERS:
        return False
    for m in st.members:
        for node in m.node.walk():
            if isinstance(node, Juxt) and node.left == ref and isinstance(node.right, Paren):
                return True
    return False


def _is_sigmoid(lam: sp.Lambda) -> bool:
    from ...algebra import Sigmoid

    for point in (sp.Rational(-3, 7), sp.Rational(1, 3), sp.Rational(5, 2)):
        a = lam(point).evalf(30)
        b = Sigmoid(point).evalf(30)
        if not (a.is_number and abs(a - b) < sp.Float("1e-25")):
            return False
    return True
