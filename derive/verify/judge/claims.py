"""Judging claims. Each relation `A = B` in a statement is one claim:

* symbolic (both sides have names): equal as functions of the note's inputs and parameters —
  derivatives resolved through the note's own definitions, then both sides evaluated at random
  points in 40-digit precision;
* numeric (the right side is written in numbers): the arithmetic as written (exactly, then with
  each rounded number as its interval, mpmath.iv) and the value against the exact value that
  follows from the note's inputs and parameters; a last-digit slip is a warning.
Definitions, value lists and remarks are read, not judged.
"""

from __future__ import annotations

import random
from functools import cached_property

import mpmath
import sympy as sp

from ...algebra import Sigmoid
from ...document.printing import TeacherText
from ..model.calculus import Calculus, fill_in
from ..model.evaluate import PRECISION
from ..model.note_model import NoteModel, orphans
from ..model.to_sympy import ACTIVATION_NAMES, Dv, Iverson, PDv, Unverifiable, to_sympy
from ..read.budget import TimeLimit, time_limit
from ..read.ir import Declare, Exp, Juxt, Member, Op, Paren, Ref, refs
from ..read.names import display, is_learning_rate
from ..read.segment import SYNTHESIZED, source_end
from ..read.statements import Statement, as_number, is_numeric
from .cases import at_note_values, leaf_values, only_for_known, stand_ins, under_condition
from .diagnose import diagnose, diagnose_update, fix_one_factor, named_derivative, sigmoid_form
from .numeric_claims import judge_numbers
from .shapes import Sizes, judge_sizes, note_sizes
from .structure import review
from .verdict import Stage, Status, Verdict, correct, unverifiable, wrong

TIME_LIMIT = 2.0   # seconds per claim
POINTS = 3         # random points for a symbolic identity
PIECEWISE = (sp.Heaviside, sp.Max, sp.Min, Iverson)  # functions whose identities random points may not see
TOLERANCE = mpmath.mpf("1e-25")


