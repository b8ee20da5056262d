"""Derivatives in a note's own semantics: d(of)/d(wrt) through the note's definitions, with
everything that does not go through wrt held fixed (the graph derivative a teacher means)."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import mpmath
import sympy as sp

from ..read.names import display, is_signal
from .evaluate import PRECISION, evaluate
from .note_model import orphans
from .to_sympy import Dv, Iverson, PDv, Unverifiable

PRECISION_DIGITS = 50
SYMBOLIC_LIMIT = 40  # quantities under a derivative beyond which it is worked out in numbers only


@lru_cache(maxsize=100_000)
def partial(expr: sp.Expr, s: sp.Symbol) -> sp.Expr:
    """∂expr/∂s, nothing expanded (the same definitions come back in every note and at every point).
    A max or min of quantities routes to its extreme entry: 1[s = max(…)], flat almost everywhere."""
    if isinstance(expr, (sp.Max, sp.Min)) and s in expr.args:
        return Iverson(s, expr)
    return sp.diff(expr, s)


class Calculus:
    def __init__(self, model):
        self.model = model
        self._adjoints: dict = {}
        self._below: dict = {}
        self._resolved: dict = {}
        self._lonely: set | None = None

    def _orphans(self) -> set:
        """The note's names that no definition reads and that have none (note_model.orphans), once."""
        if self._lonely is None:
            self._lonely = orphans(self.model)
        return self._lonely

    def resolve(self, expr: sp.Expr) -> sp.Expr:
        """Derivatives replaced by what they are under the note's definitions. A derivative over a
        large part of the note is left in place; `value` works it out in numbers at a point."""
        if not expr.has(Dv):
            return expr
        derivs = sorted(expr.atoms(Dv), key=lambda d: sp.count_ops(d))
        return expr.xreplace({d: self._resolve_one(d) for d in derivs})

    def _resolve_one(self, d: Dv) -> sp.Expr:
        if d not in self._resolved:
            of, wrt = self.resolve(d.args[0]), self.resolve(d.args[1])
            direct = self._direct(of, wrt) if isinstance(d, PDv) else None
            if direct is not None:
                self._resolved[d] = direct
            elif wrt.is_Symbol and self._size(of) > SYMBOLIC_LIMIT:
                self._resolved[d] = type(d)(of, wrt)
            else:
                self._resolved[d] = self.derivative(of, wrt)
        return self._resolved[d]

    # --- in numbers, for large notes ---------------------------------------------------------------

    def _size(self, of: sp.Expr) -> int:
        """How many quantities `of` is computed from (counted up to just past SYMBOLIC_LIMIT)."""
        return len(self.model.upstream(of.free_symbols, SYMBOLIC_LIMIT))

    def value(self, expr: sp.Expr, env: dict):
        """expr at the point env (every quantity's value), derivatives worked out in numbers."""
        try:
            if expr.has(Dv):
                expr = expr.xreplace({d: sp.Float(self.numeric_derivative(d, env), PRECISION_DIGITS)
                                      for d in expr.atoms(Dv)})
            return evaluate(expr, env)
        except KeyError as e:  # a quantity on the way has no value: the note does not say enough
            q = self.model.by_symbol_map().get(e.args[0])
            raise Unverifiable(f"the note gives no value for {display(q.key) if q else e.args[0]}") from None

    def numeric_derivative(self, d: Dv, env: dict):
        of, wrt = d.args
        if not wrt.is_Symbol:
            raise Unverifiable("a derivative with respect to an expression, in a note this large")
        if isinstance(d, PDv):
            direct = self._direct(of, wrt)
            if direct is not None:
                return self.value(direct, env)
        adj = self._adjoint(of, env)
        if wrt not in adj:
            self._not_hidden(of, wrt)
            defs = self.model.by_symbol_map()
            blank = sorted((s for s in self._reach(of) if s not in env
                            and (s not in defs or defs[s].definition is None)), key=str)
            if blank:  # L = (y − a^(L))² with a^(L) given nothing: its tie to z is not written
                raise Unverifiable(f"{self._name(blank[0])} has neither a value nor a definition here, so "
                                   f"whether {self._name(of)} depends on {self._name(wrt)} is not known")
        return adj.get(wrt, mpmath.mpf(0))

    def _reach(self, of: sp.Expr) -> frozenset:
        """Every symbol `of` is computed from, by a walk over the definitions (nothing expanded), once."""
        key = ("reach", of)
        if key not in self._below:
            self._below[key] = frozenset(self.model.upstream(of.free_symbols))
        return self._below[key]

    def _name(self, expr: sp.Expr) -> str:
        q = self.model.by_symbol_map().get(expr)
        return display(q.key) if q is not None else str(expr)

    def _not_hidden(self, of: sp.Expr, wrt: sp.Symbol) -> None:
        """Raises Unverifiable when `of` does not depend on wrt only because a name on the way is worked
        out from numbers (ŷ = σ(0.4172) for ∂L/∂z with L = (y − ŷ)²): what that name depends on is not
        written, so the derivative is not known to be 0."""
        unknown = sorted(self._reach(of) & self.model.computed_only - {wrt}, key=str)
        if unknown:
            q = self.model.by_symbol_map().get(unknown[0])
            name = display(q.key) if q is not None else str(unknown[0])
            raise Unverifiable(f"{name} is worked out from numbers only, so what it depends on is not written")
        if not self._connected(of, wrt):  # ∂L/∂z^(l) with L written through a^(L) alone
            raise Unverifiable(f"nothing in the note's definitions connects {self._name(of)} to {self._name(wrt)}, "
                               "so the derivative is not known to be 0")

    def _connected(self, of: sp.Expr, wrt: sp.Symbol) -> bool:
        """of and wrt are in one network: a chain of definitions links them, whichever way it runs. Apart,
        they are two things the note never related (a generic layer l and the last layer L), and
        "does not depend" says nothing."""
        if "parts" not in self._below:
            parent: dict = {}

            def find(x):
                while parent.get(x, x) != x:
                    parent[x] = parent.get(parent[x], parent[x])
                    x = parent[x]
                return x

            for q in self.model.quantities.values():
                if q.definition is not None and not is_signal(q.key):
                    # (δ = ∂L/∂z, or its recurrence, names L and z, and says nothing of how the forward pass ties them)
                    computed = q.definition.xreplace({d: sp.Integer(0) for d in q.definition.atoms(Dv)})
                    for s in computed.free_symbols:
                        a, b = find(q.symbol), find(s)
                        if a != b:
                            parent[a] = b
            self._below["parts"] = find
        find = self._below["parts"]
        return any(find(s) == find(wrt) for s in of.free_symbols)

    def _adjoint(self, of: sp.Expr, env: dict) -> dict:
        """d(of)/d(s) for every quantity s at the point: reverse mode over the definitions."""
        key = (of, id(env))
        if key in self._adjoints:
            return self._adjoints[key][1]
        defs = self.model.by_symbol_map()
        adj: dict = {}
        for s in of.free_symbols:
            adj[s] = evaluate(partial(of, s), env)
        for q in reversed(self._order()):
            g = adj.get(q.symbol)
            if g is None or g == 0 or q.definition is None:
                continue
            for s in q.definition.free_symbols:
                if s in defs:
                    adj[s] = adj.get(s, 0) + g * evaluate(partial(q.definition, s), env)
        self._adjoints[key] = (env, adj)  # env kept alive so its id is not reused
        return adj

    def _order(self) -> list:
        """Computed quantities, each after everything its definition reads."""
        if "order" not in self._below:
            defs = self.model.by_symbol_map()
            done: set = set()
            out: list = []

            def visit(q, depth=0):
                if q.symbol in done or depth > 10000:
                    return
                done.add(q.symbol)
                for s in q.definition.free_symbols:
                    r = defs.get(s)
                    if r is not None and r.definition is not None:
                        visit(r, depth + 1)
                out.append(q)

            for q in self.model.computed():
                visit(q)
            self._below["order"] = out
        return self._below["order"]

    def _direct(self, of: sp.Expr, wrt: sp.Expr) -> sp.Expr | None:
        """∂q/∂s for s written in q's own definition: that definition differentiated, nothing expanded."""
        if not wrt.is_Symbol:
            return None
        if of.is_Symbol:
            q = self.model.by_symbol_map().get(of)
            if q is None or q.definition is None or wrt not in q.definition.free_symbols:
                return None
            of = q.definition
        elif wrt not in of.free_symbols:
            return None
        return sp.diff(of, wrt)

    def derivative(self, of: sp.Expr, wrt: sp.Expr) -> sp.Expr:
        """d(of)/d(wrt) with everything that does not go through wrt held fixed. With respect to an
        expression (∂σ(u)/∂(h1 w5 + h2 w6 + b3)): a change of variables through a symbol it is
        linear in, else the expression replaced wherever it appears."""
        if wrt.is_Symbol:
            kept = self.expand(of, keep={wrt})
            if not kept.has(wrt):
                through = self._through(of, wrt)
                if through is not None:
                    return through
                q = self.model.by_symbol_map().get(wrt)
                if q is not None and q.key in self._orphans():
                    raise Unverifiable(f"{display(q.key)} appears in no definition of the note, so nothing is "
                                       "known to depend on it")
                self._not_hidden(of, wrt)
            return sp.diff(kept, wrt)
        moved = self._linear(of, wrt)
        if moved is not None:
            return moved
        u = sp.Dummy("u")
        expanded = self.expand(of, replace=(wrt, u))
        if not expanded.has(u):
            raise Unverifiable(f"{str(wrt)} does not appear in {str(of)}")
        return sp.diff(expanded, u).xreplace({u: wrt})

    def _linear(self, of: sp.Expr, wrt: sp.Expr) -> sp.Expr | None:
        """d(of)/d(wrt) by a change of variables through a symbol wrt is linear in with a number
        as its coefficient (e = ŷ − y: y = ŷ − e), or None when there is none."""
        u = sp.Dummy("u")
        for s in sorted(wrt.free_symbols, key=lambda x: x.name):
            c = sp.diff(wrt, s)
            if c.is_Number and c != 0:
                inside = self.expand(of, keep=wrt.free_symbols)
                if not inside.has(s):
                    continue
                moved = inside.xreplace({s: (u - (wrt - c * s)) / c})
                return sp.diff(self.expand(moved), u).xreplace({u: wrt})
        return None

    def _through(self, of: sp.Expr, wrt: sp.Symbol) -> sp.Expr | None:
        """∂L/∂e for an intermediate e = ŷ − y that L's own definition, L = (ŷ − y)², does not
        name: the same quantity seen through e (L = e²), by a change of variables, with e's
        definition put back into the result. None when that reading does not exist."""
        q = self.model.by_symbol_map().get(wrt)
        if q is None or q.definition is None:
            return None
        inner = self.expand(wrt)
        if inner.is_Symbol and inner != wrt and inner in self.expand(of).free_symbols:
            return self.derivative(of, inner)  # u = W_hh: another name for W_hh, ∂h/∂u is ∂h/∂W_hh
        if inner.is_Symbol or not (inner.free_symbols & self.expand(of).free_symbols):
            return None
        d = self._linear(of, inner)
        if d is None:  # a = σ(x), y = (5 − σ(x))²: y read as (5 − a)² when every x in it is inside σ(x)
            u = sp.Dummy("u")
            seen = self.expand(of).subs(inner, u)
            if not seen.has(u) or seen.free_symbols & inner.free_symbols:
                return None
            d = sp.diff(seen, u).xreplace({u: inner})
        return d.xreplace({inner: wrt})

    def expand(self, expr: sp.Expr, keep: set | None = None, replace=None) -> sp.Expr:
        """Definitions substituted until only inputs and parameters (and `keep`) are left."""
        keep = keep or set()
        defs = {q.symbol: q.definition for q in self.model.quantities.values() if q.definition is not None}
        for _ in range(60):
            if replace is not None:
                expr = expr.subs(replace[0], replace[1])
            todo = {s: defs[s] for s in expr.free_symbols if s in defs and s not in keep}
            if not todo:
                return expr
            expr = expr.xreplace(todo)
        raise Unverifiable("the definitions refer to each other in a circle")

    def depends_on(self, s: sp.Symbol) -> set:
        return self.expand(s).free_symbols


