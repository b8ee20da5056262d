"""Verdicts as a terminal report, as JSON, and as an annotated copy of the note."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..output.marker import MARKER, mark
from .judge.verdict import Status, Verdict

STATUSES = tuple(Status)  # correct, wrong, warning, unverifiable: the order of every summary

MARKS = {Status.CORRECT: "ok", Status.WRONG: "WRONG", Status.WARNING: "warn", Status.UNVERIFIABLE: "?"}
SYMBOLS = {Status.CORRECT: "✓", Status.WRONG: "✗", Status.WARNING: "!", Status.UNVERIFIABLE: "?"}


@dataclass
class NoteReport:
    path: str
    verdicts: list[Verdict]
    math_lines: int
    checked_lines: int
    remark_lines: int
    readings: list[str] = field(default_factory=list)
    text: str = ""  # the text its line numbers refer to (a notebook's markdown cells, not its JSON)

    @property
    def summary(self) -> dict[str, int]:
        return {s.value: sum(1 for v in self.verdicts if v.status == s) for s in STATUSES}

    @property
    def share_checked(self) -> float:
        return self.checked_lines / self.math_lines if self.math_lines else 1.0

    @property
    def has_wrong(self) -> bool:
        return any(v.status == Status.WRONG for v in self.verdicts)


def summary_line(r: NoteReport) -> str:
    s = r.summary
    if not r.math_lines:
        return f"{r.path}: no mathematics found, so nothing was checked"
    parts = ", ".join(f"{s[k]} {k}" for k in STATUSES)
    return (f"{r.path}: {parts}; {r.checked_lines} of {r.math_lines} math lines checked "
            f"({100 * r.share_checked:.0f}%)")


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def to_text(reports: list[NoteReport], errors: list[tuple[str, str]], verbose: bool = False) -> str:
    """One block per note: every claim that is not plainly correct (all of them with verbose)."""
    out = []
    for r in reports:
        out.append(summary_line(r))
        for v in r.verdicts:
            if v.status == Status.CORRECT and not verbose:
                continue
            expected = f"  expected {v.expected}" if v.expected else ""
            out.append(f"  {v.line:>4}:{v.col:<4} {MARKS[v.status]:<5} {_clip(v.source, 70)}")
            out.append(f"             {v.message}{expected}")
        for reading in r.readings:
            out.append(f"  note: {reading}")
        out.append("")
    for path, message in errors:
        out.append(f"{path}: not checked: {message}")
    return "\n".join(out).rstrip() + "\n"


def to_json(reports: list[NoteReport], errors: list[tuple[str, str]]) -> dict:
    notes = []
    for r in reports:
        notes.append({
            "path": r.path,
            "claims": [{"line": v.line, "column": v.col, "status": v.status, "source": v.source,
                        "expected": v.expected, "message": v.message, "stage": v.stage} for v in r.verdicts],
            "summary": r.summary,
            "math_lines": r.math_lines,
            "checked_lines": r.checked_lines,
            "share_checked": round(r.share_checked, 4),
            "readings": r.readings,
        })
    out: dict = {"notes": notes}
    if errors:
        out["errors"] = [{"path": p, "message": m} for p, m in errors]
    return out


def annotated(r: NoteReport, text: str) -> str:
    """The note with a mark under each checked line: `> ✗ wrong (line 36): …`. Marks go after the
    end of a display formula, so the maths still renders."""
    lines = text.split("\n")
    by_line: dict[int, list] = {}
    for v in r.verdicts:
        by_line.setdefault(v.line, []).append(v)
    insert_after = _block_ends(lines)
    pending: dict[int, list[str]] = {}
    for line, vs in sorted(by_line.items()):
        target = insert_after.get(line, line)
        for v in vs:
            if v.status == Status.CORRECT:
                continue
            expected = f" Expected: `{v.expected}`." if v.expected else ""
            pending.setdefault(target, []).append(
                f"> {SYMBOLS[v.status]} **{v.status}** (line {v.line}): {v.message}.{expected}")
        if all(v.status == Status.CORRECT for v in vs):
            pending.setdefault(target, []).append(f"> {SYMBOLS[Status.CORRECT]} line {line} checked")
    out = []
    for n, line in enumerate(lines, start=1):
        out.append(line)
        if n in pending:
            out.append("")
            out.extend(pending[n])
            out.append("")
    return mark("\n".join(out), f"{MARKER} (derive verify --format md): {summary_line(r)}")


def _block_ends(lines: list[str]) -> dict[int, int]:
    """For each line inside a $$ … $$ block, the line where the block ends."""
    ends: dict[int, int] = {}
    start = None
    for n, line in enumerate(lines, start=1):
        count = line.count("$$")
        if start is None and count % 2 == 1:
            start = n
        elif start is not None and count % 2 == 1:
            for k in range(start, n + 1):
                ends[k] = n
            start = None
    return ends
