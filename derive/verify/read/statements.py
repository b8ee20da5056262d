"""Formulas to statements: relation chains joined across lines (a line that starts with `=`
continues the one before), index templates written out, remarks set aside."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lark.exceptions import VisitError

from .dots import fill_all
from .indices import substitute_index
from .instances import instantiate, summed_over
from .ir import (
    SET_RELATIONS,
    Chain,
    Deriv,
    Exp,
    Func,
    Juxt,
    Matrix,
    Member,
    Num,
    Op,
    Opaque,
    Paren,
    Ref,
    Relation,
    Unsupported,
    factors,
    indicator,
    refs,
)
from .labels import CONDITIONAL, argument_label, function_definition
from .layers import instantiate_layers
from .macros import original
from .parse import ParseFailure, parse
from .products import powers_of_a_defined_e, split_letter_runs
from .segment import Formula, Note
from .to_ir import chains as to_chains

SET_KINDS = frozenset(SET_RELATIONS.values())


@dataclass
class Statement:
    formula: Formula
    members: list[Member]
    rels: list[str]
    anchored: bool = False          # members[0] was carried over from the previous line
    index: tuple[str, int] | None = None  # (letter, value) when written out from a template
    notes: list[str] = field(default_factory=list)
    subject: Member | None = None   # what the chain is about: its first member, across continuations

    def __post_init__(self):
        if self.subject is None and self.members:
            self.subject = self.members[0]

    @property
    def pairs(self):
        for i, rel in enumerate(self.rels):
            yield i, self.members[i], rel, self.members[i + 1]


@dataclass
class Unreadable:
    formula: Formula
    line: int
    col: int
    message: str
    caret: str = ""


def statements(note: Note) -> tuple[list[Statement], list[Unreadable], list[Formula]]:
    """All statements in document order, the formulas that could not be read, and remarks
    (formulas with no relation in them)."""
    out: list[Statement] = []
    bad: list[Unreadable] = []
    remarks: list[Formula] = []
    previous: Statement | None = None
    history: list[Statement] = []
    open_chain = False
    rows: dict[int, Statement] = {}
    for index, f in enumerate(note.formulas):
        chains = _chains_of(note, f)
        if not isinstance(chains, list):
            if chains is None:
                remarks.append(f)  # symbols on their own (a legend), nothing claimed
            else:
                bad.append(chains)
            previous, open_chain = None, False
            continue
        if chains and _continues(f, previous):
            _join(previous, chains[0], f)  # `&\quad - 2(…)`: the row goes on with the expression above
            chains = chains[1:]
        made: list[Statement] = []
        template = _template(chains)
        for n, ch in enumerate(chains):
            if template is not None and ch is template[0]:
                continue
            st = Statement(f, *_before_declaration(ch))
            if ch.leading or (n == 0 and open_chain and f.kind in ("bare", "display") and not ch.leading):
                if previous is not None and previous.members:
                    st.members.insert(0, previous.members[-1])
                    if not ch.leading:
                        st.rels.insert(0, "=")
                    st.anchored = True
                    st.subject = previous.subject
                elif ch.leading and st.rels:
                    st.rels.pop(0)
            if f.kind == "vector" and f.rows and n == 0:
                st = _vector(st, [rows.get(r) for r in f.rows])
            if ch.trailing and st.rels and len(st.rels) >= len(st.members):
                st.rels.pop()
            made.append(st)
        if template is not None:
            made = _expand(made, template[1])
        for letter, values in _bounded(f.ranges):
            made = _expand(made, (letter, values))
        for st in made:
            _resolve_dittos(st, history)
            history.append(st)
        for st in made:
            if st.rels:
                out.append(st)
            else:
                remarks.append(f)
        with_relations = [st for st in made if st.rels]
        if with_relations:  # a remark in between (σ(1 − σ)) does not break a chain
            previous = with_relations[-1]
            rows[index] = with_relations[0]
            open_chain = bool(chains) and chains[-1].trailing
    out = [st for st in out if not _loop_start(note, st)]
    out = _denoted(note, out, remarks)
    _unranged_templates(out)
    out = instantiate_layers(out)
    out = instantiate(out, _instance, _softmax_functions(note, out))
    _layer_labels(out)
    split_letter_runs(out)  # z = wx + b: w times x
    powers_of_a_defined_e(out)  # e = ŷ − y, L = e²
    for st in out:  # a + b + \dots + z: written out where the pattern is plain
        st.members = [Member(fill_all(m.node), m.start, m.end) for m in st.members]
    return out, bad, remarks


_SOFTMAX_WORD = re.compile(r"\bsoft-?max\b", re.IGNORECASE)


def _softmax_functions(note: Note, stmts: list[Statement]) -> frozenset:
    """The keys of functions a note uses as the softmax without writing it out: `a_j = f^{(L)}(z_j)` whose a_j the
    loss takes the log of (L = −Σ_j y_j log a_j), f defined nowhere, in a note whose prose says it uses the
    softmax ("Softmax for the output layer")."""
    parts, at = [], 0
    for f in sorted(note.formulas, key=lambda f: f.start):
        parts.append(note.text[at:max(at, f.start)])
        at = max(at, f.start + len(f.text))
    parts.append(note.text[at:])
    if not _SOFTMAX_WORD.search(" ".join(parts)):
        return frozenset()
    logged = set()
    defined = set()
    for st in stmts:
        if st.members and isinstance(st.members[0].node, Juxt):
            defined.add(getattr(st.members[0].node.left, "key", None))  # f(x) = …: written out
        for m in st.members:
            for n in m.node.walk():
                if isinstance(n, Juxt) and isinstance(n.left, Func) and n.left.name == "log":
                    inner = n.right.items[0] if isinstance(n.right, Paren) and len(n.right.items) == 1 else n.right
                    if isinstance(inner, Ref):
                        logged.add(inner.key)
    out = set()
    for st in stmts:
        if len(st.members) == 2 and isinstance(st.members[0].node, Ref) and st.members[0].node.key in logged:
            right = st.members[1].node
            if isinstance(right, Juxt) and isinstance(right.left, Ref) and isinstance(right.right, Paren) \
                    and right.left.key not in defined and right.left.tokens[0] in ("f", "g", "phi", "sigma"):
                out.add(right.left.key)
    return frozenset(out)


_DENOTE = re.compile(r"\b(?:denot\w*|write|call|abbreviat\w*|rename|notons|notamos)\b[^.;]*\bas\W{0,6}$",
                     re.IGNORECASE)


def _denoted(note: Note, stmts: list[Statement], remarks: list) -> list[Statement]:
    """"denote h = f(W h + b) as h = f(uv)": the first is the old notation restated, the second a shorthand:
    from here on f(uv) is a way of writing h (∂f(uv)/∂u is ∂h/∂u), not a new definition of h. Neither is a
    claim of its own. A shorthand for a name the note had not defined before (denote σ(z) as a) defines it."""
    drop: set[int] = set()
    short: list[tuple[int, object, Ref]] = []  # (from statement, the shorthand, the name it writes)
    for k, st in enumerate(stmts):
        f = st.formula
        if not st.members or not isinstance(st.members[0].node, Ref):
            continue
        start = note.line_starts[f.line - 1]  # (in running text, kramdown's $$ too)
        if not _DENOTE.search(note.text[start: f.start].rstrip("$\\(*_ ")):
            continue
        for j in range(k - 1, -1, -1):
            before = stmts[j]
            if before.formula.line != f.line:
                break
            if before.members and before.members[0].node == st.members[0].node:
                drop.add(j)
                remarks.append(before.formula)
                if len(st.members) == 2 and _abbreviation(st.members[1].node, stmts):
                    drop.add(k)
                    short.append((k, st.members[1].node, st.members[0].node))
                break
    for k, shorthand, name in short:
        def put(n, shorthand=shorthand, name=name):
            return name if n == shorthand else n
        for st in stmts[k + 1:]:
            st.members = [Member(m.node.rewrite(put), m.start, m.end) for m in st.members]
    return [st for j, st in enumerate(stmts) if j not in drop]


def _abbreviation(node, stmts: list[Statement]) -> bool:
    """f(uv) with u and v defined by the note (u = W_hh, v = h_{t−1}): a way of writing what it stands for, since
    read literally it would drop the rest of the argument. With a new name in it (σ(q)) it defines that name."""
    if not isinstance(node, Juxt) or not isinstance(node.right, Paren):
        return False
    defined = {st.members[0].node.key for st in stmts if len(st.members) == 2 and isinstance(st.members[0].node, Ref)}
    names = {r.key for r in refs(node.right)}
    return bool(names) and all(k in defined or len(k) == 1 and all((c,) in defined for c in k[0]) for k in names)


_LOOP = re.compile(r"\b(?:for|from)\s*\(?\s*$", re.IGNORECASE)


def _loop_start(note: Note, st: Statement) -> bool:
    """`for (i = 1 to m)`: where an index starts, not a value of i."""
    f = st.formula
    if f.kind != "inline" or len(st.members) != 2 or not isinstance(st.members[0].node, Ref) \
            or not isinstance(st.members[1].node, Num):
        return False
    start = note.line_starts[f.line - 1]
    return bool(_LOOP.search(note.text[max(start, f.start - 40): f.start].rstrip("$\\( ")))


def _chains_of(note: Note, f: Formula) -> list[Chain] | Unreadable | None:
    """The formula's chains; why it cannot be read; or None for an unreadable formula that claims nothing."""
    odd = _implausible(f.text)
    if odd:  # refused before parsing: each of these made reading take seconds to minutes
        return Unreadable(f, f.line, f.col, odd)
    tree = parse(note, f)
    if isinstance(tree, ParseFailure):
        return Unreadable(f, tree.line, tree.col, tree.message, tree.caret) if _has_relation(f.text) else None
    try:
        chains = to_chains(tree, f.text)
    except Unsupported as e:
        return Unreadable(f, f.line, f.col, str(e))
    except VisitError as e:  # (a reading the transformer gave up on: nesting too deep, a number too long)
        if isinstance(e.orig_exc, Unsupported):
            return Unreadable(f, f.line, f.col, str(e.orig_exc))
        if isinstance(e.orig_exc, (RecursionError, ValueError, OverflowError, MemoryError)):
            return Unreadable(f, f.line, f.col, "nested too deeply or a number too long to read")
        raise
    except (RecursionError, ValueError, OverflowError):
        return Unreadable(f, f.line, f.col, "nested too deeply or a number too long to read")
    if f.origin:  # places in the note's own text, where its macros are not written out
        for ch in chains:
            ch.members = [Member(m.node, original(f.origin, m.start), original(f.origin, m.end)) for m in ch.members]
            ch.start = original(f.origin, ch.start)
    return chains


