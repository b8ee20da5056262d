"""The intermediate form to SymPy expressions, in a note's scope (which names are quantities, which
are functions). Built node by node from our own tree: note text never reaches sympify."""

from __future__ import annotations

import zlib
from typing import Protocol

import sympy as sp

from ...algebra import Sigmoid
from ..read.indices import substitute_index
from ..read.ir import (
    BigSum,
    Declare,
    Deriv,
    Differential,
    Exp,
    Func,
    Juxt,
    LeftLabel,
    Matrix,
    Num,
    Op,
    Opaque,
    Paren,
    Ref,
    Relation,
    indicator,
)


class Unverifiable(Exception):
    """The claim uses something that cannot be given a meaning; the message says what."""


class Dv(sp.Function):
    """d(of)/d(wrt) as the note writes it, resolved later against the note's definitions: the total
    derivative, through every path from wrt to of."""

    nargs = 2


class PDv(Dv):
    """∂(of)/∂(wrt): where wrt appears in of's own definition, the partial derivative of that
    definition (the other arguments held fixed, as ∂o_2/∂W_i = x_1 in an unrolled RNN); elsewhere
    the same as the total derivative."""


class Activation(sp.Function):
    """f(x), f'(x), … for a function the note applies without defining it (f, g, f^(L)): any smooth function.
    Arguments (which function, how many times differentiated, x); the function's name is kept in NAMES."""

    nargs = 3

    def fdiff(self, argindex=3):
        if argindex != 3:
            return sp.Integer(0)
        k, n, x = self.args
        return Activation(k, n + 1, x)


ACTIVATION_NAMES: dict[int, str] = {}


def activation(name: str, arg: sp.Expr, prime: int = 0) -> sp.Expr:
    """The note's undefined function `name` applied to arg (differentiated `prime` times). The same name
    is always the same function, in every note and process (its number is a checksum of the name)."""
    k = zlib.crc32(name.encode("utf-8")) % 100_003
    ACTIVATION_NAMES[k] = name
    if _is_matrix(arg):
        return arg.applyfunc(lambda e: activation(name, e, prime))
    return Activation(sp.Integer(k), sp.Integer(prime), arg)


def as_known(expr: sp.Expr, fn: str) -> sp.Expr:
    """expr with every undefined function taken to be `fn` (sigma or tanh): a claim that holds then holds
    for that activation only."""
    u = sp.Dummy("u")

    def known(k, n, x):
        return sp.diff(_FUNCS[fn](u), u, int(n)).subs(u, x) if int(n) else _FUNCS[fn](x)

    return expr.replace(lambda e: isinstance(e, Activation), lambda e: known(*e.args))


class Scope(Protocol):
    def symbol(self, ref: Ref) -> sp.Symbol: ...       # raises Unverifiable for unknown names
    def function(self, ref: Ref) -> str | None: ...    # sigma, exp, ... or None if not a function
    def call(self, name: str, arg: sp.Expr, prime: int = 0) -> sp.Expr: ...


_FUNCS = {
    "sigma": lambda a: Sigmoid(a),
    "exp": sp.exp,
    "log": sp.log,
    "tanh": sp.tanh,
    "relu": lambda a: sp.Max(0, a),  # its derivative is the step Heaviside(a)
}


def apply(fn: str, arg: sp.Expr, prime: int = 0) -> sp.Expr:
    if _is_matrix(arg):
        return arg.applyfunc(lambda e: apply(fn, e, prime))
    if fn not in _FUNCS:
        raise Unverifiable(f"the function {fn} is not defined in the note")
    if prime == 0:
        return _FUNCS[fn](arg)
    u = sp.Dummy("u")
    d = sp.diff(_FUNCS[fn](u), u, prime)
    return d.subs(u, arg)