class Checker:
    def __init__(self, model: NoteModel, note_text: str):
        self.model = model
        self.text = note_text
        self.rng = random.Random(20261124)
        self.points = [self._random_point() for _ in range(POINTS)]
        self.printer_names = {q.symbol: display(q.key) for q in model.quantities.values()}
        self.calc = Calculus(model)
        self._envs: dict = {}
        self.line: int | None = None
        self.context: tuple[str, ...] | None = None
        self.kink = False  # the last `equal` failed only at the note's own values (a unit switched off)
        self.self_contained = False

    # --- entry -------------------------------------------------------------------------------

    def judge(self, st: Statement) -> list[Verdict]:
        self.line = st.formula.line
        self.self_contained = st.formula.kind == "table"  # ∂/∂a (its formula) = its derivative: an identity
        subject = st.subject.node if st.subject is not None else None
        q = self.model.resolve(subject, line=self.line) if isinstance(subject, Ref) else None
        self.context = q.key if q is not None else None
        out = []
        for i, left, rel, right in st.pairs:
            if rel in ("=>", "maps", ">", "<", ">=", "<="):
                continue
            source, line, col = self._source(st, left, right, i)
            try:
                with time_limit(TIME_LIMIT):
                    j = self._judge_pair(st, i, left, rel, right)
            except TimeLimit:
                j = unverifiable(Stage.TIME_LIMIT, f"took longer than {TIME_LIMIT:g} s to check")
            except Unverifiable as e:
                j = unverifiable(Stage.READING, str(e))
            except (ZeroDivisionError, ValueError, OverflowError, TypeError) as e:
                j = unverifiable(Stage.EVALUATION, f"cannot be evaluated ({type(e).__name__})")
            except (ArithmeticError, AttributeError, KeyError, IndexError, RecursionError, sp.SympifyError) as e:
                # notes are untrusted input: one claim the checker cannot handle must not stop the others
                j = unverifiable(Stage.ERROR, f"could not be checked ({type(e).__name__}: {e})")
            j = review(j, st, i, left, right, self.model, self.text)  # what the notation alone shows
            if j is not None and j.status != Status.WRONG and self.shapes is not None:
                j = judge_sizes(self.shapes, left.node, right.node, self._shape_key, self._shape_scalar) or j
            if j is not None:
                out.append(Verdict.of(j, line, col, source))
        return out

    # --- sizes, in a note written with matrices -------------------------------------------------

    @cached_property
    def shapes(self) -> Sizes | None:
        """The sizes the note's definitions tie together, when it is in matrix form (else None)."""
        return note_sizes(self.model, self._shape_key, self._shape_scalar)

    def _shape_key(self, ref: Ref):
        q = self.model.resolve(ref, line=self.line)
        return q.key if q is not None else ref.key

    def _shape_scalar(self, key) -> bool:
        m = self.model
        return key == m.loss or is_learning_rate(key) or key in m.values

    def _source(self, st: Statement, left: Member, right: Member, i: int) -> tuple[str, int, int]:
        f = st.formula
        if f.kind in SYNTHESIZED:
            return f.text, f.line, f.col
        if i == 0 and st.anchored:
            text = "… = " + self.text[f.start + right.start: source_end(self.text, f.start + right.end)]
            line, col = _where(self.text, f.start + right.start)
        else:
            text = self.text[f.start + left.start: source_end(self.text, f.start + right.end)]
            line, col = _where(self.text, f.start + left.start)
        text = " ".join(text.split())
        return (text if len(text) <= 160 else text[:157] + "…"), line, col

    # --- one claim ----------------------------------------------------------------------------

    def _judge_pair(self, st, i, left, rel, right):
        a, b = left.node, right.node
        if self._is_definition(left, right):  # an error signal's definition is checked by convention
            return self._delta(a) if isinstance(a, Ref) and a.tokens[0] == "delta" else None
        if isinstance(a, Declare):
            return None
        if rel == "->" and (_remark(b, self.model) or isinstance(a, Ref) and as_number(b) is not None):
            return None  # `→ constant`; w₂ → −0.861, the value after a step
        if isinstance(a, Ref) and as_number(b) is not None:
            q = self.model.resolve(a)
            if q is not None and q.definition is None:
                return None  # a value given, not a claim
        if leaf_values(self, a, b):
            return None  # [θ1 θ2; θ3 θ4] = [0.19 0.55; 0.33 0.16]: values given, entry by entry
        if i == 0 and isinstance(a, Ref) and self._steps_from_own_value(a, b):
            return None  # w₂ = −1.0 − 1.0 × 0.1455: the new w₂, its arithmetic judged in the next link
        if _is_dependency(b, st, self.model):
            return self._dependency(st, b)
        if isinstance(a, Ref) and _mentions_self(a, b, self.model):
            return self._update(a, b)
        if (is_numeric(b) or is_numeric(a)) and under_condition(self, st):
            raise Unverifiable("stated under a condition written before it on the line (if … < …), not at the "
                               "note's values")
        if is_numeric(b) and not self._names_e(b):
            subject = self._subject(st, i)
            return self._numeric(a, b, subject, st)
        if is_numeric(a) and not self._names_e(a):
            return self._numeric(b, a, None, st)
        subject = st.subject.node if st.subject is not None else None
        return self._symbolic(a, b, rel, subject if subject is not None and not is_numeric(subject) else None)

    def _steps_from_own_value(self, a: Ref, b) -> bool:
        """b starts from the value a has and adds or takes something away: an update written in numbers."""
        q = self.model.resolve(a)
        if q is None or q.definition is not None or q.key not in self.model.values or not is_numeric(b):
            return False
        if not (isinstance(b, Op) and b.kind in ("+", "-")):
            return False
        first = as_number(b.args[0])
        return first is not None and first.value == self.model.values[q.key]

    def _names_e(self, node) -> bool:
        """e² in a note that defines e (e = ŷ − y) is a square of that e, not a number."""
        return self.model.defined_e() is not None and any(isinstance(n, Exp) for n in node.walk())

    def _is_definition(self, left: Member, right: Member) -> bool:
        if isinstance(left.node, Ref) and right.node in (self.model.matrices.get(left.node.key),
                                                         self.model.matrix_values.get(left.node.key)):
            return True
        for node, other in ((left.node, right.node), (right.node, left.node)):
            if isinstance(node, Ref):
                q = self.model.resolve(node)
                if q is not None and q.def_node is other:
                    return True
        if isinstance(left.node, Juxt) and isinstance(left.node.left, Ref) \
                and left.node.left.key in self.model.functions:
            return True
        return False

    def _subject(self, st: Statement, i: int):
        """What a chain is about: its first member, when that has names."""
        first = st.subject.node if st.subject is not None else None
        if isinstance(first, Ref) and len(st.members) > 1 and self._steps_from_own_value(first, st.members[1].node):
            return None  # w₂ = −1.0 − 1.0 × 0.1455 = −1.1455: the numbers are the new w₂, checked as arithmetic
        if isinstance(first, Ref) and len(st.members) > 1 and st.members[0].node is first \
                and _mentions_self(first, st.members[1].node, self.model):
            first = st.members[1].node  # v ← v − η ∂L/∂v = 0.8 − 0.5 · 0.0636: the numbers are the new v
        return first if first is not None and not is_numeric(first) and (i > 0 or st.anchored) else None

    # symbolic -------------------------------------------------------------------------------

    def _symbolic(self, a, b, rel: str = "=", subject=None):
        ea, eb = self.sym(a), self.sym(b)
        if isinstance(ea, sp.MatrixBase) or isinstance(eb, sp.MatrixBase):
            if rel == "->" and _shape(ea) != _shape(eb):
                return None  # x → z: an arrow between things of different shapes maps, not equates
            return self._matrix(ea, eb)
        self._known(ea)
        placeholder = self._placeholder(eb)
        if placeholder is not None:
            return self._instantiate(ea, eb, placeholder)
        self._known(eb)
        ra, rb = self.resolve(ea), self.resolve(eb)
        if self.equal(ra, rb):
            return correct(Stage.POINTS, "equal as functions of the note's inputs and parameters")
        if subject is not None and subject is not a:
            es = self.sym(subject)
            rs = self.resolve(es)
            if self.equal(rb, rs):  # this step is right: the one before it is off
                return correct(Stage.POINTS, f"equals {self.text_of(self.named(es))}; the step before it is off")
            fixed = fix_one_factor(self, rs, a, b)
            if fixed:
                return wrong(Stage.POINTS, fixed, self.text_of(self.named(es)))
        known = only_for_known(self, ra, rb)  # f'(z) = f(z)(1 − f(z)) with f never defined
        if known is not None:
            return known
        names = stand_ins(self, ra, rb)
        if names:  # σ'(z₁) with z₁ given only as 0.5 (= w₁x there): compared at the note's values
            return at_note_values(self, ra, rb, ea, names)
        if self.kink:
            return wrong(Stage.NOTE_VALUES, "equal only where every ReLU or max passes its input on; at the note's "
                                            "own values a unit is off and the two sides differ", self.shown(ea))
        reason = diagnose(self, ea, eb, ra, rb, (a, b))
        return wrong(Stage.POINTS, reason, self.shown(ea))

    def _placeholder(self, e: sp.Expr) -> sp.Symbol | None:
        """`S(x)(1 - S(x))`, x tied to nothing (or to the input vector): x is a placeholder for the
        argument of the function, when it appears only inside calls."""
        if self.self_contained:
            return None
        loose = self._lonely() | {self.model.quantities[k].symbol for k in self.model.declared_vectors
                                  if k in self.model.quantities}
        free = [s for s in e.free_symbols if s in loose]
        if len(free) != 1:
            return None
        x = free[0]
        stripped = e.replace(lambda n: isinstance(n, (Sigmoid, sp.exp)) and n.has(x), lambda n: sp.Integer(1))
        return x if not stripped.has(x) else None

    def _instantiate(self, ea: sp.Expr, eb: sp.Expr, x: sp.Symbol):
        """Read the placeholder as each argument the other side applies a sigmoid or e^ to."""
        ra = self.resolve(ea)
        candidates = []
        for atom in sorted(ea.atoms(Sigmoid, sp.exp) | self.expand(ea).atoms(Sigmoid, sp.exp), key=str):
            arg = atom.args[0]
            candidates.append(-arg if isinstance(atom, sp.exp) else arg)
        name = self.printer_names.get(x, str(x))
        for c in dict.fromkeys(candidates):
            trial = self.resolve(eb.xreplace({x: c}))
            self._known(trial)
            reading = f"reading {name} as {self.text_of(self.pretty(c))}"
            if self.equal(ra, trial):
                return correct(Stage.POINTS, f"{reading}: equal as functions of the inputs and parameters")
            reason = diagnose(self, ea, eb, ra, trial)
            if "factor" in reason or "sign" in reason:
                return wrong(Stage.POINTS, f"{reading}, {reason}", self.shown(ea))
        raise Unverifiable(f"{name} stands for no quantity of the note here")

    def pretty(self, e: sp.Expr) -> sp.Expr:
        """Definitions folded back into the names the note gave them."""
        defs = {q.definition: q.symbol for q in self.model.quantities.values()
                if q.definition is not None and not q.definition.is_Symbol}
        e = e.xreplace(defs)
        # a sum that holds a defined sum among its terms: c + v1 h1 + v2 h2 − t is y − t
        sums = sorted(((set(d.args), q) for d, q in defs.items() if d.is_Add), key=lambda t: -len(t[0]))

        def fold(node):
            terms = set(node.args)
            for parts, name in sums:
                if parts < terms:
                    return sp.Add(name, *(terms - parts))
            return node

        return e.replace(lambda n: n.is_Add, fold) if sums else e

    def _matrix(self, ea, eb):
        if not (isinstance(ea, sp.MatrixBase) and isinstance(eb, sp.MatrixBase)) or ea.shape != eb.shape:
            if isinstance(ea, sp.MatrixBase) and ea.shape == (1, 1):
                return self._symbolic_values(ea[0, 0], eb)
            if isinstance(eb, sp.MatrixBase) and eb.shape == (1, 1):
                return self._symbolic_values(ea, eb[0, 0])
            raise Unverifiable("compares a matrix with something of another shape")
        for x, y in zip(ea, eb):
            self._known(x)
            self._known(y)
            rx, ry = self.resolve(x), self.resolve(y)
            if not self.equal(rx, ry):
                return wrong(Stage.POINTS, f"the entries {self.text_of(x)} and {self.text_of(y)} differ",
                             self.text_of(x))
        return correct(Stage.POINTS, "equal entry by entry")

    def _symbolic_values(self, ea, eb):
        ra, rb = self.resolve(ea), self.resolve(eb)
        if self.equal(ra, rb):
            return correct(Stage.POINTS, "equal as functions of the note's inputs and parameters")
        return wrong(Stage.POINTS, "not equal", self.text_of(ea))

    def _delta(self, ref: Ref):
        """δ^{(2)} = (a^{(2)} − y) a^{(2)}(1 − a^{(2)}): an error signal defined by a formula is, by the
        convention every such note follows, ∂L/∂z for the pre-activation z of the same layer or unit
        (the quantity with the same indices whose definition is a sum). Checked when that z is clear."""
        m = self.model
        q = m.resolve(ref)
        z = self._signal_of(q)
        if z is None:
            return None
        loss = m.quantities[m.loss].symbol
        expected = self.resolve(PDv(loss, z.symbol))
        shown = f"∂{display(m.loss)}/∂{display(z.key)}"
        # the other signals it is built from are taken as what they should be, so that only the first
        # wrong δ of a recurrence is reported, not every one after it
        others = {d.symbol: PDv(loss, w.symbol) for d in m.quantities.values()
                  if d.symbol in q.definition.free_symbols and (w := self._signal_of(d)) is not None}
        claim = self.resolve(q.definition.xreplace(others))
        if self.equal(claim, expected):
            return correct(Stage.POINTS, f"{display(q.key)} is {shown}, as an error signal is")
        reason = diagnose(self, PDv(loss, z.symbol), q.definition, expected, claim)
        reason = "" if reason.startswith("the two sides differ") else f": {reason}"
        return wrong(Stage.POINTS, f"an error signal {display(q.key)} is {shown}, and this formula is not that{reason}",
                     self.shown(PDv(loss, z.symbol)))

    def _signal_of(self, q):
        """The pre-activation z whose ∂L/∂z the error signal q (δ…, defined by a formula) stands for."""
        m = self.model
        if q is None or q.key[0] != "delta" or q.definition is None or q.definition.has(Dv) or m.loss is None:
            return None
        sums = [c for k, c in m.quantities.items() if k != q.key and k[1:] == q.key[1:]
                and c.definition is not None and c.definition.is_Add]
        return sums[0] if len(sums) == 1 else None

    def _update(self, target: Ref, rhs):
        """p = p − η ∂L/∂p."""
        m = self.model
        q = m.resolve(target)
        base = Ref(tuple(t for t in target.tokens if t.lower() not in ("new", "^new")), target.tex)
        q = m.resolve(base) or q
        if q is None:
            raise Unverifiable(f"{display(target.key)} is not a quantity of the note")
        if m.loss is None:
            raise Unverifiable("the note defines no loss to differentiate")
        raw = self.sym(rhs)
        self._known(raw)
        lr = m.learning_rate()
        if lr is None:
            raise Unverifiable("no learning rate (η, lr, learning rate) in the note")
        if lr.symbol not in m.upstream(raw.free_symbols):  # δ ← δ·f′(z): a name given a new meaning
            raise Unverifiable(f"an assignment to {display(q.key)} with no learning rate in it: not a step of "
                               "gradient descent, and what it replaces is not checked")
        claim = self.resolve(raw)
        loss = m.quantities[m.loss].symbol
        expected = q.symbol - lr.symbol * self.resolve(Dv(loss, q.symbol))
        if self.equal(claim, expected):
            return correct(Stage.POINTS, f"the gradient-descent update of {display(q.key)}")
        expected_update = f"{display(q.key)} - {display(lr.key)}*d{display(m.loss)}/d{display(q.key)}"
        return wrong(Stage.POINTS, diagnose_update(self, q, lr, loss, claim), expected_update)

    def _dependency(self, st, b):
        """L = L(w_1, …, b_3): the loss depends on each of these."""
        q = self.model.resolve(b.left, line=self.line)
        args = [x for x in b.right.items if isinstance(x, Ref)]
        deps = self.depends_on(q.symbol)
        missing = [display(x.key) for x in args
                   if (r := self.model.resolve(x, line=self.line)) is None or (r.symbol not in deps and r is not q
                                                                               and not self._upstream(r, q))]
        if missing:
            return wrong(Stage.DEFINITIONS, f"{display(q.key)} does not depend on {', '.join(missing)}")
        return correct(Stage.DEFINITIONS, f"{display(q.key)} depends on each of these")

    def _upstream(self, r, q) -> bool:
        """r is a quantity q is computed from."""
        return r.symbol in self.expand(q.symbol, keep={r.symbol}).free_symbols

    # numeric ----------------------------------------------------------------------------------

    def _numeric(self, a, b, subject, st):
        return judge_numbers(self, a, b, subject, st)

    # --- the machinery --------------------------------------------------------------------------

    def sym(self, node) -> sp.Expr:
        return to_sympy(node, _At(self.model, self.line))

    def resolve(self, expr: sp.Expr) -> sp.Expr:
        return self.calc.resolve(expr)

    def expand(self, expr: sp.Expr, keep: set | None = None, replace=None) -> sp.Expr:
        return self.calc.expand(expr, keep, replace)

    def depends_on(self, s: sp.Symbol) -> set:
        return self.calc.depends_on(s)

    def _known(self, expr: sp.Expr) -> None:
        """Refuse to judge claims in names that nothing ties to the network."""
        if self.self_contained:
            return
        lonely = self._lonely()
        bad = [self.printer_names.get(s, str(s)) for s in expr.free_symbols if s in lonely]
        if bad:
            raise Unverifiable(f"{', '.join(sorted(bad))}: used but never defined, so nothing ties "
                               f"{'it' if len(bad) == 1 else 'them'} to the network")

    def _lonely(self) -> set:
        if not hasattr(self, "_lonely_cache"):
            keys = orphans(self.model)
            lr = self.model.learning_rate()
            self._lonely_cache = {self.model.quantities[k].symbol for k in keys
                                  if k in self.model.quantities and (lr is None or k != lr.key)
                                  and k not in self.model.values}
        return self._lonely_cache

    def _random_point(self) -> dict:
        return {"seed": self.rng.random()}

    def _one_hot(self) -> dict:
        """Class labels that keep the note's values at every point: the targets of a cross-entropy given
        as a one-hot vector (t_0 … t_9, one of them 1: p − t is ∂L/∂z only for targets that sum to 1), and
        a 0/1 label of a log loss (L = −ln(1 − ŷ) holds because y = 0)."""
        model = self.model
        fixed = {}
        loss = model.quantities.get(model.loss) if model.loss is not None else None
        if loss is not None and loss.definition is not None and loss.definition.has(sp.log):
            fixed.update({q.symbol: mpmath.mpf(int(model.values[q.key])) for q in model.leaves()
                          if q.symbol in loss.definition.free_symbols and model.values.get(q.key) in (0, 1)})
        logged = set()
        for q in model.computed():
            if q.definition.has(sp.log):
                logged |= q.definition.free_symbols
        for members in _numbered(q for q in model.leaves() if q.key in model.values):
            values = [model.values[q.key] for q in members]
            if len(members) > 1 and set(values) <= {0, 1} and sum(values) == 1 \
                    and any(q.symbol in logged for q in members):
                fixed.update({q.symbol: mpmath.mpf(int(model.values[q.key])) for q in members})
        return fixed

    def values_at(self, point: dict) -> dict:
        """Every quantity at a random point: leaves drawn, computed ones from their definitions."""
        rng = random.Random(point["seed"])
        with mpmath.workdps(PRECISION):
            env = {}
            fixed = self._one_hot()
            for q in sorted(self.model.quantities.values(), key=lambda q: q.symbol.name):
                if q.definition is None:
                    env[q.symbol] = mpmath.mpf(rng.uniform(0.15, 0.85))
            env.update(fixed)
            for group in self._distributions:  # targets of a cross-entropy: a distribution, summing to 1
                if not any(x in fixed for x in group):
                    total = mpmath.fsum(env[x] for x in group)
                    env.update({x: env[x] / total for x in group})
            return fill_in(self.model, env, self.calc)

    @cached_property
    def _distributions(self) -> list[list]:
        """Groups of leaves without values (y_1, y_2, y_3) that weigh the logs of the loss, −Σ y_k log ŷ_k:
        the targets of a cross-entropy, which p − y needs to sum to 1 (a note writes Σ_t y_t = 1 in words).
        Worked out once per note: the loss is expanded, and each random point asks."""
        model = self.model
        loss = model.quantities.get(model.loss) if model.loss is not None else None
        if loss is None or loss.definition is None or not loss.definition.has(sp.log):
            return []
        weights = set()
        for term in sp.Add.make_args(sp.expand(loss.definition)):
            if term.has(sp.log):
                weights |= {f for f in sp.Mul.make_args(term) if f.is_Symbol}
        groups = _numbered(q for q in model.leaves() if q.symbol in weights and q.key not in model.values)
        return [[q.symbol for q in g] for g in groups if len(g) > 1]

    def env(self, point: int) -> dict:
        """Every quantity's value at random point `point` (worked out once per note)."""
        if point not in self._envs:
            self._envs[point] = self.values_at(self.points[point])
        return self._envs[point]

    def equal(self, a: sp.Expr, b: sp.Expr) -> bool:
        self.kink = False
        if a == b:
            return True
        with mpmath.workdps(PRECISION):
            for p in range(len(self.points)):
                env = self.env(p)
                x, y = self.calc.value(a, env), self.calc.value(b, env)
                if abs(x - y) > TOLERANCE * max(1, abs(x), abs(y)):
                    return False
            if a.has(*PIECEWISE) or b.has(*PIECEWISE):
                # a ReLU or max is active at every random point; the note's own values may switch a unit off
                try:
                    x, y = self.calc.value(a, self.model.exact), self.calc.value(b, self.model.exact)
                except (Unverifiable, ZeroDivisionError, ValueError, TypeError):
                    return True
                if abs(x - y) > TOLERANCE * max(1, abs(x), abs(y)):
                    self.kink = True
                    return False
        return True

    def at(self, expr: sp.Expr, point: int = 0):
        with mpmath.workdps(PRECISION):
            return self.calc.value(expr, self.env(point))

    def named(self, expr: sp.Expr) -> sp.Expr:
        """Derivatives written back in the note's own names (a(1 - a) for σ' where a = σ(z))."""
        return expr.xreplace({d: named_derivative(self, d.args[0], d.args[1]) for d in expr.atoms(Dv)})

    def shown(self, expr: sp.Expr) -> str:
        """An expected expression as the note would write it: derivatives worked out in its names, a
        sigmoid's derivative as σ(1 − σ), definitions folded back into the names they were given."""
        return self.text_of(self.pretty(sigmoid_form(self.named(expr))))

    def text_of(self, expr) -> str:
        return _NoteText(self.printer_names).doprint(expr)


