"""What a note leaves unsaid: names it uses for quantities it defined under another name, and the
values of its inputs and parameters, read from the numbers it substitutes."""

from __future__ import annotations

import re
from collections import Counter

import sympy as sp

from ...algebra import Sigmoid
from ..read.align import align, normalize
from ..read.ir import FUNCTIONISH, Deriv, Juxt, Op, Paren, Ref, factors, refs
from ..read.names import display
from ..read.statements import as_number, is_numeric
from .definitions import convert_definitions
from .note_model import Finding, alias, definition_form, orphans
from .to_sympy import Unverifiable, to_sympy


def infer_aliases(model) -> None:
    for _ in range(2):
        convert_definitions(model)  # what the last pass made readable
        for st in model.statements:
            for i, left, rel, right in st.pairs:
                if rel != "=" or is_numeric(right.node) or is_numeric(left.node):
                    continue
                a = definition_form(model, left.node)
                _unify(model, a, right.node)
                _unify(model, right.node, a)
    _indexed_weights(model)
    _loss_terms(model)
    _bare_letters(model)
    _slips(model)


def _one_apart(a: str, b: str) -> bool:
    """b is a with one character left out (ao_o1 and a_o1, ao1 and a_o1)."""
    return len(a) == len(b) + 1 and any(a[:i] + a[i + 1:] == b and not _in_number(a, i) for i in range(len(a)))


def _in_number(a: str, i: int) -> bool:
    """The character left out is a digit of a longer number (x_5_11 is not x_5_1 with a slip: another index)."""
    return a[i].isdigit() and (i > 0 and a[i - 1].isdigit() or i + 1 < len(a) and a[i + 1].isdigit())


def _slips(model) -> None:
    """A name the note never defines that is one character away from exactly one name it does
    (ao1 beside a_o1, in a note with no other ao-name): a slip of the pen, read as that name and
    reported as a warning on every line it is used."""
    lonely = orphans(model)
    known = {k: "_".join(k) for k, q in model.quantities.items() if k not in lonely and len(k) <= 3}
    given = {st.members[0].node.key for st in model.statements  # x_{5,11} = 0.5: a name of its own
             if len(st.members) == 2 and isinstance(st.members[0].node, Ref)
             and as_number(st.members[1].node) is not None}
    for key in sorted(lonely):
        spelled = "_".join(key)
        if len(spelled) < 3 or key not in model.quantities or model.quantities[key].definition is not None \
                or key in given:
            continue
        hits = [k for k, other in known.items() if spelled.replace("_", "") == other.replace("_", "")]
        if not hits:  # ao1 is a_o1 without its underscore before it is o1 with a stray a
            hits = [k for k, other in known.items() if _one_apart(spelled, other) or _one_apart(other, spelled)]
        if len(hits) == 1 and spelled in ("d" + known[hits[0]], "d_" + known[hits[0]]):
            continue  # db beside b: the gradient's name (dW, db, dZ), not a slip of the pen
        if len(hits) == 1 and len(key) == len(hits[0]) and key[1:] == hits[0][1:] \
                and key[0][:-1] == hits[0][0] and key[0][-1] in "ijkmnpq":
            continue  # b^l_j beside b^l: an entry of the vector, not a slip of the pen
        if len(hits) != 1:
            continue
        lines = sorted({st.formula.line for st in model.statements for m in st.members
                        for r in refs(m.node) if r.key == key})
        alias(model, key, hits[0], f"{display(key)} is never defined; one character away from it")
        for line in lines:
            model.findings.append(Finding(line, "warning", f"{display(key)} is not defined anywhere: read as "
                                                           f"{display(hits[0])}, one character away"))


def _unify(model, a, b) -> None:
    pairs = align(a, b)
    if pairs is None:
        return
    lonely = None  # worked out only when a pair of names needs it
    for x, y in pairs:
        if not isinstance(x, Ref):
            continue
        qx = model.resolve(x)
        if qx is None:
            continue
        if isinstance(y, Ref):
            qy = model.resolve(y)
            if qy is None or qy.key == qx.key:
                continue
            lonely = orphans(model) if lonely is None else lonely
            if qy.key in lonely and qx.key not in lonely:
                alias(model, qy.key, qx.key, "the same place in an equal expression")
                lonely = orphans(model)
            elif qx.key in lonely and qy.key not in lonely:
                alias(model, qx.key, qy.key, "the same place in an equal expression")
                lonely = orphans(model)
        elif isinstance(y, Juxt) and isinstance(y.left, Ref) and isinstance(y.right, Paren) \
                and len(y.right.items) == 1 and isinstance(y.right.items[0], Ref):
            lonely = orphans(model) if lonely is None else lonely
            _unify_call(model, qx, y.left, y.right.items[0], lonely)