_MINUS_RUN = re.compile(r"(?:[-−]\s*){8,}")
MAX_DEPTH = 40  # brackets inside brackets


def _implausible(text: str) -> str | None:
    """Why a formula is no mathematics anyone writes, before it is parsed: a run of eight minus signs, or
    brackets nested more than MAX_DEPTH deep."""
    if _MINUS_RUN.search(text):
        return "a run of minus signs"
    depth = deepest = 0
    for ch in text:
        if ch in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")}]":
            depth = max(0, depth - 1)
    return f"brackets nested more than {MAX_DEPTH} deep" if deepest > MAX_DEPTH else None


_OPERATOR_FIRST = re.compile(r"\s*([-−+]|\\cdot(?![a-zA-Z])|\\times(?![a-zA-Z]))")


def _continues(f: Formula, previous: Statement | None) -> bool:
    """A row of an aligned block that starts with + or − (or ·, ×) continues the last expression of the row above."""
    return f.kind == "row" and previous is not None and previous.formula.kind == "row" \
        and previous.formula.block == f.block and bool(previous.members) and bool(_OPERATOR_FIRST.match(f.text))


def _join(st: Statement, ch: Chain, f: Formula) -> None:
    """The row's first member becomes part of the statement's last one; its relations go on from there."""
    shift = f.start - st.formula.start  # members' places are counted from the start of their formula
    last, first = st.members[-1], ch.members[0]
    sign = _OPERATOR_FIRST.match(f.text).group(1)
    # − 2·(…): the grammar read the minus as the sign of the row's first term, so the row is added
    joined = Op("+" if sign in "-−+" else "*", (last.node, first.node))
    st.members[-1] = Member(joined, last.start, first.end + shift)
    st.members.extend(Member(m.node, m.start + shift, m.end + shift) for m in ch.members[1:])
    st.rels.extend(ch.rels[1:] if ch.leading else ch.rels)


