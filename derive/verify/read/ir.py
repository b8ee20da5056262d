"""Parse trees to a small intermediate form: names, numbers, operations, derivatives.

The grammar parses by shape; here the shapes get their notational meaning where that needs no
knowledge of the note (a fraction whose parts start with d or ∂ is a derivative, `\\text{net } o_1`
is one name, `e^{...}` is the exponential). What needs the note's definitions (is `h1 (1 - h1)` a
product or a call, is `z^1` a power or a label) is left to the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from lark import Token, Tree

# --- the intermediate form ---------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: Fraction
    text: str
    decimals: int


@dataclass(frozen=True)
class Ref:
    """A name: its tokens (base with merged one-character subscript, further subscripts, labels)."""

    tokens: tuple[str, ...]
    tex: str
    hat: bool = False
    power: int | None = None  # a numeric superscript that may be a power or a layer label

    @property
    def key(self) -> tuple[str, ...]:
        return self.tokens + (("^hat",) if self.hat else ())


@dataclass(frozen=True)
class Op:
    kind: str  # + - * / neg pow
    args: tuple


@dataclass(frozen=True)
class Juxt:
    """Two things written side by side: a product, or a function applied to its argument."""

    left: object
    right: object


@dataclass(frozen=True)
class Paren:
    items: tuple  # one item: grouping; several: a tuple (w1, w2, ...)
    square: bool = False


@dataclass(frozen=True)
class Func:
    name: str          # sigma, exp, log, tanh, ...
    prime: int = 0     # σ'
    label: str = ""    # σ^1 (a layer label)


@dataclass(frozen=True)
class Deriv:
    of: object | None  # None: an operator d/dx waiting for its operand
    wrt: object
    partial: bool


@dataclass(frozen=True)
class Exp:
    arg: object


@dataclass(frozen=True)
class Matrix:
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class BigSum:
    sub: object | None
    sup: object | None


@dataclass(frozen=True)
class Opaque:
    """Notation we read but cannot check (⊛, ⋯, //): carries the reason."""

    reason: str
    ditto: bool = False


@dataclass(frozen=True)
class Differential:
    """d(...) or ∂... inside a fraction: what is differentiated (None for a bare d or ∂)."""

    of: object | None
    partial: bool


@dataclass(frozen=True)
class Declare:
    """`\text{Input } (x)`: a word naming a quantity."""

    word: Ref
    name: Ref


@dataclass(frozen=True)
class LeftLabel:
    """`{}^2`: a label written before a name."""

    label: object


@dataclass(frozen=True)
class Relation:
    """A relation inside parentheses: (i = 1, 2, 3)."""

    chain: "Chain"


@dataclass(frozen=True)
class Member:
    """One side of a relation, with its column in the formula."""

    node: object
    start: int
    end: int


@dataclass
class Chain:
    members: list[Member]
    rels: list[str]               # len(members) - 1, or len(members) with a leading/trailing relation
    leading: bool = False         # starts with a relation: continues the previous chain
    trailing: bool = False        # ends with a relation: continued by the next formula
    start: int = 0
    notes: list[str] = field(default_factory=list)


INEQUALITIES = {">": ">", "\\gt": ">", "<": "<", "\\lt": "<", "≥": ">=", "\\geq": ">=", "\\ge": ">=",
                "≤": "<=", "\\leq": "<=", "\\le": "<="}  # conditions, as in 1[z > 0]; never a claim to check
OPERATOR_NAMES = ("log", "exp", "tanh")  # written \ln x, \exp x, \tanh x without parentheses


def _bare_call(f, arg) -> bool:
    return isinstance(f, Func) and f.name in OPERATOR_NAMES and not f.prime and isinstance(arg, (Ref, Num))


def indicator(node) -> tuple | None:
    r"""(the factor before it or None, a, b, relation) for a product that ends in \mathbf{1}[a = b] (1 where a
    equals b, else 0: how a max-pool routes its gradient) or \mathbf{1}[z > 0] (a ReLU's step); None for
    anything else."""
    if isinstance(node, Juxt):
        left, right = node.left, node.right
    elif isinstance(node, Op) and node.kind == "*":
        left, right = node.args
    else:
        return None
    if not (isinstance(right, Paren) and right.square and len(right.items) == 1
            and isinstance(right.items[0], Relation)):
        return None
    rel = right.items[0].chain
    if len(rel.members) != 2 or len(rel.rels) != 1 or rel.rels[0] not in ("=", ">", "<", ">=", "<="):
        return None
    before = None
    if isinstance(left, Juxt):
        before, left = left.left, left.right
    elif isinstance(left, Op) and left.kind == "*":
        before, left = left.args
    if not (isinstance(left, Ref) and left.tokens == ("1",)):
        return None
    return before, rel.members[0].node, rel.members[1].node, rel.rels[0]


def walk(node):
    """The node and everything inside it, depth first."""
    yield node
    if hasattr(node, "__dataclass_fields__"):
        for name in node.__dataclass_fields__:
            child = getattr(node, name)
            if isinstance(child, (tuple, list)):
                for c in child:
                    yield from walk(c)
            elif hasattr(child, "__dataclass_fields__"):
                yield from walk(child)


# --- building -----------------------------------------------------------------------------------

GREEK_NAMES = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "η": "eta", "θ": "theta",
               "λ": "lambda", "μ": "mu", "σ": "sigma", "τ": "tau", "φ": "phi", "ψ": "psi", "ω": "omega",
               "Δ": "Delta", "Σ": "Sigma", "∇": "nabla", "ρ": "rho", "π": "pi", "ξ": "xi", "ζ": "zeta", "χ": "chi"}
