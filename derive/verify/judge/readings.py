"""How the checker read the lines that are not claims: each definition it took a name's meaning from and
each value a note gives. A report shows them (JSON, and the text report with -v) so that a teacher can
see what every verdict rests on; they are not verdicts, and no summary counts them."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.note_model import NoteModel
from ..read.ir import Ref
from ..read.names import display
from ..read.segment import source_end
from ..read.statements import Statement, as_number
from .cases import named_entries


@dataclass(frozen=True)
class Reading:
    line: int
    col: int
    source: str
    message: str


def definitions_read(statements: list[Statement], model: NoteModel, text: str) -> list[Reading]:
    """A Reading for each statement of the part that defines a name the model took its meaning from, or
    gives a leaf its value."""
    out = []
    for st in statements:
        if st.anchored or len(st.members) < 2 or not st.rels or st.rels[0] != "=":
            continue
        left, right = st.members[0], st.members[1]
        given = _given_matrix(left.node, right.node, model)
        if given:
            message = f"values the note gives for {given}"
        elif not isinstance(left.node, Ref) or (q := model.resolve(left.node)) is None:
            continue
        elif q.def_node is right.node and q.definition is not None:
            message = f"read as the definition of {display(q.key)}"
        elif len(st.members) == 2 and q.definition is None and as_number(right.node) is not None \
                and q.key in model.values:
            message = f"a value the note gives for {display(q.key)}"
        else:
            continue
        f = st.formula
        start, end = f.start + left.start, source_end(text, f.start + right.end)
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        source = " ".join(text[start:end].split())
        out.append(Reading(line, col, source if len(source) <= 160 else source[:157] + "…", message))
    return out


def _given_matrix(left, right, model: NoteModel) -> str:
    """"θ1, …, θ6" when a matrix of names is set to numbers the model took as their values, else ""."""
    pairs = named_entries(left, right)
    if pairs is None:
        return ""
    names, valued = [], 0
    for name, _ in pairs:
        q = model.resolve(name)
        if q is not None and q.definition is not None:
            return ""
        valued += q is not None and q.key in model.values
        names.append(display(name.key))
    if not valued:
        return ""  # nothing was read from it
    return f"{names[0]}, …, {names[-1]}" if len(names) > 2 else ", ".join(names)