def _before_declaration(ch: Chain) -> tuple[list[Member], list[str]]:
    """z = Wx + b \\in \\mathbb{R}^n, W \\in …, t \\neq i: what follows a set relation declares a shape or
    states a condition; the chain's claims end before it."""
    members, rels = list(ch.members), list(ch.rels)
    if not ch.leading and len(members) > 1 and rels[0] == "=" and _prose_label(members[0].node):
        members, rels = members[1:], rels[1:]  # \mbox{Hidden layer output} = x_1 = …: the words name x_1
    if not ch.leading and len(members) > 1 and rels[0] == "=":
        head = argument_label(members[0].node)  # J_1(θ) = (t − o)²: J_1 is defined; (θ) names its arguments
        members[0] = Member(head, members[0].start, members[0].end)
    for k, m in enumerate(members):
        reason = function_definition(m.node, at_head=k == 0 and not ch.leading)
        if reason is not None:
            members[k] = Member(Opaque(reason), m.start, m.end)
    shift = 1 if ch.leading else 0  # `= …` continuing a row: rels[i] comes before members[i]
    for i, rel in enumerate(rels):
        if rel in SET_KINDS:
            members, rels = members[:i + 1 - shift], rels[:i]
            break
    if CONDITIONAL in ch.notes:  # each side holds only in its case: read, not judged
        members = members[:1] + [Member(Opaque(CONDITIONAL), m.start, m.end) for m in members[1:]]
    return members, rels


