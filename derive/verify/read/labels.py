"""Names the notation decorates: layer labels in superscripts (z^{(l)}, δ^{l+1}, a^{[L-1]}), starred names
(E^*), arguments written as a label (∂J_1(θ)), a function the note names and defines (\\text{RBF}(x) = …,
f_{A,b}(a) = …), and a chain that holds only under a condition."""

from __future__ import annotations

from .ir import FUNCTION_WORDS, Deriv, Differential, Juxt, Num, Op, Paren, Ref, Unsupported, looks_callable

FUNCTION_LETTERS = ("f", "g", "F", "G", "phi", "psi", "sigma")  # w_{1,2}(x − t) is a product, f_{A,b}(x) a call
CONDITIONAL = "holds only under the condition written after it, which this checker does not evaluate"


def decorated(base, mark: str):
    """E^*, w^{*}: a starred name (an optimum, a target), not a power. (w^+ for the updated w is not read:
    the update rows it opens need parameters tied to the network before they can be judged.)"""
    if isinstance(base, Ref):
        return Ref(base.tokens + ("^*",), f"{base.tex}^{{*}}", base.hat)
    raise Unsupported("a star on something that is not a name")


def layer_label(node) -> str | None:
    """The text of a symbolic layer label: l+1, L-1, (l), [l-1], (t+1); None for anything else.
    A bare letter (δ^l) is read by the caller as before; here: a letter ± an integer, bracketed or not,
    and a bracketed letter or integer."""
    if isinstance(node, Paren) and len(node.items) == 1 and not _plain(node.items[0]):
        inner = _label_sum(node.items[0])  # (1), (l), [2] are read by the older path, as (…) too
        return None if inner is None else f"({inner})"
    if isinstance(node, Op) and node.kind in ("+", "-"):
        return _label_sum(node)
    return None


def _plain(n) -> bool:
    return isinstance(n, (Ref, Num))


def index_expression(n) -> bool:
    """l, l+1, L-1 on their own: a layer or an index, not a quantity."""
    return isinstance(n, Op) and _label_sum(n) is not None or isinstance(n, Ref) and n.tokens in INDEX_LETTERS \
        and not n.hat


INDEX_LETTERS = (("i",), ("j",), ("k",), ("l",), ("n",), ("t",))


def _label_sum(n) -> str | None:
    if isinstance(n, Ref) and len(n.tokens) == 1 and n.power is None and not n.hat and n.tokens[0].isalpha() \
            and len(n.tokens[0]) <= 2:
        return n.tokens[0]
    if isinstance(n, Num) and n.decimals == 0:
        return n.text
    if isinstance(n, Op) and n.kind in ("+", "-") and isinstance(n.args[1], Num) and n.args[1].decimals == 0:
        left = n.args[0]
        if isinstance(left, Ref) and _label_sum(left) is not None:
            return f"{left.tokens[0]}{'+' if n.kind == '+' else '-'}{n.args[1].text}"
    return None


def function_definition(n, at_head: bool) -> str | None:
    """\text{RBF}(x w) (a word in capitals, anywhere), \text{word}(x) = … (at a chain's head), f_{A_l, b_l}(a): a
    function of the note's own, defined or applied by parameters written under it; the checker has no reading
    for it (the reason), None for anything else."""
    if not (isinstance(n, Juxt) and isinstance(n.left, Ref) and isinstance(n.right, Paren)) or n.right.square \
            or looks_callable(n.left):
        return None
    head = n.left
    if "," in head.tex and "_" in head.tex and head.tokens[0] in FUNCTION_LETTERS:
        return f"{head.tex} is a function with parameters under it, which this checker does not evaluate"
    word = (at_head or head.tokens[0].isupper()) \
        and head.tex.startswith(("\\text", "\\mathrm", "\\operatorname")) and len(head.tokens) == 1 \
        and len(head.tokens[0]) > 1 and head.tokens[0] not in FUNCTION_WORDS \
        and all(r.tokens != head.tokens for r in n.right.find_all(Ref))  # output(1 − output) is a product
    return f"{head.tokens[0]}(…) is a function the note names, not a product" if word else None


def argument_label(n):
    """∂J_1(θ), dE(w), ∂ξ(t_i, y_i): what is differentiated is J_1, written with the names it depends on;
    the parentheses are a label, not a factor. A function of the note's (σ(z), f(x)) keeps its call."""
    if isinstance(n, Juxt) and isinstance(n.left, Ref) and not looks_callable(n.left) and not n.left.hat \
            and isinstance(n.right, Paren) and not n.right.square and n.right.items \
            and all(isinstance(i, Ref) for i in n.right.items):
        return n.left
    return n


def nabla_of(n) -> Ref | None:
    """The W of ∇_W (a name read as nabla with W written under it), or None."""
    if not isinstance(n, Ref) or not n.tex.startswith("\\nabla_") or not n.tokens[0].startswith("nabla"):
        return None
    tokens = n.tokens[1:] if n.tokens[0] == "nabla" else (n.tokens[0][len("nabla"):],) + n.tokens[1:]
    if not tokens or not tokens[0]:
        return None
    tex = n.tex[len("\\nabla_"):]
    return Ref(tokens, tex[1:-1] if tex.startswith("{") and tex.endswith("}") else tex, n.hat)


def is_partial(n) -> bool:
    if isinstance(n, Ref):
        return n.tokens == ("∂",)
    return isinstance(n, Differential) and n.partial


def pending_partial(n) -> bool:
    """∂, ∂x or ∂E/∂ as the last factor of a product: it takes the name written after it."""
    return (isinstance(n, Ref) and n.tokens == ("∂",)) or (isinstance(n, Differential) and n.partial) \
        or (isinstance(n, Deriv) and n.of is not None and n.wrt is None and n.partial)


def differential(n) -> tuple[object | None, bool]:
    """(what is differentiated, whether this is a differential at all): ∂L, dL_1, d(loss), d, ∂."""
    if isinstance(n, Ref):
        if n.tokens in (("∂",), ("d",)):
            return None, True
        t = n.tokens[0]
        if t.startswith("d") and len(t) > 1 and not n.hat:
            return Ref((t[1:],) + n.tokens[1:], n.tex[1:].lstrip(), n.hat, n.power), True
        return None, False
    if isinstance(n, Differential):
        inner = n.of
        if isinstance(inner, Paren) and len(inner.items) == 1:
            inner = inner.items[0]
        return argument_label(inner), True
    return None, False
