"""Reverse mode over the network's graph of named quantities, symbolically and with numbers.

For every parameter the Derivation holds what a teacher writes:
  * the chain-rule paths, each a list of local derivatives (dL/dout, dout/dnet, dnet/dw);
  * the δ form, sum over the quantities the parameter feeds of δ_c · dc/dw, with every δ defined
    by its own recurrence (for a layered network: δ(l) = (W(l+1)ᵀ δ(l+1)) ⊙ σ'(z(l)));
  * the factored form in named quantities, σ' written as a(1 - a), when it is small enough to read;
  * its value and its gradient-descent update.
Local derivatives come from the records of derive.rules, keyed by operation; nothing is simplified, and nothing is
differentiated as one big expression: the σ(1 - σ) form comes from the structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from ..algebra import MaxRoute, delta_symbol, plus, symbol, times
from ..errors import SizeError
from ..network.graph import Activate, Affine, Loss, LossTerm, Network, Pool, Quantity, Role, Softmax, grad_parents
from ..network.limits import MAX_PARAMETERS  # one limit, checked from the spec and here on any network
from ..rules import ACTIVATIONS, LOSSES, SOFTMAX
from . import numeric

PATH_LIMIT = 8        # chain-rule paths listed one by one up to this many per parameter
COMPACT_LIMIT = 60    # symbols in the factored named form; beyond it the δ form says it better


# --- local derivatives and definitions, from the rules -----------------------------------------

def local_derivative(q: Quantity, wrt: str, softmax_out: dict | None = None) -> sp.Expr:
    """d q / d wrt in named quantities, in the form a teacher writes it. softmax_out maps
    (softmax arguments, index) to the name of that softmax output (see Graph)."""
    op = q.op
    if isinstance(op, Affine):
        parts = [symbol(w) for u, w in op.terms if u == wrt] + [symbol(u) for u, w in op.terms if w == wrt]
        if op.bias == wrt:
            parts.append(sp.Integer(1))
        return plus(*parts)
    if isinstance(op, Activate):
        return ACTIVATIONS[op.fn].sym_slope(symbol(q.name), symbol(op.arg))
    if isinstance(op, Softmax):
        j = op.args.index(wrt)
        p_j = symbol(q.name) if j == op.index else symbol(softmax_out[(op.args, j)])
        return SOFTMAX.sym_slope(symbol(q.name), p_j, j == op.index)
    if isinstance(op, Pool):
        if op.fn == "avg":
            return sp.Rational(1, len(op.args))
        return MaxRoute(symbol(wrt), symbol(q.name))
    if isinstance(op, Loss):
        n = op.count or len(op.pairs)
        if op.logits:
            p, t = op.pairs[op.logits.index(wrt)]
            return LOSSES[op.fn].logit_sym_slope(symbol(p), symbol(t))
        return plus(*[LOSSES[op.fn].sym_slope(symbol(y), symbol(t), n) for y, t in op.pairs if y == wrt])
    if isinstance(op, LossTerm):
        return LOSSES[op.fn].sym_slope(symbol(op.pred), symbol(op.target), op.count)
    raise TypeError(op)


def definition(q: Quantity) -> sp.Expr:
    """q's own definition, one level deep, in named quantities."""
    op = q.op
    if isinstance(op, Affine):
        terms = [times(symbol(u), symbol(w)) for u, w in op.terms]
        return plus(*terms, *([symbol(op.bias)] if op.bias else []))
    if isinstance(op, Activate):
        return ACTIVATIONS[op.fn].sym(symbol(op.arg))
    if isinstance(op, Softmax):
        return SOFTMAX.sym([symbol(a) for a in op.args], op.index)
    if isinstance(op, Pool):
        xs = [symbol(a) for a in op.args]
        if op.fn == "max":
            return sp.Max(*xs, evaluate=False)
        return times(sp.Rational(1, len(xs)), plus(*xs))
    if isinstance(op, (Loss, LossTerm)):
        pairs = op.pairs if isinstance(op, Loss) else ((op.pred, op.target),)
        n = (op.count or len(op.pairs)) if isinstance(op, Loss) else op.count
        return plus(*[LOSSES[op.fn].sym(symbol(y), symbol(t), n) for y, t in pairs])
    raise TypeError(op)


# --- the graph ----------------------------------------------------------------------------------

class Graph:
    """Children of every quantity along the backward edges, and which quantities reach which."""

    def __init__(self, net: Network):
        self.net = net
        self.children = net.children()
        self.softmax_out = {(q.op.args, q.op.index): q.name
                            for q in net.quantities if isinstance(q.op, Softmax)}

    def ancestors(self, of: str) -> set[str]:
        """Every quantity `of` depends on through backward edges, and `of` itself."""
        seen = {of}
        stack = [of]
        while stack:
            q = self.net[stack.pop()]
            if q.op is None:
                continue
            for p in grad_parents(q.op):
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return seen

    def kids(self, name: str, reach: set[str]) -> list[str]:
        return [c for c in self.children[name] if c in reach]