def _prose_label(node) -> bool:
    return isinstance(node, Ref) and node.tex.startswith("\\mbox")


def _unranged_templates(stmts: list[Statement]) -> None:
    r"""`p_k = e^{z_k} / \sum_j e^{z_j}` with no range for k: one copy for each k at which the note names
    p (p_1, p_2, p_3), when k is not also the index of a sum in it."""
    names = {r.tokens for st in stmts for m in st.members for r in refs(m.node)}
    # names the note defines in symbols itself (o_1 = W_i x_0 + …): a general formula does not redefine them
    defined = {st.members[0].node.tokens for st in stmts if len(st.members) > 1 and isinstance(st.members[0].node, Ref)
               and st.rels[:1] == ["="] and not is_numeric(st.members[1].node)}
    result: list[Statement] = []
    for st in stmts:
        first = st.members[0].node if st.members else None
        if st.index is None and not st.anchored and isinstance(first, Ref) and st.rels[:1] == ["="]:
            letters = {t[-1] for t in first.tokens if t[-1:].islower() and (len(t) == 1 or len(t) == 2)}
            found = [(letter, [k for k in range(100) if isinstance(r := substitute_index(first, letter, k), Ref)
                               and r.tokens != first.tokens and r.tokens in names and r.tokens not in defined])
                     for letter in sorted(letters) if first.tokens != (letter,)]
            found = [(letter, ks) for letter, ks in found if len(ks) >= 2]
            if len(found) == 1 and not summed_over(st, found[0][0]):
                result.extend(_expand([st], found[0]))
                continue
        result.append(st)
    stmts[:] = result


