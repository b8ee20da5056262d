"""What a check concludes about one claim, as values rather than strings: a status, the stage that
decided it, the reason, and the expected side when one can be shown. JSON and the reports print the
enums' values ("correct", "random points"), which are the strings of the interface."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    CORRECT = "correct"
    WRONG = "wrong"
    WARNING = "warning"          # a rounding slip, or right only on the note's own (off) numbers
    UNVERIFIABLE = "unverifiable"


class Stage(StrEnum):
    """What decided a verdict."""

    POINTS = "random points"     # a symbolic identity at random points in high precision
    NOTE_VALUES = "note's values"  # the note's own values (a ReLU or max switched off there)
    DEFINITIONS = "definitions"  # what the note's definitions depend on
    VALUES = "values"            # a number against the exact value of what it stands for
    ARITHMETIC = "arithmetic"    # the numbers as written, exactly and as intervals
    STRUCTURE = "structure"      # the notation alone: free indices, a chain of derivatives, an update's step
    SHAPES = "shapes"            # the sizes of the vectors and matrices of a note in matrix form
    READING = "reading"          # the claim uses something that cannot be given a meaning
    PARSING = "parsing"          # the formula could not be read
    TIME_LIMIT = "time limit"
    EVALUATION = "evaluation"    # a value that cannot be computed (a division by zero, …)
    ERROR = "error"              # a claim the checker cannot handle


SEVERITY = {Status.CORRECT: 0, Status.WARNING: 1, Status.WRONG: 2}


@dataclass(frozen=True)
class Judgement:
    """The verdict on one relation, before it is placed in the note."""

    status: Status
    stage: Stage
    message: str
    expected: str | None = None


def correct(stage: Stage, message: str) -> Judgement:
    return Judgement(Status.CORRECT, stage, message)


def wrong(stage: Stage, message: str, expected: str | None = None) -> Judgement:
    return Judgement(Status.WRONG, stage, message, expected)


def warning(stage: Stage, message: str, expected: str | None = None) -> Judgement:
    return Judgement(Status.WARNING, stage, message, expected)


def unverifiable(stage: Stage, message: str) -> Judgement:
    return Judgement(Status.UNVERIFIABLE, stage, message)


@dataclass(frozen=True)
class Verdict:
    """A judgement placed in the note: its line and column and the source it judges."""

    line: int
    col: int
    status: Status
    source: str
    expected: str | None
    message: str
    stage: Stage

    @classmethod
    def of(cls, j: Judgement, line: int, col: int, source: str) -> Verdict:
        return cls(line, col, j.status, source, j.expected, j.message, j.stage)