def _numbered(quantities) -> list[list]:
    """Quantities grouped by name without their numbers (t_1, t_2, t_3 are one group), in order."""
    groups: dict = {}
    for q in quantities:
        groups.setdefault(tuple(t.rstrip("0123456789") for t in q.key), []).append(q)
    return list(groups.values())


def _shape(e) -> tuple:
    return e.shape if isinstance(e, sp.MatrixBase) else (1, 1)


class _NoteText(TeacherText):
    """Plain text in the note's names, derivatives as d(of)/d(wrt), the step of a ReLU as 1[z > 0]."""

    def _print_Heaviside(self, e):
        return "1[%s > 0]" % self._print(e.args[0])

    def _print_Activation(self, e):
        k, n, x = e.args
        return "%s%s(%s)" % (ACTIVATION_NAMES.get(int(k), "f"), "'" * int(n), self._print(x))

    def _print_Dv(self, e):
        return "d%s/d%s" % (self.parenthesize(e.args[0], 1000), self.parenthesize(e.args[1], 1000))

    def _print_PDv(self, e):
        return "∂%s/∂%s" % (self.parenthesize(e.args[0], 1000), self.parenthesize(e.args[1], 1000))


class _At:
    """The note's scope as of one line (names whose meaning drifts resolve as of that line)."""

    def __init__(self, model: NoteModel, line: int | None):
        self.model, self.line = model, line

    def symbol(self, ref: Ref) -> sp.Symbol:
        return self.model.symbol(ref, self.line)

    def function(self, ref: Ref):
        return self.model.function(ref)

    def defined_e(self):
        return self.model.defined_e()

    def call(self, name: str, arg, prime: int = 0):
        return self.model.call(name, arg, prime)


