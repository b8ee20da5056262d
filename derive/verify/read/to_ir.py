"""Parse trees to the intermediate form: a lark Transformer whose methods are the grammar's aliases.

The grammar parses by shape; here the shapes get their notational meaning where that needs no
knowledge of the note (a fraction whose parts start with d or ∂ is a derivative, `\\text{net } o_1`
is one name, `e^{...}` is the exponential). What needs the note's definitions (is `h1 (1 - h1)` a
product or a call, is `z^1` a power or a label) is left to the model.

A shape the intermediate form has no place for raises `Unsupported`. Inside a transformation it is
carried as a value (`_Failed`) up to the first method that needs it, so that a script nobody reads
(the label under `\\underbrace{…}_{…}`) cannot make a formula unreadable.
"""

from __future__ import annotations

import re
from fractions import Fraction

from lark import Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedInput, VisitError

from .indices import index_part
from .ir import (
    FUNCTION_WORDS,
    FUNCTIONISH,
    GREEK_NAMES,
    INEQUALITIES,
    OPERATOR_NAMES,
    PRIMED_WORDS,
    SET_RELATIONS,
    BigSum,
    Chain,
    Declare,
    Deriv,
    Differential,
    Exp,
    Func,
    Juxt,
    LeftLabel,
    Matrix,
    Member,
    Num,
    Op,
    Opaque,
    Paren,
    Ref,
    Relation,
    Unsupported,
    looks_callable,
    number,
)
from .labels import (
    CONDITIONAL,
    decorated,
    differential,
    index_expression,
    is_partial,
    layer_label,
    nabla_of,
    pending_partial,
)
from .parse import parser

_TEXT = re.compile(r"\\([a-zA-Z*]+)\s*\{([^{}]*)\}")
_BLANKS = " \t\r\n"  # what the grammar ignores between tokens
EMPTY_GROUP = Paren(())  # `{}`: no value where a script or an argument is expected (None there)
SET_KINDS = frozenset(SET_RELATIONS.values())
TRANSPOSE = (("top",), ("intercal",), ("T",))


class _Failed:
    """An Unsupported met while building a subtree, raised where its value is needed."""

    __slots__ = ("error",)

    def __init__(self, error: Unsupported):
        self.error = error


class _Rel:
    """A relation between two members of a chain, with its place in the formula."""

    __slots__ = ("kind", "start", "end")

    def __init__(self, kind: str, start: int, end: int):
        self.kind, self.start, self.end = kind, start, end


def _call(f, data, children, meta):
    """Every method: children first (the first failure among them is the result, unless the method
    takes its scripts lazily), then the method itself, whose Unsupported becomes a failure."""
    if not getattr(f, "lazy", False):
        for c in children:
            if isinstance(c, _Failed):
                return c
    try:
        return f(meta, *children) if getattr(f, "with_meta", False) else f(*children)
    except Unsupported as e:
        return _Failed(e)


def _with_meta(f):
    f.with_meta = True
    return f


def _lazy(f):
    f.lazy = True
    return f


def _needed(x):
    """The value of a script or group where it is used: raises what building it met."""
    if isinstance(x, _Failed):
        raise x.error
    return None if x is EMPTY_GROUP else x


