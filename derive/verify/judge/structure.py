"""Checks that need no numbers: the shape of a claim, judged from its notation alone.

Generic derivations (∂J/∂Θ_{ij}, ∂h_t/∂h_{t-1}, W ← W − η ∂E/∂W) cannot be instantiated on the note's
network, but their structure can still be wrong:

* free indices: an index free on one side must be free on the other (∂J/∂Θ_{ij} = a_j δ_1 leaves i on
  the left only), and an index bound by a Σ must not be used outside it;
* chains: a product of derivatives written as the chain rule must telescope (∂L/∂a · ∂a/∂z · ∂z/∂w),
  start where the left side starts and end where it ends, and after a "…" go on from where it left off;
* updates: θ ← θ − η ∂L/∂θ steps against the gradient, of the same parameter.

Only a reading that every plausible reading shares is called wrong; a looser one is a warning that says
which reading it used. A structure that holds is not a claim checked: nothing is said then.
"""

from __future__ import annotations

import re

from ..model.note_model import NoteModel
from ..read.indices import parse_linear
from ..read.ir import GREEK_NAMES, BigSum, Deriv, Juxt, Matrix, Member, Node, Num, Op, Opaque, Paren, Ref, Relation
from ..read.ir import factors as product_factors
from ..read.names import is_learning_rate
from ..read.statements import Statement
from .verdict import Judgement, Stage, Status, warning, wrong

INDEX_LETTERS = frozenset("ijklmnt")  # letters notes use as running indices (W_{hh}, b_y are labels)
MAX_DEPTH = 200      # deeper formulas are not judged here
MAX_FACTORS = 16     # a longer product is not read as a chain
UPDATE_WORDS = ("\\leftarrow", "\\gets", "←", ":=", "\\coloneqq", "\\mathrel{:}=")
ASCENT_WORDS = ("maximi", "ascent", "reward", "likelihood", "utility")
LEARNING_RATES = frozenset({("eta",), ("alpha",), ("epsilon",), ("lr",), ("mu",), ("gamma",)})
_GROUP = re.compile(r"([_^])\{([^{}]*)\}")
_SUBSCRIPTED_GROUP = re.compile(r"[)\]]\s*_")  # (δ a^T)_{ij}: an index on a group, which the IR drops
_TRAILING_DIGITS = re.compile(r"([A-Za-z]+)(\d+)")
_UNICODE = {v: k for k, v in GREEK_NAMES.items()} | {"Theta": "Θ", "Gamma": "Γ", "Lambda": "Λ", "Phi": "Φ",
                                                     "Psi": "Ψ", "Omega": "Ω", "Pi": "Π", "Xi": "Ξ"}


class _TooDeep(Exception):
    pass


def review(j: Judgement | None, st: Statement, i: int, left: Member, right: Member, model: NoteModel,
           note_text: str) -> Judgement | None:
    """The judgement of one relation with its structure taken into account: a wrong structure decides a
    claim nothing else could decide (or only warned about); a verdict reached on the note's own
    semantics (correct or wrong) stands."""
    if j is not None and j.status in (Status.CORRECT, Status.WRONG):
        return j
    try:
        s = judge_structure(st, i, left, right, model, note_text)
    except (_TooDeep, RecursionError):
        return j
    if s is None or (j is not None and j.status == Status.WARNING and s.status == Status.WARNING):
        return j
    return s


def judge_structure(st: Statement, i: int, left: Member, right: Member, model: NoteModel,
                    note_text: str) -> Judgement | None:
    a, b = left.node, right.node
    if st.rels[i] != "=" or not isinstance(a, Node) or not isinstance(b, Node):
        return None  # an arrow maps, an inequality bounds: only an equality has two sides to agree
    f = st.formula
    rel_text = "" if (st.anchored and i == 0) else \
        note_text[f.start + left.end: f.start + right.start] if f.origin else f.text[left.end:right.start]
    found = _update(a, b, rel_text, note_text)
    if found is not None:
        return found
    found = _chain(st, a, b, model)
    if found is not None:
        return found
    if _SUBSCRIPTED_GROUP.search(st.formula.text):
        return None
    return _indices(st, a, b, model)


# --- names ----------------------------------------------------------------------------------------


