"""The machine-readable answer key of a sheet, and the roster map of a class.

A key holds every value a sheet asks for, with its tolerance, the values the student was given, and what
reproduces the variant: the target (and the spec file's text), the class's seed, and the variant's number
or the student's variant seed. Every number is the engine's, as on the printed key.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..document.handout import DEFAULT_TOLERANCE
from ..output.render import Rendered


@dataclass(frozen=True)
class Assignment:
    """What a set of sheets is made from."""
    name: str               # the network's name, which the file names carry
    target: str             # as given on the command line: a built-in example or a spec file
    spec: str | None        # the spec file's text (None for a built-in example)
    seed: int
    roster: str | None = None  # the roster file's name, for the command that reproduces the sheets
    tolerance: Fraction = DEFAULT_TOLERANCE  # the relative error an answer may have

    @property
    def _tolerance(self) -> str:
        return "" if self.tolerance == DEFAULT_TOLERANCE else f" --tolerance {self.tolerance}"

    def command(self, count: int) -> str:
        """The command that makes these sheets again."""
        who = f"--roster {self.roster}" if self.roster else f"--variants {count}"
        return f"derive handout {self.target} {who} --seed {self.seed}{self._tolerance}"

    def sheet_command(self, number: int | None) -> str:
        """The command that makes one sheet again: numbered variant k comes with --variants k or more; a
        student's sheet with any roster that holds the student's id (named by the key), whoever else is on it."""
        who = "--roster ROSTER.csv" if number is None else f"--variants {number}"
        return f"derive handout {self.target} {who} --seed {self.seed}{self._tolerance}"


def exact(x: Fraction) -> str:
    """A drawn value as written: a decimal when it has one (0.05), else a fraction (1/3)."""
    d = x.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d != 1:
        return f"{x.numerator}/{x.denominator}"
    digits = 0
    while (x * 10 ** digits).denominator != 1:
        digits += 1
    sign, n = ("-" if x < 0 else ""), abs(x.numerator) * (10 ** digits // x.denominator)
    whole, frac = divmod(n, 10 ** digits)
    return f"{sign}{whole}" + (f".{frac:0{digits}d}" if digits else "")


def answers(r: Rendered) -> list[dict]:
    """Every value the sheet asks for: its id, part, quantity, LaTeX, value, points and tolerance (a relative
    one, and the absolute one it gives at this value: an exact 0 must be 0)."""
    s = r.sheet
    rows = []
    for q in s.forward + s.loss + s.gradients + s.updates:
        rows.append({"id": f"{q.part}:{q.name}", "part": q.part, "name": q.name, "latex": q.tex,
                     "value": q.value, "points": q.points, "rtol": s.tolerance, "atol": abs(q.value) * s.tolerance})
    return rows


def reproduce(r: Rendered, a: Assignment) -> dict:
    v = r.planned.variant
    return {"target": a.target, "spec": a.spec, "seed": a.seed,
            "variant": None if v.variant_seed is not None else v.number, "variant_seed": v.variant_seed,
            "command": a.sheet_command(None if v.variant_seed is not None else v.number)}


def answer_key(r: Rendered, a: Assignment) -> dict:
    v, s = r.planned.variant, r.sheet
    student = {"id": r.planned.student_id, "name": r.planned.student_name} if r.planned.student_id else None
    return {
        "target": a.name,
        "student": student,
        "variant": None if student else v.number,
        "reproduce": reproduce(r, a),
        "asked": list(v.asked),
        "values": {name: exact(x) for name, x in v.network.values.items()},
        "learning_rate": exact(v.network.learning_rate),
        "tolerance": {"relative": s.tolerance},
        "points": s.points,
        "answers": answers(r),
    }


def roster_map(rendered: list[Rendered], a: Assignment) -> dict:
    """Who got which sheet: id, name, variant seed and the files, in the roster's order."""
    return {
        "target": a.name,
        "reproduce": {"target": a.target, "spec": a.spec, "seed": a.seed, "command": a.command(len(rendered))},
        "students": [{"id": r.planned.student_id, "name": r.planned.student_name,
                      "variant_seed": r.planned.variant.variant_seed, "stem": r.planned.stem} for r in rendered],
    }
