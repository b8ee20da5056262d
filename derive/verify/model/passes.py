"""The note's model, built by an ordered list of passes over its statements: names and definitions
first, then the names a note leaves unsaid, the loss, and last the values it gives (from lists like
`x_0 = 1, x_1 = 0` and from substitutions like `w_{11} i_1 + … = 0.15 × 0.05 + …`)."""

from __future__ import annotations

from ..read.statements import Statement
from .aliases import infer_aliases, loss_alias
from .definitions import (
    apply_user_aliases,
    break_cycles,
    convert_definitions,
    declarations,
    definitions,
    find_loss,
    function_definitions,
    matrix_names,
    read_user_aliases,
    register_names,
    resolve_derivatives,
)
from .note_model import NoteModel
from .values import collect_values, computed_only


def unreadable_spreads(m: NoteModel) -> None:
    """δ² = w³ δ³ σ′(z²) with δ³'s definition unreadable: δ³ is not a free input of δ², so δ² cannot be
    evaluated either (judged with δ³ at random values, a right formula would look wrong)."""
    stuck = {q.symbol for q in m.quantities.values()
             if q.def_node is not None and q.definition is None and q.key not in m.values}
    while stuck:
        more = {q.symbol for q in m.quantities.values() if q.definition is not None and q.key not in m.values
                and q.definition.free_symbols & stuck}
        for q in m.quantities.values():
            if q.symbol in more:
                q.definition = None
        stuck = more


PASSES = (
    read_user_aliases,     # front matter and --spec aliases as keys
    declarations,          # \text{Input } (x) = [x_1, x_2]
    matrix_names,          # W = [[w_1, w_2], …], and W = [numbers]
    definitions,           # the first name = expression of each name
    register_names,        # every other name: an input, target or parameter
    apply_user_aliases,
    function_definitions,  # S(x) = 1/(1 + e^{-x})
    convert_definitions,
    infer_aliases,         # names a chain sets equal to defined ones by shape
    convert_definitions,   # what the aliases made readable
    break_cycles,          # a = σ(o) = σ(h) with o computed from a: the form that is not circular
    find_loss,
    loss_alias,            # an undefined L or E differentiated by parameters is the loss
    computed_only,         # names worked out from numbers alone: no derivative of theirs is 0
    resolve_derivatives,   # dW_i → dL_1/dW_i + dL_2/dW_i
    collect_values,        # values, majorities, drift, placeholders, exact values
    unreadable_spreads,    # a definition through a name whose own could not be read cannot be read either
)


def build_model(statements: list[Statement], aliases: dict[str, str] | None = None) -> NoteModel:
    m = NoteModel(statements, given_aliases=dict(aliases or {}))
    for step in PASSES:
        step(m)
    m.complete = True
    return m