FUNCTION_WORDS = {"sigmoid": "sigma", "sigma": "sigma", "exp": "exp", "log": "log", "ln": "log", "tanh": "tanh",
                  "relu": "relu", "ReLU": "relu", "softmax": "softmax", "max": "max", "min": "min"}
# words a note may write as a function's name (\text{ReLU}(z), \mathrm{tanh}(z)), and those it may prime
NAMED_FUNCTIONS = {w: FUNCTION_WORDS[w] for w in ("exp", "relu", "tanh", "ln", "log", "sigmoid")}
PRIMED_WORDS = {w: NAMED_FUNCTIONS[w] for w in ("relu", "sigmoid", "tanh")}
_TEXT = re.compile(r"\\([a-zA-Z*]+)\s*\{([^{}]*)\}")


class Unsupported(Exception):
    """A shape the intermediate form has no place for; the claim becomes unverifiable."""


def _tok(t) -> str:
    return str(t)


def text_content(token: str) -> tuple[str, str]:
    m = _TEXT.match(token)
    return (m.group(1), m.group(2)) if m else ("", token)


def number(text: str) -> Num:
    decimals = len(text.split(".")[1]) if "." in text else 0
    return Num(Fraction(text), text, decimals)


def _words(s: str) -> tuple[str, ...]:
    return tuple(w for w in re.split(r"\s+", s.strip()) if w)


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