@v_args(wrapper=_call)
class ToIR(Transformer):
    """Tree -> intermediate form, one method per alias of grammar.lark."""

    def __init__(self, text: str):
        super().__init__(visit_tokens=False)
        self.source = text

    def __default__(self, data, children, meta):
        raise Unsupported(f"notation {data}")

    # chains and relations ------------------------------------------------------------------------

    def start(self, *children):
        out = []
        for c in children:
            if isinstance(c, Chain):
                out.append(c)
            elif isinstance(c, Token) and c.type == "COND" and out:
                out[-1].notes.append(CONDITIONAL)  # D := … \text{if} j = 0: a case, not the definition
        return out

    @_lazy
    @_with_meta
    def chain(self, meta, *children):
        members: list[Member] = []
        rels: list[str] = []
        leading = False
        expect_member = True
        declared = False  # after W \in \mathbb{R}^{m×n}: a shape nobody evaluates may be any notation
        for i, child in enumerate(children):
            if isinstance(child, _Failed):
                if not declared:
                    return child
                child = Opaque("a declaration's set")
            if isinstance(child, _Rel):
                declared = declared or child.kind in SET_KINDS
                rels.append(child.kind)
                leading = leading or i == 0
                expect_member = True
            else:
                start = children[i - 1].end if i else meta.start_pos
                end = children[i + 1].start if i + 1 < len(children) else meta.end_pos
                members.append(Member(child, self._skip(start), self._back(end)))
                expect_member = False
        if not leading:  # l+1 \to l: a step between layers, not an equality
            rels = ["maps" if r == "->" and i + 1 < len(members) and index_expression(members[i].node)
                    and index_expression(members[i + 1].node) else r for i, r in enumerate(rels)]
        return Chain(members, rels, leading, expect_member and bool(members), meta.start_pos)

    def _skip(self, pos: int) -> int:
        while pos < len(self.source) and self.source[pos] in _BLANKS:
            pos += 1
        return pos

    def _back(self, pos: int) -> int:
        while pos > 0 and self.source[pos - 1] in _BLANKS:
            pos -= 1
        return pos

    @_lazy
    @_with_meta
    def rel(self, meta, tok, *_label):  # the label over an arrow is not read
        return _Rel(_relation(tok), meta.start_pos, meta.end_pos)

    def args(self, *chains):
        return tuple(Relation(c) if c.rels else c.members[0].node for c in chains if isinstance(c, Chain))

    def group(self, items=None):
        if items is None:
            return EMPTY_GROUP
        node = Paren(items) if len(items) != 1 or isinstance(items[0], Relation) else items[0]
        return Paren(()) if node is EMPTY_GROUP else node  # {{}}: a group holding an empty one

    # arithmetic ----------------------------------------------------------------------------------

    def add(self, a, _plus, b):
        return Op("+", (a, b))

    def sub(self, a, _minus, b):
        return Op("-", (a, b))

    def mul(self, a, _times, b):
        return Op("*", (a, b))

    def div(self, num, _slash, den):
        if isinstance(num, Op) and num.kind in ("*", "/") and pending_partial(num.args[1]) \
                and differential(den)[1]:  # a · ∂E/∂w: the slash joins the ∂s, not the product
            return Op(num.kind, (num.args[0], self.div(num.args[1], _slash, den)))
        (of, num_diff), (wrt, den_diff) = differential(num), differential(den)
        if num_diff and den_diff:  # \partial L / \partial w_5: a derivative written with a slash
            return Deriv(of, wrt, partial=is_partial(num))
        return Op("/", (num, den))

    def otherop(self, a, op, b):
        if str(op) in ("\\odot", "⊙", "\\circ", "∘"):  # ∘ between vectors is the Hadamard product, as ⊙
            return Op("hadamard", (a, b))
        return Opaque(f"the operator {op} is notation this checker does not evaluate")

    def imul(self, left, right):
        return _juxt(left, right)

    def neg(self, _minus, x):
        return Op("neg", (x,))

    def unary(self, _plus, x):
        return x

    # scripts and primes --------------------------------------------------------------------------

    @_lazy
    def subscript(self, base, script):
        if isinstance(base, _Failed):
            return base
        return _subscript(base, script)

    @_lazy
    def superscript(self, base, script):
        if isinstance(base, _Failed):
            return base
        return _superscript(base, script)

    def decorated(self, base, mark):
        return decorated(base, str(mark))

    def prime(self, base, _tick):
        if isinstance(base, Func):
            return Func(base.name, base.prime + 1, base.label)
        if isinstance(base, Ref) and base.tokens in (("sigma",), ("S",), ("g",), ("f",)):
            return Func("sigma" if base.tokens == ("sigma",) else base.tokens[0], 1)
        if isinstance(base, Ref) and len(base.tokens) == 1 and re.fullmatch(r"(?:f|g|phi)\d{1,2}", base.tokens[0]):
            return Func(base.tokens[0], 1)  # f_3'(W_3 x_2): the slope of layer 3's activation
        if isinstance(base, Ref) and len(base.tokens) == 1 and base.tokens[0].lower() in PRIMED_WORDS:
            return Func(PRIMED_WORDS[base.tokens[0].lower()], 1)  # \text{ReLU}'(z), \mathrm{sigmoid}'(z)
        if isinstance(base, Ref) and base.power is None and "^new" not in base.tokens:
            return Ref(base.tokens + ("^new",), base.tex + "'", base.hat)  # w_1' = w_1 − η ∂L/∂w_1: the new w_1
        raise Unsupported("a prime on something that is not a function")

    def prime_script(self, _tick):
        return Func("prime")

    def new_script(self, _plus):
        return Func("new")  # θ^{+}, w^+: the value after the step

    # atoms ---------------------------------------------------------------------------------------

    def num(self, tok):
        return number(str(tok))

    def name(self, tok):
        return token(tok)

    def greek(self, tok):
        return token(tok)

    def text(self, tok):
        return token(tok)

    def accent(self, _accent, group):
        inner = token(group) if isinstance(group, Token) else _needed(group)  # \hat y: the next letter
        if inner is None:
            return Ref(("?",), "\\hat{}", hat=True)
        if isinstance(inner, Ref):
            return Ref(inner.tokens, inner.tex, hat=True)
        raise Unsupported("an accent on an expression")

    def paren(self, items):
        return Paren(items)

    def brack(self, items):
        return Paren(items, square=True)

    def frac(self, _frac, num, den):
        return _frac_of(_needed(num), _needed(den))

    def over(self, num, _over, den):  # {a \over b}: the plain-TeX fraction
        return _frac_of(num, den)

    def frac_digits(self, _frac, digits):  # \frac12: TeX takes one digit for each part
        text = str(digits)
        if len(text) != 2 or not text.isdigit():
            raise Unsupported("a fraction whose parts are not in braces")
        return Op("/", (number(text[0]), number(text[1])))

    def sqrt(self, _sqrt, group):
        return Op("pow", (_needed(group), Num(Fraction(1, 2), "1/2", 0)))

    def func(self, tok):
        word = str(tok).lstrip("\\")
        return Func(FUNCTION_WORDS.get(word, word))

    def bigop(self, _op):
        return BigSum(None, None)

    def brace(self, _brace, group):
        return _needed(group)

    def partial(self, _partial):
        return Ref(("∂",), "\\partial")

    def dots(self, _dots):
        return Opaque("… stands for terms that are not written out")

    def ditto(self, _ditto):
        return Opaque("ditto mark", ditto=True)

    def other(self, op):
        return Opaque(f"the operator {op} is notation this checker does not evaluate")

    def mrow(self, *entries):
        return entries

    def matrix(self, *children):
        return Matrix(tuple(row for row in children if isinstance(row, tuple)))