def _parts(ref: Ref) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """A name as (base, subscript indices, superscript labels), read from its TeX: Θ_{ij} is
    ("Theta", ("i", "j"), ()), h_{[t-1]} is ("h", ("[t-1]",), ()), W^{(2)} is ("W", (), ("2",))."""
    tex = ref.tex
    first = _GROUP.search(tex)
    base = tex[:first.start()] if first else tex
    base = base.replace("\\", "").replace("'", "").replace(" ", "").replace("{", "").replace("}", "")
    subs: list[str] = []
    sups: list[str] = []
    for m in _GROUP.finditer(tex):
        parts = m.group(2).split()
        if m.group(1) == "_":
            subs.extend(parts)
        else:
            sups.extend(p.strip("()") for p in parts)
    if not first:
        m = _TRAILING_DIGITS.fullmatch(base)
        if m:
            base, subs = m.group(1), [m.group(2)]
    return base + ("^" if ref.hat else ""), tuple(subs), tuple(sups)


def _letters_of(token: str, pairs: bool) -> list[str]:
    if token.startswith("[") and token.endswith("]"):
        form = parse_linear(token[1:-1])
        return sorted(k for k, c in (form or {}).items() if k and c and k in INDEX_LETTERS)
    if len(token) == 1 and token in INDEX_LETTERS:
        return [token]
    if pairs and len(token) == 2 and all(c in INDEX_LETTERS for c in token):
        return list(token)
    return []


def _index_letters(ref: Ref) -> list[str]:
    """The running indices a name carries: y_i → i, Θ_{ij} → i, j, h_{t-1} → t, a^{(l)} → l."""
    if ref.power is not None and not _GROUP.search(ref.tex):
        return []
    _, subs, sups = _parts(ref)
    out: list[str] = []
    for t in subs:
        out.extend(_letters_of(t, pairs=True))
    for t in sups:
        if t.lower() not in ("new", "old"):
            out.extend(_letters_of(t, pairs=False))
    return out


def show(ref) -> str:
    """A name as the note writes it, in plain text: y_i, Θ_{ij}, h_{t-1}, W^(2)."""
    if isinstance(ref, Deriv):
        d = "∂" if ref.partial else "d"
        return f"{d}{show(ref.of)}/{d}{show(ref.wrt)}" if ref.of is not None else f"{d}/{d}{show(ref.wrt)}"
    if not isinstance(ref, Ref):
        return "…"
    base, subs, sups = _parts(ref)
    hat = base.endswith("^")
    base = base.rstrip("^")
    base = _UNICODE.get(base, base) + ("̂" if hat else "")
    sub = "".join(s.strip("[]") for s in subs) if all(len(s) == 1 for s in subs) else ",".join(
        s.strip("[]") for s in subs)
    text = base + (f"_{sub}" if len(sub) == 1 else f"_{{{sub}}}" if sub else "")
    return text + "".join(f"^({s})" if s.isdigit() else f"^{s}" for s in sups)


def _index_value(token: str) -> dict[str, int] | None:
    """An index as a linear form: "2" → {"": 2}, "t" → {"t": 1}, "[t-1]" → {"t": 1, "": -1}."""
    if token.isdigit():
        return {"": int(token)}
    if token.startswith("[") and token.endswith("]"):
        return parse_linear(token[1:-1])
    if len(token) == 1 and token.isalpha():
        return {token: 1}
    return None


def _offset(a: str, b: str) -> int | None:
    """b − a when the two indices differ by a known number (t-1 and t: −1; 3 and 1: −2), else None."""
    x, y = _index_value(a), _index_value(b)
    if x is None or y is None:
        return None
    if {k: v for k, v in x.items() if k} != {k: v for k, v in y.items() if k}:
        return None
    return y.get("", 0) - x.get("", 0)


def _family(ref: Ref) -> tuple | None:
    """(base, superscripts, its one subscript index) for a member of an indexed family such as h_t."""
    base, subs, sups = _parts(ref)
    if len(subs) != 1 or _index_value(subs[0]) is None:
        return None
    return base, sups, subs[0]


