"""The passes that read a note's names and definitions: declarations, matrices, the first
`name = expression` of each name, user aliases, the note's own functions (S(x) = 1/(1 + e^{-x})),
conversion to SymPy, the loss, and derivatives a definition is written with.

The left side of `h1 = σ(…)` is a computed quantity; names that are never defined are inputs,
targets or parameters.
"""

from __future__ import annotations

import re
from collections import Counter

import sympy as sp

from ...algebra import Sigmoid
from ..read.align import normalize
from ..read.ir import Declare, Deriv, Func, Juxt, Matrix, Member, Num, Paren, Ref, refs
from ..read.names import display
from ..read.statements import Statement, as_number, is_numeric
from ..read.to_ir import name_key
from .calculus import Calculus
from .note_model import FUNCTION_LETTERS, Binding, Finding, NoteModel
from .to_sympy import Dv, Unverifiable, to_sympy


def read_user_aliases(model: NoteModel) -> None:
    """Aliases from front matter or --spec as the model's keys; one that cannot be read is said so."""
    model.user_aliases = {name_key(k): name_key(v) for k, v in model.given_aliases.items()}
    model.findings.extend(Finding(1, "warning", f"the alias {k} = {v} could not be read and is not used")
                      for k, v in model.given_aliases.items() if name_key(k) is None or name_key(v) is None)


def declarations(model: NoteModel) -> None:
    """`\\text{Input } (x) = [x_1, x_2]`, `\\text{target } (y) = [1]`."""
    for st in model.statements:
        first = st.members[0].node
        if isinstance(first, Declare) and st.rels and st.rels[0] == "=":
            value = st.members[1].node
            model.resolve(first.name, create=True)
            model.aliases.setdefault(first.word.key, first.name.key)
            if isinstance(value, Paren) and all(isinstance(i, Ref) for i in value.items):
                model.declared_vectors[first.name.key] = list(value.items)
            elif isinstance(value, Paren) and len(value.items) == 1 and isinstance(value.items[0], Num):
                n = value.items[0]
                model.bindings.append(Binding(first.name.key, n.value, n.decimals, st.formula.line))


def matrix_names(model: NoteModel) -> None:
    """`W^{(1)} = [[w_1, w_2], [w_3, w_4]]`: the name stands for that matrix of the note's names."""
    for st in model.statements:
        if st.anchored or len(st.members) != 2 or st.rels != ["="]:
            continue
        left, right = st.members[0].node, st.members[1].node
        if isinstance(left, Ref) and isinstance(right, Matrix) and left.key not in model.matrices \
                and all(not isinstance(e, Num) for row in right.rows for e in row):
            model.matrices[left.key] = right
    _numeric_matrices(model)


def _numeric_matrices(model: NoteModel) -> None:
    """`W = [[0.1, 0.3], [-0.2, 0.4]]` for a W the note uses in formulas (z = W x + b) and computes from
    nothing: W stands for its entries W_1_1 …, each given its number (a value, not a claim)."""
    computed = {st.members[0].node.key for st in model.statements if len(st.members) > 1 and st.rels[:1] == ["="]
                and isinstance(st.members[0].node, Ref) and not is_numeric(st.members[1].node)}
    operands = {r.key for st in model.statements for m in st.members if not is_numeric(m.node)
                for r in refs(m.node)}
    for st in list(model.statements):
        if st.anchored or len(st.members) != 2 or st.rels != ["="]:
            continue
        left, right = st.members[0].node, st.members[1].node
        if not (isinstance(left, Ref) and isinstance(right, Matrix) and left.key not in model.matrices
                and left.key not in computed and left.key in operands
                and all(as_number(e) is not None for row in right.rows for e in row)):
            continue
        rows = []
        for i, row in enumerate(right.rows, start=1):
            refs_row = []
            for j, number in enumerate(row, start=1):
                entry = Ref(left.tokens + (str(i), str(j)), f"{left.tex}_{{{i}{j}}}", left.hat)
                refs_row.append(entry)
                model.statements.append(Statement(st.formula, [Member(entry, st.members[0].start, st.members[0].end),
                                                              Member(as_number(number), st.members[1].start,
                                                                     st.members[1].end)],
                                                 ["="]))
            rows.append(tuple(refs_row))
        model.matrices[left.key] = Matrix(tuple(rows))
        model.matrix_values[left.key] = right
    if not model.matrix_values:
        return
    changed = True  # z = W x + b, a = σ(z): names computed from matrices stand for matrices too
    while changed:
        changed = False
        for st in model.statements:
            left = st.members[0].node if st.members else None
            if st.anchored or len(st.members) < 2 or st.rels[:1] != ["="] or not isinstance(left, Ref) \
                    or left.key in model.matrices or is_numeric(st.members[1].node):
                continue
            if any(r.key in model.matrices for r in refs(st.members[1].node)):
                model.matrices[left.key] = st.members[1].node
                changed = True


