"""Generic derivations over layers (`z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}`, `δ^{(L)} = a^{(L)} − y`,
`δ^{(l)} = … δ^{(l+1)}`) are checked on a small network: L layers, 3 unless the note gives their number
(`L = 4`), and each formula with a layer letter l written out for every l whose labels all fall in 0 … L.
A formula for the hidden layers (with l + 1 in it) is so checked for l = 1 … L − 1, one for every layer for
l = 1 … L, and one for the last layer at L. The network used is said in the report.

A note that also labels the same names with numbers (a worked example z^{(1)}, z^{(2)}) is read as it stands:
its generic formulas are statements about a layer l, not about the example's layers."""

from __future__ import annotations

import copy
import re

from .indices import labelled, letter_label
from .ir import Deriv, Member, Num, Ref, refs

LAYERS = 3  # the number of layers when the note does not give it
MAX_LAYERS = 6  # a note's own L = 4 is used up to this many
GENERIC = ("l", "k")  # the letters a note writes for "any layer"
LAST = ("L", "K")  # … and for the last one
_NUMBERED = re.compile(r"^\^\(?\d+\)?$")


def _label(token: str) -> tuple[str, int, bool] | None:
    """A label in a layer letter: '^(l+1)' -> ('l', 1, True); '^L-1' -> ('L', -1, False); None for anything else."""
    lab = letter_label(token)
    return lab if lab is not None and lab[0] in GENERIC + LAST else None


def _labels(node) -> list[tuple[str, int, bool]]:
    return [lab for r in refs(node) for t in r.tokens[1:] if (lab := _label(t)) is not None]


def _bases(stmts, numbered: bool) -> set[str]:
    """The names written with a letter label (numbered False) or with a number label (True)."""
    out = set()
    for st in stmts:
        for m in st.members:
            for r in refs(m.node):
                if numbered and (r.power is not None or any(_NUMBERED.match(t) for t in r.tokens[1:])):
                    out.add(r.tokens[0])
                elif not numbered and any(_label(t) is not None for t in r.tokens[1:]):
                    out.add(r.tokens[0])
    return out


def _depth(stmts) -> int:
    """The number of layers: the note's own `L = 4` (when L is not also the loss), else LAYERS."""
    for st in stmts:
        if len(st.members) == 2 and isinstance(st.members[0].node, Ref) and st.members[0].node.tokens in (
                ("L",), ("K",)) and isinstance(st.members[1].node, Num):
            v = st.members[1].node.value
            if v.denominator == 1 and 2 <= v <= MAX_LAYERS:
                return int(v)
    return LAYERS


def _put(node, layer: dict[str, int]):
    def put(n):
        if not isinstance(n, Ref):
            return n
        tokens = list(n.tokens)
        for i in range(1, len(tokens)):
            lab = _label(tokens[i])
            if lab is not None and lab[0] in layer:
                tokens[i] = labelled(layer[lab[0]] + lab[1], lab[2])
        return Ref(tuple(tokens), n.tex, n.hat, n.power) if tuple(tokens) != n.tokens else n

    return node.rewrite(put)


def _last_layer_wrt(stmts, generic: set[str]) -> None:
    """∇_a C and ∂C/∂a with a bare a, in a note that writes a only with layer labels (a^l, a^L): the output
    layer's a^L, as Nielsen's δ^L = ∇_a C ⊙ σ′(z^L) means it."""
    styles: dict[str, str] = {}
    for st in stmts:
        for m in st.members:
            for r in refs(m.node):
                for t in r.tokens[1:]:
                    lab = _label(t)
                    if lab is not None and lab[0] in LAST and r.tokens[0] not in styles:
                        styles[r.tokens[0]] = t
    bare = {st.members[0].node.tokens[0] for st in stmts
            if st.members and isinstance(st.members[0].node, Ref) and len(st.members[0].node.tokens) == 1}

    def put(n):
        if isinstance(n, Deriv) and isinstance(n.wrt, Ref) and len(n.wrt.tokens) == 1 \
                and n.wrt.tokens[0] in styles and n.wrt.tokens[0] not in bare:
            w = n.wrt
            return Deriv(n.of, Ref(w.tokens + (styles[w.tokens[0]],), w.tex, w.hat, w.power), n.partial)
        return n

    for st in stmts:
        st.members = [Member(m.node.rewrite(put), m.start, m.end) for m in st.members]


def instantiate_layers(stmts) -> list:
    """The statements with every layer letter given its layers."""
    generic = _bases(stmts, numbered=False)
    if not generic or generic & _bases(stmts, numbered=True):
        return stmts
    _last_layer_wrt(stmts, generic)
    depth = _depth(stmts)
    out = []
    used = False
    for st in stmts:
        labels = [lab for m in st.members for lab in _labels(m.node)]
        if not labels:
            out.append(st)
            continue
        last = {x: depth for x in LAST}
        letters = sorted({lab[0] for lab in labels if lab[0] in GENERIC})
        if len(letters) > 1:  # two generic layers in one formula: no one network to write it on
            out.append(st)
            continue
        copies = []
        for k in (range(1, depth + 1) if letters else (None,)):
            layer = dict(last, **({letters[0]: k} if letters else {}))
            if all(0 <= layer[x] + d <= depth for x, d, _ in labels):
                copies.append(layer)
        if not copies:
            out.append(st)
            continue
        used = True
        for layer in copies:
            new = copy.copy(st)
            new.members = [Member(_put(m.node, layer), m.start, m.end) for m in st.members]
            new.rels, new.notes = list(st.rels), list(st.notes)
            new.subject = new.members[0] if not st.anchored or st.subject is None else \
                Member(_put(st.subject.node, layer), st.subject.start, st.subject.end)
            new.notes.append(f"read the layers on a network of {depth} (L = {depth}"
                             + (f"; {letters[0]} = each layer its formula can be written for)" if letters else ")"))
            out.append(new)
    return out if used else stmts