def _distinct(a: Ref, b: Ref) -> bool:
    """Certainly two different quantities of one family: h_2 and h_1, h_t and h_{t-1}, W^(1) and W^(2)."""
    pa, pb = _parts(a), _parts(b)
    if pa[0] != pb[0] or len(pa[1]) != len(pb[1]) or len(pa[2]) != len(pb[2]) or pa == pb:
        return False
    for x, y in zip(pa[1] + pa[2], pb[1] + pb[2]):
        if x != y and not _offset(x, y):
            return False  # i and j, t and 1: an index that may take the other's value
    return True


def _same(a, b, model: NoteModel) -> bool:
    if not (isinstance(a, Ref) and isinstance(b, Ref)):
        return False
    if a.key == b.key or _parts(a) == _parts(b):
        return True
    ka, kb = model.aliases.get(a.key, a.key), model.aliases.get(b.key, b.key)
    if ka == kb:
        return True
    qa, qb = model.quantities.get(ka), model.quantities.get(kb)
    return qa is not None and qb is not None and (qa.definition == qb.symbol or qb.definition == qa.symbol)


# --- free indices ---------------------------------------------------------------------------------


def _product(node, depth: int) -> list:
    """The operands of a product written side by side or with ·, in the order written."""
    if depth > MAX_DEPTH:
        raise _TooDeep()
    if isinstance(node, Juxt):
        return _product(node.left, depth + 1) + _product(node.right, depth + 1)
    if isinstance(node, Op) and node.kind == "*":
        return _product(node.args[0], depth + 1) + _product(node.args[1], depth + 1)
    return [node]


def _sum_letters(s: BigSum) -> set[str]:
    sub = s.sub
    if isinstance(sub, Paren) and len(sub.items) == 1:
        sub = sub.items[0]
    if isinstance(sub, Relation) and sub.chain.members:
        sub = sub.chain.members[0].node
    if isinstance(sub, Ref) and len(sub.tokens) == 1 and sub.tokens[0] in INDEX_LETTERS:
        return {sub.tokens[0]}
    return set()