def definitions(model: NoteModel) -> None:
    """The first `name = expression` (or `expression = name`) for each name defines it. When a
    chain gives several expressions (L = Σ(y_i − ŷ_i)² = (y_true − y_pred)²), the first one in
    names the rest of the note also uses."""
    elsewhere = Counter()
    for st in model.statements:
        for m in st.members[1:] if st.anchored else st.members:  # a carried-over member counts once
            for r in refs(m.node):
                elsewhere[r.key] += 1
    for st in model.statements:
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
                q = model.resolve(node, create=True)
                form = _best_form(model, st, i, elsewhere)
                if q.def_node is None:
                    q.def_node, q.def_line = form, st.formula.line
                    q.forms.extend((m.node, st.formula.line) for k, m in enumerate(st.members[i + 1:], start=i + 1)
                                   if m.node is not form and st.rels[k - 1] == "=" and _symbolic(m.node))
                else:
                    q.others.append((form, st.formula.line))
            elif isinstance(right.node, Ref) and _symbolic(left.node) and i == len(st.rels) - 1 \
                    and isinstance(left.node, Juxt) and not isinstance(left.node.left, Deriv) \
                    and not _mentions(left.node, right.node.key):  # f(u) = u defines f, not u
                q = model.resolve(right.node, create=True)
                if q.def_node is None and not _defined_elsewhere(model, right.node.key):
                    q.def_node, q.def_line = left.node, st.formula.line


def _best_form(model: NoteModel, st: Statement, i: int, counts: Counter):
    """Of the expressions a chain equates with a name (across its continuation lines), the
    first whose names all occur elsewhere in the note."""
    candidates = [m.node for k, m in enumerate(st.members[i + 1:], start=i + 1)
                  if st.rels[k - 1] in ("=", "->") and _symbolic(m.node)]
    if i == 0:
        for other in model.statements:
            if other is not st and other.subject is st.subject and other.anchored:
                candidates += [m.node for k, m in enumerate(other.members[1:], start=1)
                               if other.rels[k - 1] in ("=", "->") and _symbolic(m.node)]
    for node in candidates:
        if all(counts[r.key] > 1 for r in refs(node)):
            return node
    return candidates[0]


def _defined_elsewhere(model: NoteModel, key) -> bool:
    for st in model.statements:
        for _, left, rel, right in st.pairs:
            if isinstance(left.node, Ref) and left.node.key == key and _symbolic(right.node):
                return True
    return False


def register_names(model: NoteModel) -> None:
    for st in model.statements:
        for m in st.members:
            for ref in refs(m.node) + refs(normalize(m.node)):
                if ref.tokens in (("∂",), ("·",)) or model.function(ref) or _looks_like_function(ref, st):
                    continue
                model.resolve(ref, create=True)


