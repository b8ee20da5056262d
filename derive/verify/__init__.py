"""Checking hand-written notes, top to bottom:

    read:   note text -> formulas (segment) -> parse trees (parse) -> IR (to_ir) -> statements
    model:  statements -> NoteModel (passes.build_model: definitions, aliases, values, calculus)
    judge:  NoteModel x statement -> Verdict (claims, numeric_claims, diagnose; verdict)
    report: verdicts -> NoteReport; text, JSON, annotated copy
"""

from __future__ import annotations

from pathlib import Path

from ..errors import NoteError
from .judge.claims import Checker
from .judge.readings import Reading, definitions_read
from .judge.verdict import Stage, Status, Verdict
from .model.passes import build_model
from .model.scopes import partition
from .read.budget import NoteMemoryLimit, NoteTimeLimit, memory_limit, time_limit
from .read.names import display
from .read.segment import read_note
from .read.statements import Statement, statements
from .report import STATUSES, NoteReport

__all__ = ["STATUSES", "NoteReport", "Verdict", "verify_file", "verify_text"]

MAX_BYTES = 2_000_000


def _plain(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _against(model, lines: set[int], assignment: dict, note) -> list[Verdict]:
    """Values the note gives that are not the assignment's: w5 = 0.45 where the sheet says 0.40."""
    wanted = {_plain(k): (k, v) for k, v in assignment.items()}
    out, seen = [], set()
    for b in sorted(model.bindings, key=lambda b: b.line):
        hit = wanted.get(_plain(display(b.key)))
        if hit is None or b.line not in lines or b.key in seen:
            continue
        name, value = hit
        if abs(b.value - value) * 2 * 10 ** b.decimals > 1:  # not the assigned number, as rounded in the note
            seen.add(b.key)  # once, where the note first uses its own number
            given = f"{float(value):.10g}"
            out.append(Verdict(b.line, 1, Status.WRONG, note.line_text(b.line).strip(), given,
                               f"{name} is {given} in the assignment; the note uses {float(b.value):.10g}",
                               Stage.VALUES))
    return out


NOTE_TIME_LIMIT = 60.0  # seconds for a whole note (reading, front matter, alignment and every claim) ...
PER_KILOBYTE = 2.0      # ... and this much more for each kilobyte of it: a long document has many claims
NOTE_MEMORY_LIMIT = 500.0  # megabytes a note may use beyond what the checker holds before it (lenet's 105 KB: 50)


def verify_text(path: str, text: str, aliases: dict[str, str] | None = None,
                assignment: dict | None = None, limit: float = NOTE_TIME_LIMIT,
                memory: float = NOTE_MEMORY_LIMIT) -> NoteReport:
    """assignment: the values of an assigned network by name (--against); a note that uses others is wrong
    there, whatever its own consistency. A note that takes longer than `limit` seconds plus PER_KILOBYTE
    for each kilobyte, or needs more than `memory` megabytes, raises NoteError."""
    budget = limit + PER_KILOBYTE * len(text) / 1024
    try:
        with memory_limit(memory), time_limit(budget, NoteTimeLimit):
            return _verify_text(path, text, aliases, assignment)
    except NoteTimeLimit:
        raise NoteError(path, f"took longer than {budget:.0f} s to check; nothing of it is reported") from None
    except NoteMemoryLimit as e:
        raise NoteError(path, f"needed more than {e.megabytes:,.0f} MB to check; nothing of it is reported") \
            from None


def _verify_text(path: str, text: str, aliases: dict[str, str] | None, assignment: dict | None) -> NoteReport:
    note = read_note(path, text)
    aliases = dict(aliases or {})
    aliases.update({str(k): str(v) for k, v in (note.front_matter.get("aliases") or {}).items()})
    stmts, unreadable, remarks = statements(note)
    verdicts: list[Verdict] = []
    read: list[Reading] = []  # the definitions and values each part's model was built from
    read_lines: set[int] = set()
    readings: set[str] = {n for st in stmts for n in st.notes if n.startswith("read ")}
    for scope in partition(note, stmts):  # each example judged with its own names and values
        model = build_model(scope.all_statements(), aliases)
        readings.update(model.readings.values())
        checker = Checker(model, note.text)
        seen: set = set()
        for st in scope.statements:
            got = checker.judge(st)
            if any(n.startswith("read ") for n in st.notes):  # one instance of a generic formula per verdict
                got = [v for v in got if (v.line, v.col, v.status) not in seen]
                seen.update((v.line, v.col, v.status) for v in got)
            verdicts.extend(got)
            if not got or any(v.status != Status.UNVERIFIABLE for v in got):
                read_lines.update(_lines(st))
        read.extend(definitions_read(scope.statements, model, note.text))
        if assignment:
            verdicts.extend(_against(model, scope.lines, assignment, note))
        again = [(scope.redefined[0], scope.first_line, scope.redefined[1])] if scope.redefined else []
        for key, line, before in again + scope.overrides:
            verdicts.append(Verdict(line, 1, Status.WARNING, note.line_text(line).strip(), None,
                                    f"{display(key)} is defined again, in other terms than on line {before}; "
                                    "read from here as another example (the lines before keep the first "
                                    "definition)", Stage.DEFINITIONS))
        own = scope.lines
        for f in model.findings:
            if f.line in own:
                verdicts.append(Verdict(f.line, 1, Status(f.status), note.line_text(f.line).strip(), None,
                                        f.message, Stage.VALUES))
    for u in unreadable:
        verdicts.append(Verdict(u.line, u.col, Status.UNVERIFIABLE, note.line_text(u.line).strip(), None,
                                f"cannot read this formula: {u.message}", Stage.PARSING))
    verdicts.sort(key=lambda v: (v.line, v.col))
    claim_lines = {v.line for v in verdicts}
    unverifiable_lines = {line for line in claim_lines
                          if all(v.status == Status.UNVERIFIABLE for v in verdicts if v.line == line)}
    checked = (read_lines | claim_lines) - unverifiable_lines
    remark_only = {f.line for f in remarks} - checked - unverifiable_lines
    given_id = note.front_matter.get("id")
    return NoteReport(path, verdicts, len(checked | unverifiable_lines), len(checked), len(remark_only),
                      sorted(readings), note.text,
                      student_id=str(given_id) if isinstance(given_id, (str, int)) else None,
                      definitions=_unjudged(read, verdicts))


def verify_file(path: str | Path, aliases: dict[str, str] | None = None) -> NoteReport:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise NoteError(str(path), f"cannot read: {e.strerror}") from None
    if len(data) > MAX_BYTES:
        raise NoteError(str(path), f"larger than {MAX_BYTES // 1_000_000} MB; notes are text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise NoteError(str(path), f"not UTF-8 text (byte {e.start})") from None
    return verify_text(str(path), text.replace("\r\n", "\n"), aliases)


def _unjudged(read: list[Reading], verdicts: list[Verdict]) -> list[Reading]:
    """Each reading once, in the note's order, where no verdict already stands at the same place."""
    judged = {(v.line, v.col) for v in verdicts}
    out: dict = {}
    for r in read:  # (the first instance of a generic definition stands for the others)
        if (r.line, r.col) not in judged:
            out.setdefault((r.line, r.col), r)
    return [out[k] for k in sorted(out)]


def _lines(st: Statement) -> set[int]:
    return {st.formula.line}