def to_sympy(node, scope: Scope) -> sp.Expr:  # noqa: C901 - one dispatch, top to bottom
    if (parts := indicator(node)) is not None:  # (…) \mathbf{1}[a = b], \mathbf{1}[z > 0]
        before, a, b, rel = parts
        ea, eb = to_sympy(a, scope), to_sympy(b, scope)
        bracket = Iverson(ea, eb) if rel == "=" else sp.Heaviside(ea - eb if rel[0] == ">" else eb - ea, 0)
        return bracket if before is None else _op("*", [_scalar(to_sympy(before, scope)), bracket])
    if isinstance(node, Num):
        return sp.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, Ref):
        if node.tokens == ("1",) and node.tex.startswith(("\\mathbf", "\\boldsymbol", "\\bm")):
            return Ones()
        sym = scope.symbol(Ref(node.tokens, node.tex, node.hat))
        if node.power is not None:
            labelled = _labelled(node, scope)
            return labelled if labelled is not None else sym ** node.power
        return sym
    if isinstance(node, Op):
        args = [_scalar(to_sympy(a, scope)) for a in node.args]
        try:
            return _op(node.kind, args)
        except (TypeError, ValueError, sp.ShapeError) as e:
            raise Unverifiable("matrices and numbers of shapes that do not fit together") from e
    if isinstance(node, Paren):
        if len(node.items) == 1 and not isinstance(node.items[0], Relation):
            return to_sympy(node.items[0], scope)
        if not node.items:
            raise Unverifiable("empty brackets")
        if node.square and not any(isinstance(i, Relation) for i in node.items):
            return sp.ImmutableMatrix([[to_sympy(i, scope) for i in node.items]])
        raise Unverifiable("a list of values where one value is expected")
    if isinstance(node, Exp):
        euler = getattr(scope, "defined_e", None)
        e = euler() if euler is not None else None
        if e is not None:  # e = ŷ − y: the note's e, not Euler's number
            return sp.Pow(e, to_sympy(node.arg, scope))
        return sp.exp(to_sympy(node.arg, scope))
    if isinstance(node, Juxt):
        return _juxt(node, scope)
    if isinstance(node, Deriv):
        if node.of is None:
            raise Unverifiable("a derivative operator with nothing to act on")
        return derivative(PDv if node.partial else Dv, to_sympy(node.of, scope), to_sympy(node.wrt, scope))
    if isinstance(node, Func):
        raise Unverifiable(f"the function {node.name} without an argument")
    if isinstance(node, Matrix):
        return sp.ImmutableMatrix([[to_sympy(c, scope) for c in row] for row in node.rows])
    if isinstance(node, Opaque):
        raise Unverifiable(node.reason)
    if isinstance(node, (BigSum, Declare, Differential, LeftLabel, Relation)):
        raise Unverifiable("notation that does not stand for a value here")
    raise Unverifiable(f"cannot read {type(node).__name__}")


def derivative(kind, of, wrt):
    """A derivative, entry by entry when either side is a vector or matrix (∂L/∂W is a matrix)."""
    if _is_matrix(of) and _is_matrix(wrt):
        raise Unverifiable("a derivative of a vector by a vector")
    if _is_matrix(wrt):
        return wrt.applyfunc(lambda e: kind(of, e))
    if _is_matrix(of):
        return of.applyfunc(lambda e: kind(e, wrt))
    return kind(of, wrt)


def _scalar(e):
    """A 1×1 matrix is its entry."""
    if isinstance(e, sp.MatrixBase) and e.shape == (1, 1):
        return e[0, 0]
    return e


class Ones(sp.Symbol):
    """The vector of ones (\\mathbf{1}): 1ᵀx is the sum of x's entries."""

    def __new__(cls, transposed: bool = False):
        obj = super().__new__(cls, "ONES_T" if transposed else "ONES")
        obj.transposed = transposed
        return obj


def _is_matrix(e) -> bool:
    return isinstance(e, sp.MatrixBase)


def _op(kind: str, args: list):
    a = args[0]
    b = args[1] if len(args) > 1 else None
    if kind == "T":
        if isinstance(a, Ones):
            return Ones(not a.transposed)
        return a.T if _is_matrix(a) else a
    if isinstance(a, Ones) and a.transposed and kind == "*" and _is_matrix(b):
        return sp.Add(*b)  # 1ᵀ x
    if isinstance(a, Ones) or isinstance(b, Ones):
        raise Unverifiable("a vector of ones used other than as 1ᵀx")
    if kind == "hadamard":
        if not _is_matrix(a) and not _is_matrix(b):
            return a * b  # of one entry each (a generic note read on its instance): a product
        if not (_is_matrix(a) and _is_matrix(b)) or a.shape != b.shape:
            raise Unverifiable("an elementwise product of things of different shapes")
        return a.multiply_elementwise(b)
    if kind in ("+", "-") and _is_matrix(a) != _is_matrix(b):  # 1 - a: the scalar for every entry
        m, x = (a, b) if _is_matrix(a) else (b, a)
        if kind == "+":
            return m.applyfunc(lambda e: e + x)
        return m.applyfunc(lambda e: e - x) if m is a else m.applyfunc(lambda e: x - e)
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if kind == "/":
        return a / b
    if kind == "neg":
        return -a
    return a ** b


def _labelled(node: Ref, scope: Scope) -> sp.Expr | None:
    """z_{h1}^1: a layer label when the note knows that name with the label, else a power."""
    try:
        return scope.symbol(Ref(node.tokens + (f"^{node.power}",), node.tex, node.hat))
    except Unverifiable:
        return None