# --- values at a point ---------------------------------------------------------------------------


def exact_values(model) -> dict:
    """Every quantity whose value follows from the given values, at high precision."""
    with mpmath.workdps(PRECISION):
        out = {q.symbol: _mp(v) for k, v in model.values.items() if (q := model.quantities.get(k)) is not None}
        return fill_in(model, out)


def fill_in(model, env: dict, calc=None) -> dict:
    """env (values of leaves) completed with every definition whose inputs have values, each after its
    inputs. A quantity the note defines as a derivative (δ = ∂L/∂z) is worked out by reverse mode."""
    pending = [q for q in model.quantities.values() if q.definition is not None and q.symbol not in env]
    _evaluate_all(pending, env)
    derivatives = [q for q in pending if q.symbol not in env and q.definition.has(Dv)]
    if derivatives:
        if calc is None:
            calc = Calculus(model)
        for q in derivatives:
            try:
                env[q.symbol] = calc.value(q.definition, env)
            except (ValueError, ZeroDivisionError, TypeError, Unverifiable):
                pass
        _evaluate_all([q for q in pending if q.symbol not in env], env)
    return env


def _evaluate_all(pending: list, out: dict) -> None:
    progress = True
    while pending and progress:
        progress = False
        rest = []
        for q in pending:
            if all(s in out for s in q.definition.free_symbols):
                try:
                    out[q.symbol] = evaluate(q.definition, out)
                except (ValueError, ZeroDivisionError, TypeError, Unverifiable):
                    pass
                progress = True
            else:
                rest.append(q)
        pending = rest


def _mp(v: Fraction):
    return mpmath.mpf(v.numerator) / v.denominator

