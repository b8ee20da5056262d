"""Letters written side by side: `wx` in `z = wx + b` is w times x, as TeX sets it, when the note uses
w and x on their own and never defines `wx` as a name. A run the note defines (`net = …`), a word
(`out`, `exp`), a run in `\\text{…}` and `dw`-style differentials stay names.

Likewise `e^2` in a note that defines e (e = ŷ − y, then L = e²) is the square of that e; `e^{-z}`
stays Euler's number."""

from __future__ import annotations

from fractions import Fraction

from .ir import FUNCTIONISH, NAMED_FUNCTIONS, Exp, Juxt, Member, Num, Op, Ref, refs

MAX_RUN = 4  # longer runs of letters are words (`error`, `input`), never products
WORDS = frozenset({"net", "out", "in", "err", "loss", "cost", "sum", "grad", "lr", "max", "min", "exp", "log", "ln",
                   "sin", "cos", "tan", "tanh", "relu", "sgn", "sign", "var", "std", "det", "tr", "diag", "obs",
                   "pred", "true", "new", "old", "act", "hid", "inp", "bias"})


def _run(ref: Ref) -> str | None:
    """The letters of a plain run such as `wx`, or None."""
    if len(ref.tokens) != 1 or ref.hat or ref.power is not None:
        return None
    word = ref.tokens[0]
    if not (2 <= len(word) <= MAX_RUN) or ref.tex != word or not word.isascii() or not word.isalpha():
        return None
    if word.lower() in WORDS or word in NAMED_FUNCTIONS or (word,) in FUNCTIONISH or word[0] in "dD":
        return None
    return word


def split_letter_runs(stmts) -> None:
    """Rewrite, in place, each run of letters that the note uses as a product of its letters."""
    singles: set[str] = set()
    defined: set[tuple] = set()
    runs: set[str] = set()
    for st in stmts:
        if st.rels and st.rels[0] == "=" and isinstance(st.members[0].node, Ref):
            defined.add(st.members[0].node.key)
        for m in st.members:
            for r in refs(m.node):
                if len(r.tokens) == 1 and len(r.tokens[0]) == 1 and not r.hat:
                    singles.add(r.tokens[0])
                elif (w := _run(r)) is not None:
                    runs.add(w)
    products = {w for w in runs if (w,) not in defined and all(c in singles for c in w)}
    if not products:
        return

    def split(node):
        if isinstance(node, Ref) and _run(node) in products:
            letters = [Ref((c,), c) for c in node.tokens[0]]
            out = letters[0]
            for r in letters[1:]:
                out = Juxt(out, r)
            return out
        return node

    for st in stmts:
        st.members = [Member(m.node.rewrite(split), m.start, m.end) if any(
            isinstance(r, Ref) and _run(r) in products for r in refs(m.node)) else m for m in st.members]


def _squared_e(node) -> bool:
    return isinstance(node, Exp) and isinstance(node.arg, Num) and node.arg.value in (Fraction(2), Fraction(3))


def powers_of_a_defined_e(stmts) -> None:
    """Rewrite, in place, e² and e³ as powers of the note's own e when the note defines e."""
    if not any(st.rels and st.rels[0] == "=" and isinstance(st.members[0].node, Ref)
               and st.members[0].node.key == ("e",) for st in stmts):
        return
    e = Ref(("e",), "e")

    def power(node):
        return Op("pow", (e, node.arg)) if _squared_e(node) else node

    for st in stmts:
        st.members = [Member(m.node.rewrite(power), m.start, m.end)
                      if any(_squared_e(n) for n in m.node.walk()) else m for m in st.members]