def _layer_labels(stmts: list[Statement]) -> None:
    """k^1 and k^2 in one note are two kernels, not a square: a letter written with two different
    numeric superscripts has layer labels, everywhere in the note."""
    powers: dict[str, set[int]] = {}
    for st in stmts:
        for m in st.members:
            for r in refs(m.node):
                if r.power is not None and r.tokens:
                    powers.setdefault(_base(r), set()).add(r.power)
    # a letter the note defines on its own (u = 2x − 3, then y = u³ and 3u²) is a quantity: its powers are powers
    bare = {r.tokens for st in stmts if st.members and isinstance(r := st.members[0].node, Ref) and r.power is None}
    labelled = {b for b, ps in powers.items() if len(ps) > 1 and (b,) not in bare}
    if not labelled:
        return

    def relabel(node):
        if isinstance(node, Ref) and node.power is not None and _base(node) in labelled:
            return Ref(node.tokens + (f"^{node.power}",), node.tex, node.hat)
        return node

    for st in stmts:
        st.members = [Member(m.node.rewrite(relabel), m.start, m.end) for m in st.members]
        if st.subject is not None:
            st.subject = Member(st.subject.node.rewrite(relabel), st.subject.start, st.subject.end)


def _base(r: Ref) -> str:
    return "".join(ch for ch in r.tokens[0] if not ch.isdigit())


_RELATION = re.compile(r"=|\\(rightarrow|to|Rightarrow|approx|implies|leftarrow|gets)(?![a-zA-Z])|→|←")


def _has_relation(text: str) -> bool:
    return bool(_RELATION.search(text))


def _resolve_dittos(st: Statement, history: list[Statement]) -> None:
    """`// // [x_2]`: each ditto mark repeats the factor in the same place of the line above (the
    nearest earlier line with a product of as many factors of the same kinds)."""
    for n, m in enumerate(st.members):
        fs = factors(m.node)
        if not any(isinstance(f, Opaque) and f.ditto for f in fs):
            continue
        source = _ditto_source(fs, history)
        if source is None:
            continue
        filled = [source[k] if isinstance(f, Opaque) and f.ditto else f for k, f in enumerate(fs)]
        node = filled[0]
        for f in filled[1:]:
            node = Op("*", (node, f))
        st.members[n] = Member(node, m.start, m.end)


def _kind(f) -> str:
    return "derivative" if isinstance(f, Deriv) else "value"


def _ditto_source(fs: list, history: list[Statement]) -> list | None:
    kinds = [None if isinstance(f, Opaque) and f.ditto else _kind(f) for f in fs]
    for earlier in reversed(history[-12:]):
        best = None
        for m in earlier.members:
            gs = factors(m.node)
            if len(gs) != len(fs) or any(isinstance(g, Opaque) for g in gs):
                continue
            if all(k is None or k == _kind(g) for k, g in zip(kinds, gs)):
                best = gs
        if best is not None:
            return best
    return None


def _vector(st: Statement, rows: list[Statement | None]) -> Statement:
    """`\\begin{aligned} z_1 = … \\\\ z_2 = … \\end{aligned} = W x + b`: the rows' left sides as a column."""
    heads = [r.members[0] for r in rows if r is not None and r.members]
    if not heads:
        return st
    column = Matrix(tuple((h.node,) for h in heads))
    first = Member(column, heads[0].start, heads[-1].end)
    members = [first] + [m for m in st.members if m is not st.members[0]] if st.anchored else [first] + st.members
    rels = st.rels if st.anchored else ["="] + st.rels
    return Statement(st.formula, members, rels, True, st.index, st.notes, first)