def chains(tree: Tree, text: str) -> list[Chain]:
    """The relation chains of a parsed formula (text: the formula the tree was parsed from)."""
    try:
        out = ToIR(text).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, Unsupported):
            raise e.orig_exc from None
        raise
    if isinstance(out, _Failed):
        raise out.error
    return out


def name_key(text: str) -> tuple[str, ...] | None:
    """A name written in the note's notation (w_{41}, \\text{out}_{o1}) as the key the model uses."""
    try:
        found = chains(parser().parse(str(text)), str(text))
    except (Unsupported, UnexpectedInput):
        return None
    if len(found) == 1 and len(found[0].members) == 1 and isinstance(found[0].members[0].node, Ref):
        return found[0].members[0].node.key
    return None


# --- what the methods share -----------------------------------------------------------------------


def _relation(tok: Token) -> str:
    if str(tok) == ":":
        return "in"  # f: \mathbb{R}^n \to \mathbb{R}^m, a function's signature
    if tok.type == "XARROW":
        return "maps"  # an arrow with a label: applies something, claims no equality
    s = str(tok)
    if s in INEQUALITIES:
        return INEQUALITIES[s]
    if s in ("=", ":=", "\\equiv", "\\leftarrow", "\\gets", "←"):
        return "="
    if s in ("\\approx", "≈"):
        return "~"
    if s in SET_RELATIONS:  # W \in \mathbb{R}^{m×n}, t \neq i: a declaration or a condition, never a claim
        return SET_RELATIONS[s]
    if s in ("\\Longrightarrow", "\\Leftrightarrow", "\\Longleftrightarrow", "\\iff", "⟹", "⇔"):
        return "=>"
    if s == "\\mapsto":
        return "maps"  # x \mapsto σ(x): a map, never an equality
    return "=>" if s in ("\\Rightarrow", "\\implies", "⇒") else "->"