class _Uses:
    """The index letters used free in one side of a claim, and the sums that bind letters in it."""

    def __init__(self, node: Node):
        self.free: list[tuple[str, Ref]] = []
        self.indexed: list[Ref] = []  # every name with a subscript, running or fixed (δ_1)
        self.sums: list[tuple[set[str], bool]] = []  # (letters bound, the summand is one parenthesised group)
        self.dots = False
        self.opaque = False
        self._walk(node, frozenset(), 0)

    def _walk(self, node, bound: frozenset, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _TooDeep()
        if isinstance(node, Juxt) or (isinstance(node, Op) and node.kind == "*"):
            fs = _product(node, depth)
            if any(isinstance(f, BigSum) for f in fs):
                self._product(fs, bound, depth)
                return
        if isinstance(node, BigSum):
            if node.sup is not None:
                self._walk(node.sup, bound, depth + 1)
            return
        if isinstance(node, Ref):
            if _parts(node)[1]:
                self.indexed.append(node)
            self.free.extend((x, node) for x in _index_letters(node) if x not in bound)
            return
        if isinstance(node, Opaque):
            self.dots = True
        if isinstance(node, Matrix):
            self.opaque = True
        for c in node.children():
            self._walk(c, bound, depth + 1)

    def _product(self, fs: list, bound: frozenset, depth: int) -> None:
        """A Σ binds its letter over the rest of the product it stands in (Σ_t a_t · b_t), up to the next + or −."""
        for k, f in enumerate(fs):
            if isinstance(f, BigSum):
                letters = _sum_letters(f)
                rest = fs[k + 1:]
                self.sums.append((letters, len(rest) == 1 and isinstance(rest[0], Paren) and not rest[0].square))
                if f.sup is not None:
                    self._walk(f.sup, bound, depth + 1)
                bound = bound | letters
            else:
                self._walk(f, bound, depth + 1)

    def letters(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for x, _ in self.free:
            out[x] = out.get(x, 0) + 1
        return out

    def names(self) -> str:
        return ", ".join(dict.fromkeys(show(r) for r in self.indexed))

    def with_letter(self, x: str) -> list[str]:
        return list(dict.fromkeys(show(r) for y, r in self.free if y == x))


def _constant(x: str, model: NoteModel, st: Statement) -> bool:
    """A letter the note gives a value or a definition (t = 3), or one this statement was written out for."""
    if st.index is not None and st.index[0] == x:
        return True
    q = model.quantities.get((x,))
    return (x,) in model.values or (q is not None and q.definition is not None)


def _indices(st: Statement, a: Node, b: Node, model: NoteModel) -> Judgement | None:
    ua, ub = _Uses(a), _Uses(b)
    if ua.opaque or ub.opaque:
        return None
    la, lb = ua.letters(), ub.letters()
    found = _escape(ua, la, lb, "left", model, st) or _escape(ub, lb, la, "right", model, st)
    if found is not None:
        return found
    if not ub.free and not ub.sums and not any(isinstance(n, Ref) for n in b.walk()):
        return None  # a number on the other side: nothing to carry an index
    for x in sorted(la):
        if x in lb or la[x] > 1 or _constant(x, model, st) or ub.dots:
            continue  # a letter written twice on one side may be summed over (z_i = W_{ij} x_j)
        if any(x in letters for letters, _ in ub.sums):
            continue  # L_i = (1/n) Σ_i (y_i − g_i)²: the left's i may be a label, not the summed index
        has = bool(ub.free) or any(letters for letters, _ in ub.sums)
        if has:  # an index-free right side may be the same value for every x (A_1^{(k)} = ones(N, 1))
            where = ", ".join(ua.with_letter(x))
            return wrong(Stage.STRUCTURE, f"{x} is free on the left (in {where}) but not on the right, whose "
                                          f"indices are {_indices_text(ub)}: the right side cannot depend on {x}")
    return None


def _indices_text(u: _Uses) -> str:
    text = u.names()
    bound = sorted({x for letters, _ in u.sums for x in letters})
    if bound:
        text = (text + "; " if text else "") + "summed over " + ", ".join(bound)
    return text


def _escape(u: _Uses, mine: dict, other: dict, side: str, model: NoteModel, st: Statement) -> Judgement | None:
    """An index bound by a Σ on this side and also used outside it, with no such free index on the other side."""
    for x in sorted(mine):
        sums = [paren for letters, paren in u.sums if x in letters]
        if not sums or x in other or _constant(x, model, st):
            continue
        names = ", ".join(u.with_letter(x))
        other_side = "right" if side == "left" else "left"
        if all(sums):
            return wrong(Stage.STRUCTURE, f"the sum over {x} ends at its closing parenthesis, so {names} after it "
                                          f"use {x} outside the sum, and the {other_side} side has no {x}")
        return warning(Stage.STRUCTURE, f"reading the sum over {x} as ending where its first term does, {names} "
                                        f"use {x} outside it and the {other_side} side has no {x}; if the sum runs "
                                        f"to the end, write its terms in parentheses")
    return None


# --- chains of derivatives ------------------------------------------------------------------------


def _terms(node) -> list:
    """The terms of a sum, at the top level, signs dropped."""
    if isinstance(node, Op) and node.kind in ("+", "-"):
        return _terms(node.args[0]) + _terms(node.args[1])
    if isinstance(node, Op) and node.kind == "neg":
        return _terms(node.args[0])
    return [node]


def _is_dots(n) -> bool:
    return isinstance(n, Opaque) and not n.ditto and "…" in n.reason


def _link(d) -> bool:
    return isinstance(d, Deriv) and isinstance(d.of, Ref) and isinstance(d.wrt, Ref)


def _chain(st: Statement, a, b, model: NoteModel) -> Judgement | None:
    target = a if isinstance(a, Deriv) else st.subject.node if st.subject is not None else None
    if not (_link(target)):
        target = None
    for term in _terms(b):
        fs = product_factors(term)
        if len(fs) > MAX_FACTORS or not all(_link(f) or _is_dots(f) for f in fs):
            continue
        ds = [f for f in fs if isinstance(f, Deriv)]
        if len(ds) < 2 or _is_dots(fs[0]) or _is_dots(fs[-1]):
            continue
        found = _telescope(fs, ds, target, model)
        if found is not None:
            return found
    return None


def _path(ds: list[Deriv], start, end, model: NoteModel) -> bool:
    """Whether the factors, in some order, make one path from start to end (None: anywhere)."""
    def walk(at, left: list[Deriv], depth: int) -> bool:
        if depth > MAX_FACTORS:
            return False
        if not left:
            return end is None or _same(at, end, model)
        return any(walk(d.wrt, left[:k] + left[k + 1:], depth + 1)
                   for k, d in enumerate(left) if at is None or _same(at, d.of, model))
    return walk(start, ds, 0)


def _telescope(fs: list, ds: list[Deriv], target: Deriv | None, model: NoteModel) -> Judgement | None:
    start, end = (target.of, target.wrt) if target is not None else (None, None)
    dotted = any(_is_dots(f) for f in fs)
    if not dotted and _path(ds, start, end, model):
        return None
    if not dotted and _path(ds, None, None, model):
        return _ends(ds, target, model, reordered=True)
    if dotted and _reads_backwards(fs, model):
        return None
    visited: list[Ref] = []
    prev: Deriv | None = None
    gap = False
    for f in fs:
        if _is_dots(f):
            gap = True
            continue
        if prev is not None:
            found = _across(prev, f, visited, ds, model) if gap else _step(prev, f, model)
            if found is not None:
                return found
        visited.append(f.of)
        prev, gap = f, False
    return _ends(ds, target, model, reordered=False)


def _step(prev: Deriv, d: Deriv, model: NoteModel) -> Judgement | None:
    if _same(prev.wrt, d.of, model):
        return None
    message = f"the chain reaches {show(prev.wrt)} at {show(prev)} and goes on from {show(d.of)} at {show(d)}"
    if _distinct(prev.wrt, d.of):
        return wrong(Stage.STRUCTURE, message + ": the factors do not telescope", _fixed(d, prev.wrt))
    return warning(Stage.STRUCTURE, message + f"; reading {show(prev.wrt)} and {show(d.of)} as different "
                                              f"quantities, the factors do not telescope")


def _across(prev: Deriv, d: Deriv, visited: list[Ref], ds: list[Deriv], model: NoteModel) -> Judgement | None:
    """The factor after a "…" must go on from where the chain had got to, not from a node it has left."""
    if _same(prev.wrt, d.of, model):
        return None
    back = any(_same(v, d.of, model) for v in visited)
    if not back:
        fa, fb = _family(prev.wrt), _family(d.of)
        step = _stride(ds)
        if fa is None or fb is None or fa[:2] != fb[:2] or step is None:
            return None
        moved = _offset(fa[2], fb[2])
        if moved is None or moved * step >= 0:
            return None
    expected = _expected_after(d, ds)
    return wrong(Stage.STRUCTURE, f"after “…” the chain, which had reached {show(prev.wrt)}, starts again from "
                                  f"{show(d.of)}: {show(d)} counts steps already taken"
                 + (f"; the factor that reaches {show(d.wrt)} is {expected}" if expected else ""), expected)


def _stride(ds: list[Deriv]) -> int | None:
    """How far each factor moves along an indexed family (∂h_t/∂h_{t-1}: −1), from the first factor that
    steps within one."""
    for d in ds:
        fa, fb = _family(d.of), _family(d.wrt)
        if fa is not None and fb is not None and fa[:2] == fb[:2]:
            k = _offset(fa[2], fb[2])
            if k:
                return k
    return None


def _expected_after(d: Deriv, ds: list[Deriv]) -> str | None:
    """∂h_2/∂h_1 for a factor ∂h_t/∂h_1 of a chain that steps by −1."""
    step, fam = _stride(ds), _family(d.wrt)
    form = _index_value(fam[2]) if fam is not None else None
    if step is None or form is None:
        return None
    form = dict(form)
    form[""] = form.get("", 0) - step
    index = "".join(f"{'+' if c > 0 and n else ''}{'-' if c < 0 else ''}{abs(c) if abs(c) != 1 or not n else ''}{n}"
                    for n, c in sorted(form.items(), key=lambda kv: kv[0] == "") if c or not n)
    index = index.lstrip("+") or "0"
    name = show(d.wrt)
    base = name.split("_", 1)[0]
    shown = f"{base}_{index}" if len(index) == 1 else f"{base}_{{{index}}}"
    p = "∂" if d.partial else "d"
    return f"{p}{shown}/{p}{name}"


def _fixed(d: Deriv, of: Ref) -> str:
    p = "∂" if d.partial else "d"
    return f"{p}{show(of)}/{p}{show(d.wrt)}"


def _reads_backwards(fs: list, model: NoteModel) -> bool:
    """∂z/∂w ⋯ ∂L/∂a: a chain written from its end, each factor taking over the one after it."""
    prev = None
    for f in fs:
        if _is_dots(f):
            prev = None
            continue
        if prev is not None and not _same(prev.of, f.wrt, model):
            return False
        prev = f
    return True


def _ends(ds: list[Deriv], target: Deriv | None, model: NoteModel, reordered: bool) -> Judgement | None:
    """A chain for ∂L/∂w starts at L and ends at w (only a certainly different name is an error)."""
    if target is None:
        return None
    first, last = ds[0].of, ds[-1].wrt
    if reordered:
        heads = [d.of for d in ds if not any(_same(d.of, e.wrt, model) for e in ds)]
        tails = [d.wrt for d in ds if not any(_same(d.wrt, e.of, model) for e in ds)]
        if len(heads) != 1 or len(tails) != 1:
            return None
        first, last = heads[0], tails[0]
    for got, want, what in ((first, target.of, "starts at"), (last, target.wrt, "ends at")):
        if not _same(got, want, model) and _distinct(got, want):
            return wrong(Stage.STRUCTURE, f"the chain for {show(target)} {what} {show(got)}, not at {show(want)}",
                         show(target))
    return None


# --- update rules ---------------------------------------------------------------------------------


def _update(a, b, rel_text: str, note_text: str) -> Judgement | None:
    """θ ← θ − η ∂L/∂θ (also :=, θ^{new}, θ', θ^+, θ_{t+1} = θ_t − …)."""
    if not (isinstance(a, Ref) and isinstance(b, Op) and b.kind in ("+", "-")):
        return None
    param, step = b.args
    if isinstance(param, Paren) and len(param.items) == 1:
        param = param.items[0]
    if not isinstance(param, Ref) or not _updates(a, param, rel_text):
        return None
    sign = 1 if b.kind == "+" else -1
    fs = []
    for f in product_factors(step):
        while isinstance(f, Paren) and len(f.items) == 1 and not f.square:
            f = f.items[0]
        while isinstance(f, Op) and f.kind == "neg":
            sign, f = -sign, f.args[0]
        fs.extend(product_factors(f) if isinstance(f, (Juxt, Op)) and not isinstance(f, Deriv) else [f])
    ds = [f for f in fs if isinstance(f, Deriv)]
    rates = [f for f in fs if isinstance(f, Ref) and (f.key in LEARNING_RATES or is_learning_rate(f.key))]
    if len(ds) != 1 or not _link(ds[0]) or not rates or any(not isinstance(f, (Deriv, Ref, Num)) for f in fs):
        return None
    d, rate = ds[0], rates[0]
    if any(isinstance(f, Num) and f.value < 0 for f in fs):
        return None
    if sign > 0 and not any(w in note_text.lower() for w in ASCENT_WORDS):
        return wrong(Stage.STRUCTURE, f"the update of {show(a)} steps along the gradient {show(d)}, not against "
                                      f"it: + {show(rate)} {show(d)} increases {show(d.of)}, and the note minimises it",
                     f"{show(param)} - {show(rate)} {show(d)}")
    if _distinct(d.wrt, param):
        return wrong(Stage.STRUCTURE, f"the update of {show(param)} uses the gradient with respect to "
                                      f"{show(d.wrt)}, another parameter", f"{show(param)} - {show(rate)} "
                                                                          f"∂{show(d.of)}/∂{show(param)}")
    return None


def _updates(a: Ref, param: Ref, rel_text: str) -> bool:
    """Whether `a rel param − …` is an update of param: an arrow or :=, a new-value mark on a (θ', θ^{new},
    θ^+), the same name on both sides, or a step index (θ_{t+1} = θ_t − …)."""
    pa, pp = _parts(a), _parts(param)
    if pa[0].lower() != pp[0].lower():
        return False
    if any(w in rel_text for w in UPDATE_WORDS) or a.key == param.key:
        return True
    if "^new" in a.tokens:
        return True
    if len(pa[1]) == len(pp[1]) and pa[2] == pp[2]:
        moved = [(x, y) for x, y in zip(pa[1], pp[1]) if x != y]
        return len(moved) == 1 and _offset(moved[0][1], moved[0][0]) == 1
    return False