def apply_user_aliases(model: NoteModel) -> None:
    """Aliases from front matter or --spec: `w_41: w_a`."""
    for a, b in model.user_aliases.items():
        if a is None or b is None:
            continue
        target = model.resolve(Ref(b, " ".join(b)))
        if target is not None and target.key != a:
            model.aliases[a] = target.key
            model.quantities.pop(a, None)
            model.readings[a] = f"read {display(a)} as {display(target.key)} (declared)"


def function_definitions(model: NoteModel) -> None:
    """`S(x) = 1/(1 + e^{-x})`: a function of the note; the sigmoid when it is one."""
    for st in model.statements:
        for i, left, rel, right in st.pairs:
            node = left.node
            if (i == 0 or i == 1 and _label(st.members[0].node)) and rel == "=" and isinstance(node, Juxt) \
                    and isinstance(node.right, Paren) \
                    and len(node.right.items) == 1 and isinstance(node.right.items[0], Ref) \
                    and isinstance(node.left, Ref) and (node.left.key in FUNCTION_LETTERS
                                                        or node.left.key == ("sigma",)) \
                    and _placeholder(model, node.right.items[0]):
                arg = node.right.items[0]
                model.resolve(arg, create=True)
                try:
                    body = to_sympy(right.node, model)
                except Unverifiable:
                    continue
                x = model.symbol(arg)
                lam = sp.Lambda(x, body)
                model.functions[node.left.key] = "sigma" if _is_sigmoid(lam) else lam
                model.quantities.pop(node.left.key, None)
                if i == 1:  # RBF = φ(z) = …: RBF(x·w) is the same function
                    model.functions[st.members[0].node.key] = model.functions[node.left.key]
    for key in list(model.quantities):
        if _function_letter(key) and _used_as_function(model, key) and key not in model.functions \
                and model.quantities[key].def_node is None:  # h = σ(z) makes h(1 - h) a product
            model.functions[key] = "unknown"
    for key in _primed_letters(model):  # f'(z), f'^{(L)}(z) with f never applied unprimed
        if key not in model.functions and key not in model.quantities and key not in model.aliases:
            model.functions[key] = "unknown"


def _primed_letters(model: NoteModel) -> list:
    """The keys of f, g, φ written primed (f', g\\prime, f'^{(L)}): functions, whatever else the note says."""
    out: dict = {}
    for st in model.statements:
        for m in st.members:
            for node in m.node.walk():
                if isinstance(node, Func) and node.prime and node.name in ("f", "g", "phi"):
                    out[(node.name, f"^{node.label}") if node.label.startswith("(") else (node.name,)] = True
    return list(out)


def _function_letter(key) -> bool:
    """f, g, φ, and f^{(L)}: the activation of a layer, named by its letter and the layer's label."""
    return key in FUNCTION_LETTERS or key[:1] in FUNCTION_LETTERS and len(key) > 1 \
        and all(t.startswith("^(") for t in key[1:]) or _NUMBERED_FUNCTION.fullmatch(key[0]) is not None \
        and all(t.startswith("^(") for t in key[1:])


_NUMBERED_FUNCTION = re.compile(r"(?:f|g|phi)\d{1,2}")  # f_1(W_1 x_0): the activation of layer 1


def _label(node) -> bool:
    """\text{RBF} in `\text{RBF} = φ(z) = e^{−z²}`: a word naming what follows, not a quantity."""
    return isinstance(node, Ref) and len(node.tokens) == 1 and len(node.tokens[0]) > 1 and node.tokens[0].isupper()


def _placeholder(model: NoteModel, ref: Ref) -> bool:
    """The x of `S(x) = …`: a name nothing defines."""
    q = model.resolve(ref)
    return q is None or q.def_node is None


def _used_as_function(model: NoteModel, key) -> bool:
    for st in model.statements:
        for m in st.members:
            for node in m.node.walk():
                if isinstance(node, Juxt) and isinstance(node.left, Ref) and node.left.key == key \
                        and isinstance(node.right, Paren):
                    return True
    return False