def token(t: Token):
    s = str(t)
    if t.type in ("NUMBER", "DIGIT"):
        return number(s)
    if t.type == "GREEK":
        name = GREEK_NAMES.get(s, s.lstrip("\\"))
        return Ref((name,), "\\" + name if len(s) > 1 or s in GREEK_NAMES else s)
    if t.type == "TEXT":
        m = _TEXT.match(s)
        content = m.group(2) if m else s
        words = tuple(w for w in re.split(r"\s+", content.strip()) if w)
        if not words:
            return Paren(())
        return Ref(words + ("·",), s) if content.endswith(" ") else Ref(words, s)
    if t.type == "NAME":
        return Ref((s,), s)
    raise Unsupported(f"token {t.type}")


def _bare_call(f, arg) -> bool:
    return isinstance(f, Func) and f.name in OPERATOR_NAMES and not f.prime and isinstance(arg, (Ref, Num))


def _juxt(left, right):  # noqa: C901 - the readings of two things side by side, most specific first
    # "\text{out } H_1": a label word with a trailing space names what follows
    if isinstance(left, Ref) and left.tokens and left.tokens[-1] == "·":
        head = left.tokens[:-1]
        if isinstance(right, Ref):
            return Ref(head + right.key, f"{left.tex} {right.tex}")
        if isinstance(right, Paren) and len(right.items) == 1 and isinstance(right.items[0], Ref):
            return Declare(Ref(head, left.tex), right.items[0])
        return _juxt(Ref(head, left.tex), right)
    # "\partial L", "d(loss)", "d\hat{y}": the differential in a derivative's parts
    if isinstance(left, Ref) and left.tokens in (("∂",), ("d",)):
        return Differential(right, left.tokens == ("∂",))
    if isinstance(left, Differential):
        return Differential(_juxt(left.of, right), left.partial)
    if isinstance(left, Deriv) and left.of is not None and left.wrt is None and isinstance(right, Ref):
        return Deriv(left.of, right, left.partial)  # \partial E / \partial w: the slash took only the ∂
    if isinstance(left, Op) and left.kind in ("*", "/") and pending_partial(left.args[1]):
        return Op(left.kind, (left.args[0], _juxt(left.args[1], right)))  # ∂E/∂a * ∂a/∂w, typed in a line
    if isinstance(left, LeftLabel) and isinstance(right, Ref):
        return Ref(right.tokens + (f"^{_label_text(left.label)}",), right.tex, right.hat)
    if isinstance(left, Opaque) and not left.ditto:
        return left
    wrt = nabla_of(left)
    if wrt is not None and isinstance(right, Ref):  # ∇_W L, ∇_a C: the gradient is ∂L/∂W
        return Deriv(right, wrt, partial=True)
    if isinstance(right, Paren) and isinstance(left, Op) and left.kind in ("*", "hadamard") \
            and (looks_callable(left.args[1]) or isinstance(left.args[1], Ref)
                 and (left.args[1].tokens[0],) in FUNCTIONISH and len(left.args[1].tokens) > 1):
        # a ⊙ σ′(z), a ⊙ φ’(u^L): the function takes its argument before ⊙ applies
        return Op(left.kind, (left.args[0], _juxt(left.args[1], right)))
    if isinstance(left, Juxt) and isinstance(left.right, BigSum):  # c Σ body: the sum takes the body
        return Juxt(left.left, Juxt(left.right, right))
    if isinstance(left, Juxt) and isinstance(left.left, BigSum):  # Σ_t a_t b_t: b_t is in the sum too
        return Juxt(left.left, _juxt(left.right, right))
    if isinstance(left, Juxt) and isinstance(left.right, Juxt) and isinstance(left.right.left, BigSum):
        return Juxt(left.left, _juxt(left.right, right))  # (1/N) Σ_n t_n log q_n: log q_n is in the sum too
    if isinstance(right, Paren) and isinstance(left, Op) and left.kind == "pow" and isinstance(left.args[0], Func):
        return Op("pow", (Juxt(left.args[0], right), left.args[1]))  # \tanh^2(z) is (\tanh(z))^2
    if isinstance(right, Paren) and isinstance(left, Juxt) and isinstance(left.left, Deriv) \
            and left.left.of is None and isinstance(left.right, Func):
        return Juxt(left.left, Juxt(left.right, right))  # \frac{d}{dz}\tanh(z): the operator takes the call
    if _bare_call(left, right):  # \ln p_1, \tanh z: an operator name takes the name after it
        return Juxt(left, Paren((right,)))
    if isinstance(left, Juxt) and _bare_call(left.right, right):  # t_1 \ln p_1
        return Juxt(left.left, Juxt(left.right, Paren((right,))))
    if isinstance(left, Op) and left.kind == "neg":  # -\ln(p) is -(\ln(p)), and (-a) b is -(a b)
        return Op("neg", (_juxt(left.args[0], right),))
    if isinstance(left, Op) and left.kind in ("*", "/") and looks_callable(left.args[1]) and isinstance(right, Paren):
        return Op(left.kind, (left.args[0], Juxt(left.args[1], right)))  # a · σ(z) is a · (σ(z))
    return Juxt(left, right)