def _unify_call(model, q, fname: Ref, arg: Ref, lonely) -> None:
    """output = σ(²Z) and the note writes g(z) for output: g is σ and z is ²Z."""
    if q.definition is None or not isinstance(q.definition, Sigmoid) or fname.key in (("sigma",), ("sigmoid",)) \
            or model.function(fname) not in (None, "unknown", fname.key[0]):
        return
    known = fname.key in model.functions and model.functions[fname.key] != "unknown"
    if not known and (fname.key not in model.quantities or fname.key in lonely):
        model.functions[fname.key] = "sigma"
        model.quantities.pop(fname.key, None)
        model.readings[fname.key] = \
            f"read {display(fname.key)} as σ ({display(fname.key)}(…) stands for {display(q.key)})"
    inner = q.definition.args[0]
    qa = model.resolve(arg)
    if qa is not None and inner.is_Symbol and qa.symbol != inner and qa.definition is None \
            and qa.key not in model.values:
        target = next(k for k, v in model.quantities.items() if v.symbol == inner)
        alias(model, qa.key, target, f"{display(fname.key)}({display(arg.key)}) is {display(q.key)}")


def loss_alias(model) -> None:
    """An undefined L or E differentiated by parameters is the note's loss."""
    loss_q = None
    lonely = orphans(model)
    numerators = Counter()
    for st in model.statements:
        for m in st.members:
            for node in m.node.walk():
                if isinstance(node, Deriv) and isinstance(node.of, Ref):
                    q = model.resolve(node.of)
                    if q is not None and q.key in lonely and q.def_node is None:  # (J = … unreadable is still J)
                        numerators[q.key] += 1
    if model.loss is not None:
        loss_q = model.quantities.get(model.loss)
    if loss_q is None or loss_q.definition is None or not loss_q.definition.has(sp.Pow, sp.log):
        return  # (x₃ = f₃(W₃x₂), the last quantity of a note whose loss could not be read, is no loss)
    for key in numerators:
        if key != loss_q.key and len(key) == 1 and key[0].lower() in ("l", "e", "j", "c", "loss", "error", "cost") \
                and key[0].lower() != loss_q.key[0].lower():  # l beside L is a name of its own
            alias(model, key, loss_q.key, f"the loss, {display(loss_q.key)}")


def _loss_terms(model) -> None:
    """L_1 and L_2 in a note where L = ½(y_1 − g_1)² + ½(y_2 − g_2)²: the terms of L, in order."""
    undefined = [k for k, q in model.quantities.items() if q.definition is None]
    for key in sorted(undefined):
        m = re.match(r"^([A-Za-z]+)(\d+)$", key[0]) if len(key) == 1 else None
        if m and m.group(1).lower() not in ("l", "e", "j", "c", "loss", "error", "cost"):
            continue  # z2 beside z = wx + b is a quantity of its own, not a term of z
        whole = model.quantities.get((m.group(1),)) if m else None
        if whole is None or whole.def_node is None:
            continue
        terms = _summands(normalize(whole.def_node))
        k = int(m.group(2))
        if 1 <= k <= len(terms) and len(terms) > 1:
            try:
                expr = to_sympy(terms[k - 1], model)
            except Unverifiable:
                continue
            q = model.quantities[key]
            q.definition, q.def_node, q.def_line = expr, terms[k - 1], whole.def_line
            model.readings[key] = f"read {display(key)} as term {k} of {display(whole.key)}"


def _summands(node) -> list:
    if isinstance(node, Paren) and len(node.items) == 1:
        return _summands(node.items[0])
    if isinstance(node, Op) and node.kind == "+":
        return _summands(node.args[0]) + _summands(node.args[1])
    return [node]


def _bare_letters(model) -> None:
    """`[z − y]` in a note whose only y-quantity is y_T: the bare letter is that quantity."""
    for key in sorted(orphans(model)):
        if len(key) != 1 or len(key[0]) != 1 or not key[0].isalpha():
            continue
        letter = key[0]
        hits = [k for k in model.quantities if k != key and k[0].startswith(letter) and len(k[0]) > 1
                and not k[0][1:].isdigit() and all(t.isalnum() for t in k)]
        if len(hits) == 1:
            alias(model, key, hits[0], f"the only {letter}-quantity of the note")


_W = re.compile(r"^[wW](\d)(\d)$")


def _indexed_weights(model) -> None:
    """w_{41} in a note whose output unit has bias b_4: the weight into unit 4 from its 1st input."""
    lonely = orphans(model)
    for key in list(lonely):
        m = _W.match(key[0]) if len(key) == 1 else None
        if not m:
            continue
        j, k = int(m.group(1)), int(m.group(2))
        bias = next((q for kk, q in model.quantities.items() if len(kk) == 1 and kk[0].lower() == f"b{j}"), None)
        if bias is None:
            continue
        for q in model.quantities.values():
            d = q.definition
            if d is None or not d.is_Add or bias.symbol not in d.args:
                continue
            terms = _terms(q)
            if len(terms) >= k:
                target = model.resolve(terms[k - 1])
                if target is not None and target.key != key:
                    alias(model, key, target.key, f"the weight into the unit with bias {display(bias.key)} "
                                                   f"from its input {k}")
                break


def _terms(q) -> list:
    """The weights of an affine definition, in the order written: w_a σ(z_1) + w_b σ(z_2) + b."""
    out = []
    for term in _summands(q.def_node):
        fs = factors(term)
        names = [f for f in fs if isinstance(f, Ref) and f.key not in FUNCTIONISH]
        if len(fs) > 1 and names:
            out.append(names[0])
    return out
