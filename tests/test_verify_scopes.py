"""Scopes: several examples in one note, a generic derivation followed by a worked example, an
intermediate quantity, a definition given again in other terms. The notes are in notes/scopes/;
the expected statuses below were worked out by hand, next to the line they judge."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive.verify import verify_file
from derive.verify.model.scopes import partition
from derive.verify.read.segment import read_note
from derive.verify.read.statements import statements

NOTES = Path(__file__).resolve().parent / "notes" / "scopes"

EXPECTED = {  # note: {line: the statuses of its verdicts}
    "two_examples.md": {
        # example 1: x = 2, w = 3, y = 5, ŷ = wx = 6: 2(ŷ − y)x = 2(6 − 5)(2) = 4
        11: {"correct"},
        # example 2 reuses x, w, y: x = 1, w = 0.5, y = 2, ŷ = 0.5: 2(0.5 − 2)(1) = −3 (with example 1's
        # values it would be 4, a false alarm)
        17: {"correct"},
        # 2(0.5 − 2)(1) = −3, written −2
        19: {"correct", "wrong"},
    },
    "generic_then_worked.md": {
        5: {"correct"},   # ∂E/∂w = (a − t) σ′(z) x = (a − t) a(1 − a) x
        7: {"wrong"},     # ∂E/∂b = (a − t) a(1 − a): the factor (1 − a) is missing
        # the worked example uses the generic definitions with its own values:
        13: {"correct"},  # z = 0.5·1 + 0 = 0.5
        15: {"correct"},  # σ(0.5) = 1/(1 + e^−0.5) = 0.622459, written 0.6225
        17: {"correct"},  # (0.6225 − 1)(0.6225)(0.3775)(1) = −0.088713, written −0.0887
    },
    "intermediate_e.md": {
        5: {"correct"},   # L = e² with e = ŷ − y is L = (ŷ − y)²: e is the note's e, not Euler's number
        7: {"correct"},   # ∂L/∂e = 2e: L seen through e (not "L does not depend on e")
        9: {"correct"},   # ∂L/∂ŷ = ∂L/∂e · 1 = 2e
        11: {"correct"},  # ∂L/∂w = 2(ŷ − y)x = 2e·x
        13: {"wrong"},    # e·x is half of 2e·x
    },
    "redefined.md": {
        5: {"correct"},   # ŷ = wx, L = ½(ŷ − t)²: ∂L/∂w = (ŷ − t)x
        9: {"warning"},   # ŷ = wh: ŷ given again in other terms, read as another example
        11: {"correct"},  # ŷ = wσ(vx): ∂L/∂v = (ŷ − t) w h(1 − h) x
        13: {"wrong"},    # the factor (1 − h) of σ′ is missing
    },
    "case_names.md": {
        5: {"correct"},       # ∂L/∂w = (a − t) a(1 − a) x
        # l is not L: nothing defines l, so this cannot be checked (read as L it would be "wrong")
        7: {"unverifiable"},
    },
}


@pytest.fixture(scope="module")
def reports():
    return {name: verify_file(NOTES / name) for name in EXPECTED}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_line_is_judged_in_its_own_example(reports, name):
    got: dict[int, set[str]] = {}
    for v in reports[name].verdicts:
        got.setdefault(v.line, set()).add(str(v.status))
    assert got == EXPECTED[name], reports[name].verdicts


def _scopes(name):
    path = NOTES / name
    note = read_note(str(path), path.read_text())
    return partition(note, statements(note)[0])


def test_a_heading_and_fresh_values_open_a_new_scope():
    scopes = _scopes("two_examples.md")
    assert [s.first_line for s in scopes] == [1, 15]  # a scope starts at its first statement
    assert sorted(scopes[1].lines) == [15, 17, 19]
    # example 2 inherits the definitions of ŷ and L, not example 1's values of x, w and y
    assert sorted(st.formula.line for st in scopes[1].inherited) == [7, 9]


def test_an_equivalent_definition_through_an_intermediate_stays_in_its_scope():
    assert len(_scopes("intermediate_e.md")) == 1


def test_the_same_input_gives_the_same_scopes():
    a = [(s.first_line, sorted(s.lines)) for s in _scopes("redefined.md")]
    b = [(s.first_line, sorted(s.lines)) for s in _scopes("redefined.md")]
    assert a == b == [(1, [3, 5]), (9, [9, 11, 13])]