def _subscript(base, script):
    if isinstance(base, BigSum):
        return BigSum(_needed(script), base.sup)
    if isinstance(base, Opaque):
        return base
    if isinstance(base, (Paren, Op, Juxt, Num, Func, Deriv, Matrix)) or base is None:
        return base  # a label under a brace or on an expression: no meaning for the value
    sub = _script_tokens(_needed(script))
    if isinstance(base, Ref):
        if base.tokens == ("e",):
            raise Unsupported("a subscript on e")
        if sub == ("hat",) and not base.hat:  # y_hat, as plain text and code write ŷ
            return Ref(base.tokens, f"\\hat{{{base.tex}}}", True, base.power)
        sep = "," if isinstance(_needed(script), Paren) and len(sub) > 1 else " "
        return Ref(_merge(base.tokens, sub), f"{base.tex}_{{{sep.join(sub)}}}", base.hat, base.power)
    if isinstance(base, Differential) and isinstance(base.of, Ref):
        return Differential(_subscript(base.of, script), base.partial)
    raise Unsupported("a subscript here")


def _superscript(base, script):  # noqa: C901 - a power, a label, a transpose or a prime, by shape
    if isinstance(base, Opaque):
        return base
    node = _needed(script)
    if isinstance(node, Opaque):
        return node
    if isinstance(node, Func) and node.name == "new" and isinstance(base, Ref) and "^new" not in base.tokens:
        return Ref(base.tokens + ("^new",), f"{base.tex}^{{+}}", base.hat)
    transposed = False
    if isinstance(base, BigSum) and base.sup is None:
        return BigSum(base.sub, node)  # Σ_{t=1}^{T}: the last step, not a transpose
    if isinstance(node, Ref) and node.key in TRANSPOSE and not isinstance(base, Num):
        return Op("T", (base,))
    if isinstance(node, Juxt) and isinstance(node.right, Ref) and node.right.key in TRANSPOSE:
        node, transposed = node.left, True  # a^{(1)\top}, W^{(2)T}
    if isinstance(base, Ref) and isinstance(node, Paren) and node.items \
            and all(isinstance(i, (Num, Ref)) for i in node.items):
        # W^{(1)}, C^{1,sum}: a label, in parentheses or with a comma
        label = ",".join(i.text if isinstance(i, Num) else "".join(i.key) for i in node.items)
        wrapped = f"({label})" if len(node.items) == 1 else label
        labelled = Ref(base.tokens + (f"^{wrapped}",), f"{base.tex}^{{{wrapped}}}", base.hat)
        return Op("T", (labelled,)) if transposed else labelled
    if isinstance(base, BigSum):
        if isinstance(node, Paren) and len(node.items) == 1 and isinstance(node.items[0], Relation) \
                and isinstance(node.items[0].chain.members[-1].node, Num):
            node = node.items[0].chain.members[-1].node  # Σ_{i=1}^{n=3}: to the number it names
        return BigSum(base.sub, node)
    label = layer_label(node)
    if label is not None and isinstance(base, Ref) and base.tokens != ("e",):
        # z^{(l)}, δ^{l+1}, a^{[L-1]}, W^{(t+1)}: a layer (or step) label, part of the name, never a power
        labelled = Ref(base.tokens + (f"^{label}",), f"{base.tex}^{{{label}}}", base.hat)
        return Op("T", (labelled,)) if transposed else labelled
    if label is not None and isinstance(base, Func) and isinstance(node, Paren) and not base.label:
        return Func(base.name, base.prime, label)  # f'^{(L-1)}: the activation of layer L-1
    if isinstance(base, Func) and not base.label and isinstance(node, Paren) and len(node.items) == 1 \
            and isinstance(item := node.items[0], (Num, Ref)):  # f'^{(L)}: the activation of layer L
        return Func(base.name, base.prime, "(" + (item.text if isinstance(item, Num) else "".join(item.key)) + ")")
    if isinstance(base, Ref) and base.tokens == ("e",):
        return Exp(node)
    if isinstance(base, Ref) and base.tokens == ("sigma",) and isinstance(node, Num):
        return Func("sigma", 0, str(node.text))
    if isinstance(base, Paren) and not base.items:  # {}^2 Z: a label in front
        return LeftLabel(node)
    if isinstance(base, Ref):
        if isinstance(node, Num) and node.decimals == 0:
            return Ref(base.tokens, f"{base.tex}^{{{node.text}}}", base.hat, int(node.value))
        if isinstance(node, Ref):
            label = tuple(t if t.startswith("^") else "^" + t for t in node.tokens)
            if node.power is not None:  # δ^{C^{1}}: the layer of the label stays part of it
                label = label[:-1] + (f"{label[-1]}({node.power})",)
            return Ref(base.tokens + label, f"{base.tex}^{{{node.tex}}}", base.hat)
        if isinstance(node, Op) and node.kind == "neg" and isinstance(node.args[0], Num):
            return Op("pow", (base, Op("neg", node.args)))
        raise Unsupported("a superscript on a name")
    if isinstance(node, Func) and node.name == "prime" and isinstance(base, Func):
        return Func(base.name, base.prime + 1, base.label)
    return Op("pow", (base, node))