@dataclass(frozen=True)
class Factor:
    of: str
    wrt: str
    expr: sp.Expr
    value: float | None


@dataclass(frozen=True)
class Signal:
    """δ_name = dL/d(name), by its recurrence over later signals."""

    name: str
    expr: sp.Expr
    value: float | None


@dataclass(frozen=True)
class Gradient:
    param: str
    paths: tuple[tuple[Factor, ...], ...]  # each from the loss down to the parameter; () if too many
    path_count: int
    via: tuple[Factor, ...]                 # d c / d param for each quantity c the parameter feeds
    delta_form: sp.Expr                     # sum of δ_c · dc/dparam
    compact: sp.Expr | None                 # factored form in named quantities, if readable
    value: float | None
    updated: float | None
    # the network it belongs to, for its names (the loss's, the quantities'): not part of its identity
    network: Network | None = field(default=None, compare=False, repr=False)

    @property
    def best_form(self) -> sp.Expr:
        return self.compact if self.compact is not None else self.delta_form

    def __repr__(self) -> str:
        """One line in the network's names, e.g. Gradient(w5: dE_total/dw5 = 0.0821670408, 1 path)."""
        loss = self.network.loss if self.network is not None else "L"
        value = "no value" if self.value is None else f"{self.value:.9g}"
        paths = f"{self.path_count} path" + ("" if self.path_count == 1 else "s")
        return f"Gradient({self.param}: d{loss}/d{self.param} = {value}, {paths})"


@dataclass
class Derivation:
    network: Network
    gradients: dict[str, Gradient]
    signals: dict[str, Signal]
    values: dict[str, float] | None
    learning_rate: float | None
    definitions: dict[str, sp.Expr] = field(default_factory=dict)
    factors: dict[tuple[str, str], Factor] = field(default_factory=dict, repr=False)  # the engine's, by (of, wrt)

    @property
    def loss_value(self) -> float | None:
        return None if self.values is None else self.values[self.network.loss]

    def __repr__(self) -> str:
        """One line, e.g. Derivation(mlp-222: 10 gradients of E_total = 0.298371109, learning rate 0.5)."""
        loss = self.network.loss + ("" if self.loss_value is None else f" = {self.loss_value:.9g}")
        lr = "" if self.learning_rate is None else f", learning rate {self.learning_rate:g}"
        return f"Derivation({self.network.name}: {len(self.gradients)} gradients of {loss}{lr})"

    @property
    def updated(self) -> dict[str, float]:
        return {n: g.updated for n, g in self.gradients.items() if g.updated is not None}

    @cached_property
    def graph(self) -> Graph:
        return Graph(self.network)

    def factor(self, of: str, wrt: str) -> Factor:
        """The local derivative d(of)/d(wrt) as the engine wrote it (and its value), made once."""
        key = (of, wrt)
        if key not in self.factors:
            self.factors[key] = make_factor(self.network, self.graph, self.values, of, wrt)
        return self.factors[key]

    def expanded(self, param: str) -> sp.Expr:
        """The gradient in inputs and parameters alone (can be very large; shown only on request)."""
        return expand_in_leaves(self.network, self.gradients[param].best_form, self.signals)


def make_factor(net: Network, graph: Graph, values: dict | None, of: str, wrt: str) -> Factor:
    q = net[of]
    value = None if values is None else float(numeric.partial(q, wrt, values, numeric.FLOAT))
    return Factor(of, wrt, local_derivative(q, wrt, graph.softmax_out), value)


# --- the derivation ----------------------------------------------------------------------------

class _Builder:
    def __init__(self, net: Network, values: dict | None):
        self.net = net
        self.graph = Graph(net)
        self.values = values
        self.reach = self.graph.ancestors(net.loss)
        self.signal_nodes = [q.name for q in net.quantities
                             if q.name in self.reach and q.op is not None
                             and any(net[p].role is Role.PARAM for p in grad_parents(q.op))]
        self._signal_set = set(self.signal_nodes)
        self._local: dict[tuple[str, str], Factor] = {}
        self._g: dict[str, sp.Expr] = {}
        self._compact: dict[str, sp.Expr] = {}
        self._size: dict[str, int] = {}
        self._paths: dict[str, int] = {}

    def factor(self, of: str, wrt: str) -> Factor:
        key = (of, wrt)
        if key not in self._local:
            self._local[key] = make_factor(self.net, self.graph, self.values, of, wrt)
        return self._local[key]

    def kids(self, name: str) -> list[str]:
        return self.graph.kids(name, self.reach)

    # δ form: stop at the next signal node
    def towards_signals(self, name: str) -> sp.Expr:
        if name in self._g:
            return self._g[name]
        if name == self.net.loss:
            e = sp.Integer(1)
        elif name in self._signal_set:
            e = delta_symbol(name)
        else:
            e = plus(*[times(self.towards_signals(c), self.factor(c, name).expr) for c in self.kids(name)])
        self._g[name] = e
        return e

    def signal(self, name: str) -> sp.Expr:
        return plus(*[times(self.towards_signals(c), self.factor(c, name).expr) for c in self.kids(name)])

    # factored form all the way to the loss, with a size estimate computed first
    def size(self, name: str) -> int:
        if name not in self._size:
            if name == self.net.loss:
                self._size[name] = 0
            else:
                self._size[name] = sum(self.size(c) + 2 for c in self.kids(name))
        return self._size[name]

    def compact(self, name: str) -> sp.Expr:
        if name not in self._compact:
            if name == self.net.loss:
                e = sp.Integer(1)
            else:
                e = plus(*[times(self.compact(c), self.factor(c, name).expr) for c in self.kids(name)])
            self._compact[name] = e
        return self._compact[name]

    def path_count(self, name: str) -> int:
        if name not in self._paths:
            self._paths[name] = 1 if name == self.net.loss else sum(self.path_count(c) for c in self.kids(name))
        return self._paths[name]

    def paths(self, name: str) -> list[tuple[Factor, ...]]:
        """Every path from the loss down to `name`, as factors in the order the chain rule is written."""
        if name == self.net.loss:
            return [()]
        out = []
        for c in self.kids(name):
            for p in self.paths(c):
                out.append(p + (self.factor(c, name),))
        return out


