"""Derivatives in a note's own semantics: d(of)/d(wrt) through the note's definitions, with
everything that does not go through wrt held fixed (the graph derivative a teacher means)."""

from __future__ import annotations

import sympy as sp

from .sym import Dv, PDv, Unverifiable


class Calculus:
    def __init__(self, model):
        self.model = model

    def resolve(self, expr: sp.Expr) -> sp.Expr:
        """Derivatives replaced by what they are under the note's definitions."""
        if not expr.has(Dv):
            return expr
        derivs = sorted(expr.atoms(Dv), key=lambda d: sp.count_ops(d))
        subs = {}
        for d in derivs:
            of, wrt = self.resolve(d.args[0]), self.resolve(d.args[1])
            direct = self._direct(of, wrt) if isinstance(d, PDv) else None
            subs[d] = direct if direct is not None else self.derivative(of, wrt)
        return expr.xreplace(subs)

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
            return sp.diff(self.expand(of, keep={wrt}), wrt)
        u = sp.Dummy("u")
        for s in sorted(wrt.free_symbols, key=lambda x: x.name):
            c = sp.diff(wrt, s)
            if c.is_Number and c != 0:
                inside = self.expand(of, keep=wrt.free_symbols)
                if not inside.has(s):
                    continue
                moved = inside.xreplace({s: (u - (wrt - c * s)) / c})
                return sp.diff(self.expand(moved), u).xreplace({u: wrt})
        expanded = self.expand(of, replace=(wrt, u))
        if not expanded.has(u):
            raise Unverifiable(f"{str(wrt)} does not appear in {str(of)}")
        return sp.diff(expanded, u).xreplace({u: wrt})

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