def _script_tokens(node) -> tuple[str, ...]:
    if isinstance(node, Num):
        return (node.text,)
    if isinstance(node, Ref):
        return node.key
    if isinstance(node, Paren) and all(index_part(i) is not None for i in node.items):
        return tuple(index_part(i) for i in node.items)
    if index_part(node) is not None:
        return (index_part(node),)
    if isinstance(node, Juxt):
        parts = _flatten_juxt(node)
        if all(isinstance(p, (Ref, Num)) for p in parts):
            return ("".join(p.text if isinstance(p, Num) else "".join(p.key) for p in parts),)
    raise Unsupported("a subscript that is not a name or number")


def _frac_of(num, den):
    of, num_diff = differential(num)
    wrt, den_diff = differential(den)
    if num_diff and den_diff:
        return Deriv(of, wrt, partial=is_partial(num))
    if num_diff and isinstance(den, Ref):  # ∂total/W5: the ∂ forgotten below
        return Deriv(of, den, partial=is_partial(num))
    if num is None or den is None:
        raise Unsupported("an empty fraction")
    return Op("/", (num, den))


def _merge(tokens: tuple[str, ...], sub: tuple[str, ...]) -> tuple[str, ...]:
    """Subscripts join the name: h + 1 -> h1; a one-character subscript merges with a one-word base,
    whether or not a label came first (o^{sum}_0 is o_0^{sum})."""
    labels = tuple(t for t in tokens[1:] if t.startswith("^"))
    if tokens and len(tokens) == 1 + len(labels) and len(sub) == 1 and (
            len(sub[0]) == 1 or sub[0].isdigit() or (sub[0].startswith("[") and len(tokens[0]) == 1)):
        return (tokens[0] + sub[0],) + labels
    if tokens and tokens[-1].isalpha() and len(tokens[-1]) == 1 and len(sub) == 1 and len(sub[0]) <= 2 \
            and sub[0].isdigit():
        return tokens[:-1] + (tokens[-1] + sub[0],)
    return tokens + sub


def _flatten_juxt(n) -> list:
    if isinstance(n, Juxt):
        return _flatten_juxt(n.left) + _flatten_juxt(n.right)
    return [n]


def _label_text(n) -> str:
    return n.text if isinstance(n, Num) else ("".join(n.key) if isinstance(n, Ref) else "?")
