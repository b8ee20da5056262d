"""Generic derivations written with an index and no range (`L = −Σ_j y_j log a_j`, then
`∂L/∂a_j = …`) are checked on a small instance: the index runs over 1, 2, 3 in every sum that gives
it no range, and each formula in which it is free is written out for each value. The instance is
said in the report. A note that names instances itself (ŷ_1, ŷ_2) is read as it stands."""

from __future__ import annotations

from fractions import Fraction

from .indices import substitute_index
from .ir import BigSum, Chain, Exp, Func, Juxt, Member, Num, Op, Paren, Ref, Relation, refs

INSTANCE = (1, 2, 3)  # the values an index with no range takes
MAX_NAMED = 9  # instances written by the note itself are looked for up to this index


def _letter(n) -> str | None:
    """The index letter a name is, when it is one lower-case letter (i, k, t)."""
    if isinstance(n, Ref) and len(n.tokens) == 1 and len(n.tokens[0]) == 1 and n.tokens[0].islower():
        return n.tokens[0]
    return None


def _lower_end(op: BigSum) -> tuple[str, Num, str] | None:
    """(letter, start, relation) of a sum written from `letter rel start` (Σ_{t=1}, Σ_{n ∈ N} has no start)."""
    if isinstance(op.sub, Paren) and len(op.sub.items) == 1 and isinstance(op.sub.items[0], Relation):
        chain = op.sub.items[0].chain
        if len(chain.members) == 2 and isinstance(chain.members[1].node, Num):
            letter = _letter(chain.members[0].node)
            if letter is not None:
                return letter, chain.members[1].node, chain.rels[0]
    return None


def _bare_index(op: BigSum) -> str | None:
    """The index of Σ_k or of Σ_{q=1}^{n} (an upper end that is a name, not a number): a sum that gives no
    range in numbers."""
    if op.sup is None and _letter(op.sub) is not None:
        return _letter(op.sub)
    if op.sup is None and isinstance(op.sub, Paren) and len(op.sub.items) == 1 \
            and isinstance(op.sub.items[0], Relation) and op.sub.items[0].chain.rels == ["in"]:
        return _letter(op.sub.items[0].chain.members[0].node)  # Σ_{n ∈ N}: over the examples of a set
    if isinstance(op.sup, Ref) and len(op.sup.tokens) == 1 \
            and (len(op.sup.tokens[0]) == 1 or op.sup.tokens[0][0].isupper()):
        end = _lower_end(op)
        if end is not None and end[1].value == INSTANCE[0]:
            return end[0]
    return None


MAX_RANGE = 6  # a sum's own range (Σ_{t=1}^{2}) gives its letter's values up to this many


def _ranges(stmts) -> dict[str, tuple[int, ...]]:
    """The letters of sums with a range in numbers (Σ_{t=1}^{2}), with their values: a formula with t free
    (h_t = tanh(w h_{t−1} + u x_t)) is the same formula for each. A letter given two ranges is left out."""
    found: dict[str, set] = {}
    for st in stmts:
        for m in st.members:
            for n in m.node.walk():
                end = _lower_end(n) if isinstance(n, BigSum) and isinstance(n.sup, Num) else None
                if end is not None and end[2] == "=":
                    a, b = end[1].value, n.sup.value
                    if a.denominator == 1 and b.denominator == 1 and 0 <= b - a < MAX_RANGE:
                        found.setdefault(end[0], set()).add(tuple(range(int(a), int(b) + 1)))
    return {x: next(iter(v)) for x, v in found.items() if len(v) == 1}


def _letters(stmts) -> set[str]:
    return {letter for st in stmts for m in st.members for n in m.node.walk()
            if isinstance(n, BigSum) and (letter := _bare_index(n)) is not None}


INDEX_LETTERS = "ijkmnpq"  # letters a note may use as an index beside its sums' own


def _companions(stmts, letters: set[str]) -> set[str]:
    """Letters used as an index beside the sums' letters: z_j beside z_i and z_k (Σ_i …, Σ_k …) makes j an index
    too, one that runs over the same values."""
    names = {r.tokens[0] for st in stmts for m in st.members for r in refs(m.node)}
    stems: dict[str, set[str]] = {}
    for head in names:
        if len(head) >= 2 and head[-1] in INDEX_LETTERS:
            stems.setdefault(head[:-1], set()).add(head[-1])
    out: set[str] = set()
    for found in stems.values():
        if found & letters:
            out |= found
    return out - letters