def convert_definitions(model: NoteModel) -> None:
    for q in list(model.quantities.values()):
        if q.def_node is None or q.definition is not None:
            continue
        for node, line in [(q.def_node, q.def_line)] + q.others:
            try:
                expr = to_sympy(node, model)
            except Unverifiable:
                continue
            if not expr.has(q.symbol):
                q.definition, q.def_node, q.def_line = expr, node, line
                break


MAX_VISITS = 5000  # quantities visited when looking for a circle of definitions


def break_cycles(model: NoteModel) -> None:
    """`a_h1 = σ(o1) = 1/(1 + exp(−h1))` with o1 computed from a_h1: the first form goes round in a
    circle, so the chain's other form is the definition, and the step between them is judged."""
    def reaches(expr, target) -> bool:
        return target in model.upstream(expr.free_symbols, limit=MAX_VISITS)

    circling = _on_cycles(model)  # once for the note: a walk per quantity took minutes on a CNN
    for q in sorted((q for q in model.quantities.values() if q.definition is not None and q.forms),
                    key=lambda q: q.def_line or 0):
        if q.symbol not in circling or not reaches(q.definition, q.symbol):
            continue
        for node, line in q.forms:
            try:
                expr = to_sympy(node, model)
            except Unverifiable:
                continue
            if not reaches(expr, q.symbol):
                q.definition, q.def_node, q.def_line = expr, node, line
                model.readings[q.key] = f"read {display(q.key)} from its last form on line {line} (the first " \
                                        "goes round in a circle of definitions)"
                break


def _on_cycles(model: NoteModel) -> set:
    """The symbols of quantities whose definitions lead back to them (Tarjan's strongly connected
    components, iteratively): a component of more than one, or one that reads itself."""
    graph = {q.symbol: [s for s in q.definition.free_symbols] for q in model.quantities.values()
             if q.definition is not None}
    index: dict = {}
    low: dict = {}
    stack: list = []
    on_stack: set = set()
    out: set = set()
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(graph[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    part = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        part.append(w)
                        if w == v:
                            break
                    if len(part) > 1 or v in graph[v]:
                        out.update(part)
    return out


def find_loss(model: NoteModel) -> None:
    """The loss: of the quantities nothing else uses, the one the note differentiates most
    (ties: the one with a square in it)."""
    used = set()
    for q in model.quantities.values():
        if q.definition is not None:  # what a quantity is computed from (δ = ∂L/∂z does not use L)
            used |= q.definition.xreplace({d: sp.Integer(0) for d in q.definition.atoms(Dv)}).free_symbols
    sinks = [q for q in model.quantities.values() if q.definition is not None and q.symbol not in used
             and not q.definition.is_Symbol]  # u = W: another name for W, never a loss
    counts: Counter = Counter()
    for st in model.statements:
        for m in st.members:
            for node in m.node.walk():
                if isinstance(node, Deriv) and isinstance(node.of, Ref):
                    of = model.resolve(node.of)
                    if of is not None:
                        counts[of.key] += 1
    ranked = sorted(sinks, key=lambda q: (-counts[q.key], not q.definition.has(sp.Pow)))
    if ranked and (counts[ranked[0].key] or ranked[0].definition.has(sp.Pow)):
        model.loss = ranked[0].key


def resolve_derivatives(model: NoteModel) -> None:
    """`dW_i → dL_1/dW_i + dL_2/dW_i` defines dW_i through derivatives: work them out."""
    calc = Calculus(model)
    for q in model.computed():
        if q.definition.has(Dv):
            try:
                q.definition = calc.resolve(q.definition)
            except Unverifiable:
                q.definition = None


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
    for point in (sp.Rational(-3, 7), sp.Rational(1, 3), sp.Rational(5, 2)):
        a = lam(point).evalf(30)
        b = Sigmoid(point).evalf(30)
        if not (a.is_number and abs(a - b) < sp.Float("1e-25")):
            return False
    return True