def derive(net: Network, allow_large: bool = False) -> Derivation:
    """The whole derivation of a network: every parameter's gradient in every form, with numbers
    when the network has values for all its inputs, targets and parameters."""
    n_params = len(net.params)
    if n_params > MAX_PARAMETERS and not allow_large:
        raise SizeError(f"the network has {n_params:,} parameters; a symbolic derivation is limited to "
                        f"{MAX_PARAMETERS:,} (pass --allow-large to go ahead anyway)")
    values = grads = None
    if net.has_numbers():
        values, grads = numeric.gradients(net)
        adj = numeric.backward(net, values)
    b = _Builder(net, values)
    lr = float(net.learning_rate) if net.learning_rate is not None else None

    signals = {}
    for name in b.signal_nodes:
        signals[name] = Signal(name, b.signal(name), None if values is None else float(adj.get(name, 0.0)))

    out: dict[str, Gradient] = {}
    for p in net.params:
        if p.name not in b.reach:  # a parameter the loss does not depend on
            out[p.name] = Gradient(p.name, (), 0, (), sp.Integer(0), sp.Integer(0),
                                   None if values is None else 0.0,
                                   None if (values is None or lr is None) else float(values[p.name]), net)
            continue
        via = tuple(b.factor(c, p.name) for c in b.kids(p.name))
        delta_form = plus(*[times(b.towards_signals(f.of), f.expr) for f in via])
        count = b.path_count(p.name)
        paths = tuple(b.paths(p.name)) if count <= PATH_LIMIT else ()
        compact = b.compact(p.name) if b.size(p.name) <= COMPACT_LIMIT else None
        value = None if grads is None else float(grads[p.name])
        updated = None if (value is None or lr is None) else float(values[p.name]) - lr * value
        out[p.name] = Gradient(p.name, paths, count, via, delta_form, compact, value, updated, net)

    floats = None if values is None else {k: float(x) for k, x in values.items()}
    defs = {q.name: definition(q) for q in net.quantities if q.op is not None}
    return Derivation(net, out, signals, floats, lr, defs, b._local)


def derivative(net: Network, of: str, wrt: str) -> sp.Expr:
    """d(of)/d(wrt) through the network's graph, factored, in named quantities (0 if unrelated)."""
    graph = Graph(net)
    reach = graph.ancestors(of)
    if wrt not in reach:
        return sp.Integer(0)
    memo: dict[str, sp.Expr] = {of: sp.Integer(1)}

    def g(name: str) -> sp.Expr:
        if name not in memo:
            memo[name] = plus(*[times(g(c), local_derivative(net[c], name, graph.softmax_out))
                                for c in graph.kids(name, reach)])
        return memo[name]

    return g(wrt)


def expand_in_leaves(net: Network, expr: sp.Expr, signals: dict[str, Signal]) -> sp.Expr:
    """Replace δ symbols by their recurrences and every named quantity by its definition, down to
    inputs, targets and parameters."""
    memo: dict[str, sp.Expr] = {}

    def leaf_form(name: str) -> sp.Expr:
        if name not in memo:
            q = net[name]
            if q.op is None:
                memo[name] = symbol(name)
            else:
                d = definition(q)
                memo[name] = d.xreplace({s: leaf_form(s.name) for s in d.free_symbols})
        return memo[name]

    def delta_free(e: sp.Expr) -> sp.Expr:
        subs = {}
        for s in e.free_symbols:
            if s.name.startswith("delta__"):
                subs[s] = delta_free(signals[s.name[len("delta__"):]].expr)
        return e.xreplace(subs) if subs else e

    e = delta_free(expr)
    return e.xreplace({s: leaf_form(s.name) for s in e.free_symbols})