def _template(chains: list[Chain]) -> tuple[Chain, tuple[str, list[int]]] | None:
    """A trailing `(i = 1, 2, 3)` makes the formula a template for each value."""
    for ch in chains:
        if len(ch.members) == 1 and not ch.rels and isinstance(ch.members[0].node, Paren):
            items = ch.members[0].node.items
            if items and isinstance(items[0], Relation):
                rel = items[0].chain
                if len(rel.members) == 2 and isinstance(rel.members[0].node, Ref) \
                        and isinstance(rel.members[1].node, Num):
                    letter = rel.members[0].node.tokens[0]
                    values = [int(rel.members[1].node.value)]
                    values += [int(i.value) for i in items[1:] if isinstance(i, Num)]
                    return ch, (letter, values)
    return None


MAX_INSTANCES = 1000  # a formula written for a range, `(i = 1, \\dots, 100000)`, is checked on its first values


def _bounded(ranges: tuple[tuple[str, int, int], ...]) -> list[tuple[str, list[int]]]:
    """Each range's values, cut to its first few when the formula would stand for more than MAX_INSTANCES
    claims: a long range is checked on its first values, never written out in full."""
    total = 1
    for _, lo, hi in ranges:
        total *= max(0, hi - lo + 1)
    cap = max(2, int(MAX_INSTANCES ** (1 / len(ranges)))) if ranges and total > MAX_INSTANCES else None
    return [(letter, list(range(lo, (hi if cap is None else min(hi, lo + cap - 1)) + 1))) for letter, lo, hi in ranges]


def _instance(st: Statement, members: list[Member], letter: str, k: int) -> Statement:
    new = Statement(st.formula, members, list(st.rels), st.anchored, (letter, k), list(st.notes))
    new.subject = members[0] if not st.anchored else st.subject
    return new


def _expand(made: list[Statement], template: tuple[str, list[int]]) -> list[Statement]:
    letter, values = template
    out = []
    for st in made:
        for k in values:
            members = [Member(substitute_index(m.node, letter, k), m.start, m.end) for m in st.members]
            out.append(Statement(st.formula, members, list(st.rels), st.anchored, (letter, k)))
            out[-1].subject = members[0] if not st.anchored else st.subject
    return out


def as_number(node) -> Num | None:
    """A number as written, a negative one included: 0.5, -0.6, (-0.6)."""
    if isinstance(node, Num):
        return node
    if isinstance(node, Paren) and len(node.items) == 1:
        return as_number(node.items[0])
    if isinstance(node, Op) and node.kind == "neg":
        inner = as_number(node.args[0])
        if inner is not None:
            return Num(-inner.value, "-" + inner.text, inner.decimals)
    return None


def is_numeric(node) -> bool:
    """Only numbers and arithmetic: the value is what is written."""
    if isinstance(node, Num):
        return True
    if (parts := indicator(node)) is not None:  # (…) \mathbf{1}[0.51 = 0.68]
        return all(p is None or is_numeric(p) for p in parts[:3])
    if isinstance(node, Matrix):
        return all(is_numeric(e) for row in node.rows for e in row)
    if isinstance(node, Op):
        return all(is_numeric(a) for a in node.args)
    if isinstance(node, Paren):
        return len(node.items) == 1 and is_numeric(node.items[0])
    if isinstance(node, Juxt):
        return is_numeric(node.left) and is_numeric(node.right) or _numeric_call(node)
    if isinstance(node, Exp):
        return is_numeric(node.arg)
    return False


def _numeric_call(node: Juxt) -> bool:
    left = node.left
    name_ok = isinstance(left, Func) or (isinstance(left, Ref) and left.tokens in (("sigma",), ("sigmoid",), ("S",)))
    if isinstance(left, Func) and left.name in ("max", "min") and isinstance(node.right, Paren):
        return bool(node.right.items) and all(is_numeric(i) for i in node.right.items)
    return name_ok and isinstance(node.right, Paren) and len(node.right.items) == 1 and is_numeric(node.right.items[0])