def _named(stmts, letter: str) -> tuple[int, ...]:
    """The instances the note writes of names indexed by the letter (y_1, y_2 beside y_j), by index."""
    names = {r.tokens for st in stmts for m in st.members for r in refs(m.node)}
    found: set[int] = set()
    for tokens in names:
        r = Ref(tokens, "")
        for k in range(1, MAX_NAMED + 1):
            s = substitute_index(r, letter, k)
            if isinstance(s, Ref) and s.tokens != tokens and s.tokens in names:
                found.add(k)
    return tuple(sorted(found))


def _ranged(op: BigSum, letters: dict[str, tuple[int, ...]]):
    letter = _bare_index(op)
    if letter is None or letter not in letters:
        return op
    values = letters[letter]
    index = Ref((letter,), letter)
    start = Num(Fraction(values[0]), str(values[0]), 0)
    chain = Chain([Member(index, 0, 0), Member(start, 0, 0)], ["="])
    return BigSum(Paren((Relation(chain),)), Num(Fraction(values[-1]), str(values[-1]), 0))


def summed_over(st, letter: str) -> bool:
    """The statement sums over the letter somewhere (Σ_k …): k is bound in it, not free."""
    return any(isinstance(x, BigSum) and x.sub is not None and (letter,) in {r.tokens for r in refs(x.sub)}
               for m in st.members for x in m.node.walk())


def _is_softmax(node, softmax: frozenset) -> bool:
    if isinstance(node, Func):
        return node.name == "softmax"
    return isinstance(node, Ref) and (node.key in softmax or node.tokens[0].lower() == "softmax"
                                      and len(node.tokens) == 1)


def softmax_written_out(node, letter: str, values: tuple[int, ...], softmax: frozenset = frozenset()):
    """softmax(z_j) for an index j that runs over values: e^{z_j} / (e^{z_1} + … + e^{z_n}), so that each a_j
    depends on every z_k. softmax holds the keys of functions the note uses as the softmax (f^(L))."""

    def put(n):
        if isinstance(n, Juxt) and _is_softmax(n.left, softmax) and isinstance(n.right, Paren) \
                and len(n.right.items) == 1:
            arg = n.right.items[0]
            if substitute_index(arg, letter, values[0]) != arg:
                total = None
                for k in values:
                    term = Exp(substitute_index(arg, letter, k))
                    total = term if total is None else Op("+", (total, term))
                return Op("/", (Exp(arg), total))
        return n

    return node.rewrite(put)


def instantiate(stmts, make, softmax: frozenset = frozenset()) -> list:
    """The statements with every unranged index letter given the values of INSTANCE; make(st, members,
    letter, k) builds the statement for one value. The softmax of a name with the index is written out
    over its values (softmax holds the keys of functions that are the softmax besides softmax itself)."""
    summed = _letters(stmts)
    letters = {x: INSTANCE for x in sorted(summed | _companions(stmts, summed)) if not _named(stmts, x)}
    ranged = {x: values for x, values in _ranges(stmts).items() if x not in summed}
    letters.update(ranged)
    if not letters:
        return stmts

    def fix(node):
        return _ranged(node, letters) if isinstance(node, BigSum) else node

    out = []
    for st in stmts:
        members = [Member(m.node.rewrite(fix), m.start, m.end) for m in st.members]
        st.members = members
        free = [x for x in sorted(letters) if st.index is None and not summed_over(st, x)
                and any(substitute_index(m.node, x, INSTANCE[0]) != m.node for m in members)
                and not any(m.node == Ref((x,), x) or isinstance(m.node, Ref) and m.node.tokens == (x,)
                            for m in members)]  # i = j → δ_ij = 1: a case, not a formula for each i
        if not free:
            out.append(st)
            continue
        for x in free[:2]:
            st.members = [Member(softmax_written_out(m.node, x, letters[x], softmax), m.start, m.end)
                          for m in st.members]
        group = [st]
        for x in free[:2]:  # two free indices at most: 9 copies
            group = [make(g, [Member(substitute_index(m.node, x, k), m.start, m.end) for m in g.members], x, k)
                     for g in group for k in letters[x]]
        for g in group:
            why = "as its sum runs" if free[0] in ranged else "no range is given"
            g.notes.append(f"read {', '.join(free[:2])} as {', '.join(map(str, letters[free[0]]))} ({why}: each "
                           "formula with it is checked for each value)")
        out.extend(group)
    return out