def _juxt(node: Juxt, scope: Scope) -> sp.Expr:
    left, right = node.left, node.right
    if isinstance(left, Deriv) and left.of is None:  # d/dx (expr)
        return derivative(PDv if left.partial else Dv, to_sympy(right, scope), to_sympy(left.wrt, scope))
    if isinstance(left, Deriv) and isinstance(left.of, Ref) and isinstance(right, Paren) \
            and scope.function(left.of) is not None:
        # ∂f/∂u (h u + b) in a chain rule: the slope of f itself at the bracket, f'(h u + b); the inner
        # derivative is the factor written after it
        if len(right.items) != 1 or isinstance(right.items[0], Relation):
            raise Unverifiable("a function of several arguments")
        return scope.call(scope.function(left.of), to_sympy(right.items[0], scope), 1)
    if isinstance(left, Juxt) and isinstance(left.left, Deriv) and left.left.of is None \
            and not isinstance(left.right, Paren):  # ∂/∂u h u: the operator takes the whole product
        d = left.left
        return derivative(PDv if d.partial else Dv, to_sympy(Juxt(left.right, right), scope), to_sympy(d.wrt, scope))
    if isinstance(left, Juxt) and isinstance(left.right, Deriv) and left.right.of is None:  # ½ ∂/∂u (expr)
        return _op("*", [_scalar(to_sympy(left.left, scope)), _scalar(_juxt(Juxt(left.right, right), scope))])
    if isinstance(left, Juxt) and isinstance(left.right, (Func, Ref)) and isinstance(right, Paren) \
            and _is_call(left.right, scope):
        return to_sympy(left.left, scope) * _call(left.right, right, scope)
    if isinstance(left, BigSum):
        return _sum(left, right, scope)
    if isinstance(right, Paren) and isinstance(left, (Func, Ref)) and _is_call(left, scope):
        return _call(left, right, scope)
    try:
        return _op("*", [_scalar(to_sympy(left, scope)), _scalar(to_sympy(right, scope))])
    except (TypeError, ValueError, sp.ShapeError) as e:
        raise Unverifiable("matrices and numbers of shapes that do not fit together") from e


def _is_call(f, scope: Scope) -> bool:
    return isinstance(f, Func) or scope.function(f) is not None


class Iverson(sp.Function):
    """[a = b]: 1 where a equals b, else 0 (how a max-pool routes its gradient); flat almost everywhere."""

    nargs = 2

    def fdiff(self, argindex=1):
        return sp.Integer(0)


def _call(f, paren: Paren, scope: Scope) -> sp.Expr:
    name = f.name if isinstance(f, Func) else scope.function(f)
    if name in ("max", "min") and len(paren.items) > 1 and not any(isinstance(i, Relation) for i in paren.items):
        args = [to_sympy(i, scope) for i in paren.items]
        return sp.Max(*args) if name == "max" else sp.Min(*args)
    if len(paren.items) != 1 or isinstance(paren.items[0], Relation):
        raise Unverifiable("a function of several arguments")
    arg = to_sympy(paren.items[0], scope)
    if isinstance(f, Func):
        if f.label.startswith("("):  # f'^{(L)}(z): the activation of layer L, a name of its own
            named = scope.function(Ref((f.name, f"^{f.label}"), f"{f.name}^{{{f.label}}}"))
            if named is not None:
                return scope.call(named, arg, f.prime)
        return scope.call(f.name, arg, f.prime)
    return scope.call(scope.function(f), arg, 0)


def _sum(op: BigSum, body, scope: Scope) -> sp.Expr:
    """Σ_{i=a}^{b} body with numeric bounds: written out term by term."""
    if not (isinstance(op.sub, Paren) and len(op.sub.items) == 1 and isinstance(op.sub.items[0], Relation)):
        raise Unverifiable("a sum without a range i = a … b")
    rel = op.sub.items[0].chain
    index = rel.members[0].node
    lo = to_sympy(rel.members[1].node, scope)
    hi = to_sympy(op.sup, scope) if op.sup is not None else None
    if not isinstance(index, Ref) or hi is None or not (lo.is_Integer and hi.is_Integer):
        raise Unverifiable("a sum whose range is not given in numbers")
    if int(hi) - int(lo) > 50:
        raise Unverifiable("a sum of more than 50 terms")
    letter = index.tokens[0]
    terms = []
    for k in range(int(lo), int(hi) + 1):
        terms.append(to_sympy(substitute_index(body, letter, k), scope))
    return sp.Add(*terms)