class Builder:
    """Tree -> intermediate form."""

    def chains(self, tree: Tree) -> list[Chain]:
        out = []
        for child in tree.children:
            if isinstance(child, Tree) and child.data == "chain":
                out.append(self.chain(child))
        return out

    def chain(self, tree: Tree) -> Chain:
        members: list[Member] = []
        rels: list[str] = []
        leading = trailing = False
        expect_member = True
        for i, child in enumerate(tree.children):
            if isinstance(child, Tree) and child.data == "rel":
                rels.append(self.rel(child))
                if i == 0:
                    leading = True
                expect_member = True
            else:
                members.append(Member(self.node(child), _start(child), _end(child)))
                expect_member = False
        trailing = expect_member and bool(members)
        return Chain(members, rels, leading, trailing, _start(tree))

    def rel(self, tree: Tree) -> str:
        tok = tree.children[0]
        if isinstance(tok, Token) and tok.type == "XARROW":
            return "maps"  # an arrow with a label: applies something, claims no equality
        s = str(tok)
        if s in INEQUALITIES:
            return INEQUALITIES[s]
        return "=" if s in ("=", ":=", "\\equiv", "\\leftarrow", "\\gets", "←") else ("~" if s in ("\\approx", "≈") else
                                                       ("=>" if s in ("\\Rightarrow", "\\implies", "⇒") else "->"))

    # expressions ---------------------------------------------------------------------------------

    def node(self, t):  # noqa: C901 - one dispatch table, read top to bottom
        if isinstance(t, Token):
            return self.token(t)
        d = t.data
        c = t.children
        if d in ("add", "sub"):
            return Op("+" if d == "add" else "-", (self.node(c[0]), self.node(c[2])))
        if d == "mul":
            return Op("*", (self.node(c[0]), self.node(c[2])))
        if d == "div":
            num, den = self.node(c[0]), self.node(c[2])
            (of, num_diff), (wrt, den_diff) = _differential(num), _differential(den)
            if num_diff and den_diff:  # \partial L / \partial w_5: a derivative written with a slash
                return Deriv(of, wrt, partial=_is_partial(num))
            return Op("/", (num, den))
        if d == "otherop":
            if str(c[1]) in ("\\odot", "⊙"):
                return Op("hadamard", (self.node(c[0]), self.node(c[2])))
            return Opaque(f"the operator {c[1]} is notation this checker does not evaluate")
        if d == "imul":
            return self.juxt(self.node(c[0]), self.node(c[1]))
        if d == "neg":
            return Op("neg", (self.node(c[1]),))
        if d == "unary":  # unary plus
            return self.node(c[-1])
        if d == "subscript":
            return self.subscript(self.node(c[0]), c[1])
        if d == "superscript":
            return self.superscript(self.node(c[0]), c[1])
        if d == "prime":
            base = self.node(c[0])
            if isinstance(base, Func):
                return Func(base.name, base.prime + 1, base.label)
            if isinstance(base, Ref) and base.tokens in (("sigma",), ("S",), ("g",), ("f",)):
                return Func("sigma" if base.tokens == ("sigma",) else base.tokens[0], 1)
            if isinstance(base, Ref) and len(base.tokens) == 1 and base.tokens[0].lower() in PRIMED_WORDS:
                return Func(PRIMED_WORDS[base.tokens[0].lower()], 1)  # \text{ReLU}'(z), \mathrm{sigmoid}'(z)
            if isinstance(base, Ref) and base.power is None and "^new" not in base.tokens:
                return Ref(base.tokens + ("^new",), base.tex + "'", base.hat)  # w_1' = w_1 − η ∂L/∂w_1: the new w_1
            raise Unsupported("a prime on something that is not a function")
        if d in ("num",):
            return number(str(c[0]))
        if d == "name":
            return self.token(c[0])
        if d == "greek":
            return self.token(c[0])
        if d == "text":
            return self.token(c[0])
        if d == "accent":
            inner = self.group_node(c[1])
            if inner is None:
                return Ref(("?",), "\\hat{}", hat=True)
            if isinstance(inner, Ref):
                return Ref(inner.tokens, inner.tex, hat=True)
            raise Unsupported("an accent on an expression")
        if d == "group":
            inner = self.group_node(t)
            return inner if inner is not None else Paren(())
        if d in ("paren", "brack"):
            return Paren(self.args(c[0]) if c else (), square=(d == "brack"))
        if d == "frac":
            return self.frac(c[1], c[2])
        if d == "sqrt":
            return Op("pow", (self.group_node(c[1]), Num(Fraction(1, 2), "1/2", 0)))
        if d == "func":
            return Func(FUNCTION_WORDS.get(str(c[0]).lstrip("\\"), str(c[0]).lstrip("\\")))
        if d == "bigop":
            return BigSum(None, None)
        if d == "brace":
            return self.group_node(c[1])
        if d == "partial":
            return Ref(("∂",), "\\partial")
        if d == "dots":
            return Opaque("… stands for terms that are not written out")
        if d == "ditto":
            return Opaque("ditto mark", ditto=True)
        if d == "other":
            return Opaque(f"the operator {c[0]} is notation this checker does not evaluate")
        if d == "matrix":
            rows = [r for r in c if isinstance(r, Tree) and r.data == "mrow"]
            return Matrix(tuple(tuple(self.node(x) for x in r.children if not isinstance(x, Token))
                                for r in rows))
        if d == "prime_script":
            return Func("prime")
        raise Unsupported(f"notation {d}")

    def token(self, t: Token):
        s = str(t)
        if t.type in ("NUMBER", "DIGIT"):
            return number(s)
        if t.type == "GREEK":
            name = GREEK_NAMES.get(s, s.lstrip("\\"))
            return Ref((name,), "\\" + name if len(s) > 1 or s in GREEK_NAMES else s)
        if t.type == "TEXT":
            cmd, content = text_content(s)
            words = _words(content)
            if not words:
                return Paren(())
            ref = Ref(words, s)
            return Ref(words + ("·",), s) if content.endswith(" ") else ref
        if t.type == "NAME":
            return Ref((s,), s)
        raise Unsupported(f"token {t.type}")

    def args(self, tree: Tree) -> tuple:
        items = []
        for ch in tree.children:
            if isinstance(ch, Tree) and ch.data == "chain":
                sub = self.chain(ch)
                if sub.rels:
                    items.append(Relation(sub))
                else:
                    items.append(sub.members[0].node)
        return tuple(items)

    def group_node(self, tree: Tree):
        if not tree.children:
            return None
        items = self.args(tree.children[0])
        if len(items) != 1 or isinstance(items[0], Relation):
            return Paren(items)
        return items[0]

    def juxt(self, left, right):
        # "\text{out } H_1": a label word with a trailing space names what follows
        if isinstance(left, Ref) and left.tokens and left.tokens[-1] == "·":
            head = left.tokens[:-1]
            if isinstance(right, Ref):
                return Ref(head + right.key, f"{left.tex} {right.tex}")
            if isinstance(right, Paren) and len(right.items) == 1 and isinstance(right.items[0], Ref):
                return Declare(Ref(head, left.tex), right.items[0])
            return self.juxt(Ref(head, left.tex), right)
        # "\partial L", "d(loss)", "d\hat{y}": the differential in a derivative's parts
        if isinstance(left, Ref) and left.tokens in (("∂",), ("d",)):
            return Differential(right, left.tokens == ("∂",))
        if isinstance(left, Differential):
            return Differential(self.juxt(left.of, right), left.partial)
        if isinstance(left, Deriv) and left.of is not None and left.wrt is None and isinstance(right, Ref):
            return Deriv(left.of, right, left.partial)  # \partial E / \partial w: the slash took only the ∂
        if isinstance(left, LeftLabel) and isinstance(right, Ref):
            return Ref(right.tokens + (f"^{_label_text(left.label)}",), right.tex, right.hat)
        if isinstance(left, Opaque) and not left.ditto:
            return left
        if isinstance(left, Juxt) and isinstance(left.right, BigSum):  # c Σ body: the sum takes the body
            return Juxt(left.left, Juxt(left.right, right))
        if isinstance(left, Juxt) and isinstance(left.left, BigSum):  # Σ_t a_t b_t: b_t is in the sum too
            return Juxt(left.left, self.juxt(left.right, right))
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
            return Op("neg", (self.juxt(left.args[0], right),))
        if isinstance(left, Op) and left.kind in ("*", "/") and _callable(left.args[1]) and isinstance(right, Paren):
            return Op(left.kind, (left.args[0], Juxt(left.args[1], right)))  # a · σ(z) is a · (σ(z))
        return Juxt(left, right)

    def subscript(self, base, script):
        if isinstance(base, BigSum):
            return BigSum(self.script_node(script), base.sup)
        if isinstance(base, Opaque):
            return base
        if isinstance(base, (Paren, Op, Juxt, Num, Func, Deriv, Matrix)) or base is None:
            return base  # a label under a brace or on an expression: no meaning for the value
        sub = self.script_tokens(script)
        if isinstance(base, Ref):
            if base.tokens == ("e",):
                raise Unsupported("a subscript on e")
            return Ref(_merge(base.tokens, sub), f"{base.tex}_{{{' '.join(sub)}}}", base.hat, base.power)
        if isinstance(base, Differential) and isinstance(base.of, Ref):
            return Differential(self.subscript(base.of, script), base.partial)
        raise Unsupported("a subscript here")

    def superscript(self, base, script):
        if isinstance(base, Opaque):
            return base
        node = self.script_node(script)
        if isinstance(node, Opaque):
            return node
        transposed = False
        if isinstance(node, Ref) and node.key in (("top",), ("intercal",), ("T",)) and not isinstance(base, Num):
            return Op("T", (base,))
        if isinstance(node, Juxt) and isinstance(node.right, Ref) \
                and node.right.key in (("top",), ("intercal",), ("T",)):
            node, transposed = node.left, True  # a^{(1)\top}, W^{(2)T}
        if isinstance(base, Ref) and isinstance(node, Paren) and node.items \
                and all(isinstance(i, (Num, Ref)) for i in node.items):
            # W^{(1)}, C^{1,sum}: a label, in parentheses or with a comma
            label = ",".join(i.text if isinstance(i, Num) else "".join(i.key) for i in node.items)
            wrapped = f"({label})" if len(node.items) == 1 else label
            labelled = Ref(base.tokens + (f"^{wrapped}",), f"{base.tex}^{{{wrapped}}}", base.hat)
            return Op("T", (labelled,)) if transposed else labelled
        if isinstance(base, BigSum):
            return BigSum(base.sub, node)
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

    def script_node(self, script):
        if isinstance(script, Token):
            return self.token(script)
        if script.data == "group":
            return self.group_node(script)
        return self.node(script)

    def script_tokens(self, script) -> tuple[str, ...]:
        node = self.script_node(script)
        if isinstance(node, Num):
            return (node.text,)
        if isinstance(node, Ref):
            return node.key
        if isinstance(node, Paren) and all(_index_part(i) is not None for i in node.items):
            return tuple(_index_part(i) for i in node.items)
        if _index_part(node) is not None:
            return (_index_part(node),)
        if isinstance(node, Juxt):
            parts = _flatten_juxt(node)
            if all(isinstance(p, (Ref, Num)) for p in parts):
                return ("".join(p.text if isinstance(p, Num) else "".join(p.key) for p in parts),)
        raise Unsupported("a subscript that is not a name or number")

    def frac(self, num_tree, den_tree):
        num = self.group_node(num_tree)
        den = self.group_node(den_tree)
        of, num_diff = _differential(num)
        wrt, den_diff = _differential(den)
        if num_diff and den_diff:
            return Deriv(of, wrt, partial=_is_partial(num))
        if num_diff and isinstance(den, Ref):  # ∂total/W5: the ∂ forgotten below
            return Deriv(of, den, partial=_is_partial(num))
        if num is None or den is None:
            raise Unsupported("an empty fraction")
        return Op("/", (num, den))