def _where(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _remark(node, model) -> bool:
    """`→ constant`, `→ loss function`: words after an arrow, not a quantity."""
    rs = refs(node)
    return bool(rs) and all(len("".join(r.tokens)) > 2 and model.resolve(r) is not None
                            and model.resolve(r).key not in _used_keys(model) for r in rs)


def _used_keys(model) -> set:
    keys = set()
    for st in model.statements:
        for _, left, rel, right in st.pairs:
            if rel != "->":
                for n in (left.node, right.node):
                    for r in refs(n):
                        q = model.resolve(r)
                        if q is not None:
                            keys.add(q.key)
    return keys


def _mentions_self(target: Ref, rhs, model) -> bool:
    q = model.resolve(target)
    base = Ref(tuple(t for t in target.tokens if t.lower() not in ("new", "^new")), target.tex)
    qb = model.resolve(base)
    keys = {x.key for x in (q, qb) if x is not None}
    return any((r2 := model.resolve(r)) is not None and r2.key in keys for r in refs(rhs)) and not is_numeric(rhs)


def _is_dependency(b, st, model) -> bool:
    """`L(y_pred)` written where the chain is about L: L as a function of these."""
    if not (isinstance(b, Juxt) and isinstance(b.left, Ref) and isinstance(b.right, Paren)):
        return False
    subject = st.subject.node if st.subject is not None else None
    if not isinstance(subject, Ref):
        return False
    qa, qb = model.resolve(subject), model.resolve(b.left)
    return qa is not None and qa is qb