FUNCTIONISH = {("sigma",), ("sigmoid",), ("S",), ("g",), ("f",), ("phi",), ("exp",), ("tanh",), ("relu",)}


def _callable(n) -> bool:
    return isinstance(n, Func) or (isinstance(n, Ref) and n.key in FUNCTIONISH)


def factors(node) -> list:
    """A product written out, factor by factor, in the order written."""
    if isinstance(node, Juxt):
        if _callable(node.left) and isinstance(node.right, Paren):
            return [node]
        return factors(node.left) + factors(node.right)
    if isinstance(node, Op) and node.kind == "*":
        return factors(node.args[0]) + factors(node.args[1])
    return [node]


def _linear(n) -> dict | None:
    """An index expression (g+m-1, 2r-1, t+1) as {letter: coefficient, "": constant}."""
    if isinstance(n, Num) and n.value.denominator == 1:
        return {"": int(n.value)}
    if isinstance(n, Ref) and len(n.tokens) == 1 and len(n.tokens[0]) == 1 and n.tokens[0].isalpha():
        return {n.tokens[0]: 1}
    if isinstance(n, Paren) and len(n.items) == 1:
        return _linear(n.items[0])
    if isinstance(n, Op) and n.kind in ("+", "-"):
        a, b = _linear(n.args[0]), _linear(n.args[1])
        if a is None or b is None:
            return None
        sign = 1 if n.kind == "+" else -1
        return {k: a.get(k, 0) + sign * b.get(k, 0) for k in set(a) | set(b)}
    if isinstance(n, Op) and n.kind == "neg":
        a = _linear(n.args[0])
        return None if a is None else {k: -v for k, v in a.items()}
    if (isinstance(n, Op) and n.kind == "*") or isinstance(n, Juxt):
        x, y = (n.args if isinstance(n, Op) else (n.left, n.right))
        a, b = _linear(x), _linear(y)
        if a is None or b is None:
            return None
        if set(a) == {""}:
            return {k: a[""] * v for k, v in b.items()}
        if set(b) == {""}:
            return {k: b[""] * v for k, v in a.items()}
    return None


def _index_part(n) -> str | None:
    """One index of a subscript: a number, a name, or an expression in index letters ([g+m-1])."""
    if isinstance(n, Num):
        return n.text
    if isinstance(n, Ref):
        return "".join(n.key)
    form = _linear(n)
    if form is None or not any(k for k in form):
        return None
    from ..model.to_sympy import render_linear

    return "[" + render_linear(form) + "]"


def _flatten_juxt(n) -> list:
    if isinstance(n, Juxt):
        return _flatten_juxt(n.left) + _flatten_juxt(n.right)
    return [n]


def _label_text(n) -> str:
    return n.text if isinstance(n, Num) else ("".join(n.key) if isinstance(n, Ref) else "?")


def _is_partial(n) -> bool:
    if isinstance(n, Ref):
        return n.tokens == ("∂",)
    return isinstance(n, Differential) and n.partial


def _differential(n) -> tuple[object | None, bool]:
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
        return inner, True
    return None, False


def _start(t) -> int:
    meta = getattr(t, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return meta.start_pos
    return getattr(t, "start_pos", 0) or 0


def _end(t) -> int:
    meta = getattr(t, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return meta.end_pos
    return getattr(t, "end_pos", 0) or 0
