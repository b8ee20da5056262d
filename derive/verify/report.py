"""Verdicts as a terminal report, as JSON, and as an annotated copy of the note."""

from __future__ import annotations

import csv
import io
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field

from ..output.marker import MARKER, mark
from .judge.readings import Reading
from .judge.verdict import Stage, Status, Verdict
from .read.segment import locate

STATUSES = tuple(Status)  # correct, wrong, warning, unverifiable: the order of every summary

MARKS = {Status.CORRECT: "ok", Status.WRONG: "WRONG", Status.WARNING: "warn", Status.UNVERIFIABLE: "?"}
WIDTH = 80  # the text report's columns
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
    # every formula the reader found, and those read into the model or judged (None: not counted by the
    # reader; the math lines and checked lines stand in for them)
    formulas_found: int | None = None
    formulas_checked: int | None = None
    cells: list[tuple[int, int]] = field(default_factory=list)  # notebook: (first line, cell number)
    student_id: str | None = None  # the front matter's id:, when the note has one
    definitions: list[Reading] = field(default_factory=list)  # lines read as definitions or given values

    @property
    def summary(self) -> dict[str, int]:
        return {s.value: sum(1 for v in self.verdicts if v.status == s) for s in STATUSES}

    @property
    def found(self) -> int:
        return self.math_lines if self.formulas_found is None else self.formulas_found

    @property
    def checked(self) -> int:
        """Formulas read into the model or judged; none when no claim was checked (a note of definitions
        alone has nothing checked)."""
        if not self.claims_checked:
            return 0
        return self.checked_lines if self.formulas_checked is None else min(self.formulas_checked, self.found)

    @property
    def coverage(self) -> float:
        """The share of the formulas found that were checked: 0 when none was found (nothing checked)."""
        return self.checked / self.found if self.found else 0.0

    @property
    def share_checked(self) -> float:
        return self.checked_lines / self.math_lines if self.math_lines else 1.0

    @property
    def claims_checked(self) -> int:
        return sum(1 for v in self.verdicts if v.status != Status.UNVERIFIABLE)

    @property
    def has_wrong(self) -> bool:
        return any(v.status == Status.WRONG for v in self.verdicts)

    @property
    def nothing_checked(self) -> str | None:
        """Why no claim of the note was checked, or None when one was."""
        if self.claims_checked:
            return None
        if not self.found and not self.verdicts:
            return "no mathematics found"
        if not self.verdicts:
            return f"none of its {self.found} formulas states a claim (only definitions and mentions)"
        return f"every claim is unverifiable: {_main_reason(self.verdicts)}"

    def locate(self, line: int) -> str:
        """Where a line is for a reader: "cell 3, line 2" in a notebook, else "line 12"."""
        return locate(self.cells, line)


_KINDS = {Stage.PARSING: "cannot be read", Stage.READING: "use notation given no meaning",
          Stage.EVALUATION: "cannot be evaluated", Stage.TIME_LIMIT: "took too long to check"}


def _main_reason(verdicts: list[Verdict]) -> str:
    """The most common reason among unverifiable verdicts, with its first example in the note."""
    if not verdicts:
        return "no formula gave a claim to check"
    counts = Counter(v.stage for v in verdicts)
    stage = min(counts, key=lambda s: (-counts[s], list(Stage).index(s)))
    first = next(v for v in verdicts if v.stage == stage)
    kind = _KINDS.get(stage, f"stopped at the {stage} stage")
    share = f"all {counts[stage]}" if counts[stage] == len(verdicts) else f"most ({counts[stage]} of {len(verdicts)})"
    example = first.message.removeprefix("cannot read this formula: ")
    return f"{share} {kind}, e.g. line {first.line}: {example}"


def coverage_line(r: NoteReport) -> str:
    return f"{r.checked} of {r.found} formulas checked ({100 * r.coverage:.0f}%)"


def summary_line(r: NoteReport) -> str:
    why = r.nothing_checked
    if why == "no mathematics found":
        return f"{r.path}: nothing checked: no mathematics found"
    s = r.summary
    parts = ", ".join(f"{s[k]} {k}" for k in STATUSES)
    head = f"{r.path}: nothing checked: {why}; " if why else f"{r.path}: "
    return f"{head}{parts}; {coverage_line(r)}"


def total_line(reports: list[NoteReport]) -> str:
    found = sum(r.found for r in reports)
    checked = sum(r.checked for r in reports)
    share = checked / found if found else 0.0
    s = {k: sum(r.summary[k] for r in reports) for k in STATUSES}
    parts = ", ".join(f"{s[k]} {k}" for k in STATUSES)
    return (f"total, {len(reports)} notes: {parts}; {checked} of {found} formulas checked ({100 * share:.0f}%)")


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


_GLUE = "\x00"
_COUNT = re.compile(r"(\d+) (correct|wrong|warning|unverifiable|notes|of \d+ formulas)")


def _wrap(text: str, first: str, rest: str, width: int = WIDTH) -> list[str]:
    """Wrap at `width`, never between a count and what it counts ("0 wrong" stays on one line)."""
    text = _COUNT.sub(lambda m: m.group(0).replace(" ", _GLUE), " ".join(text.split()))
    lines = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest,
                          break_long_words=True, break_on_hyphens=False) or [first.rstrip()]
    return [line.replace(_GLUE, " ") for line in lines]


def to_text(reports: list[NoteReport], errors: list[tuple[str, str]], verbose: bool = False,
            width: int = WIDTH) -> str:
    """One block per note: every claim that is not plainly correct (all of them with verbose), wrapped
    at `width` columns (80 unless a terminal is wider or narrower); a total when there are several notes."""
    out = []
    for r in reports:
        out.extend(_wrap(summary_line(r), "", "    ", width))
        shown = [(v.line, v.col, MARKS[v.status], v) for v in r.verdicts if v.status != Status.CORRECT or verbose]
        if verbose:  # how the note was read, with the verdicts
            shown += [(d.line, d.col, "def", d) for d in r.definitions]
        for line, col, tag, v in sorted(shown, key=lambda x: (x[0], x[1])):
            where = f"{line:>4}:{col:<4}" if not r.cells else f"{r.locate(line):<9}"
            head = f"  {where} {tag:<5} "
            out.append(head + _clip(v.source, width - len(head)))
            out.extend(_wrap(v.message, " " * 13, " " * 13, width))
            if getattr(v, "expected", None):
                out.extend(_wrap(f"expected {v.expected}", " " * 13, " " * 15, width))
        for reading in r.readings:
            out.extend(_wrap(f"note: {reading}", "  ", "        ", width))
        out.append("")
    if len(reports) > 1:
        out.extend(_wrap(total_line(reports), "", "    ", width))
        out.append("")
    for path, message in errors:
        out.extend(_wrap(f"{path}: not checked: {message}", "", "    ", width))
    return "\n".join(out).rstrip() + "\n"


CSV_COLUMNS = ("file", "student_id", "claims_checked", "correct", "wrong", "warning", "unverifiable", "coverage",
               "first_wrong_line", "remark")


def student_id(path: str, given: str | None) -> str:
    """The id in a note's front matter, else its file name without the suffix (s123.md is s123's)."""
    if given:
        return " ".join(str(given).split())
    return "" if path == "-" else path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]


def to_csv(reports: list[NoteReport], errors: list[tuple[str, str]]) -> str:
    """A gradebook: one row per note (a note that could not be read too, with the reason)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    rows = []
    for r in reports:
        s = r.summary
        first = min((v.line for v in r.verdicts if v.status == Status.WRONG), default="")
        rows.append((r.path, student_id(r.path, r.student_id), r.claims_checked, s["correct"], s["wrong"],
                     s["warning"], s["unverifiable"], f"{r.coverage:.2f}", first,
                     f"nothing checked: {r.nothing_checked}" if r.nothing_checked else ""))
    for path, message in errors:
        rows.append((path, student_id(path, None), "", "", "", "", "", "", "", f"not checked: {message}"))
    for row in sorted(rows, key=lambda row: row[0]):
        out.writerow(row)
    return buf.getvalue()


def to_json(reports: list[NoteReport], errors: list[tuple[str, str]]) -> dict:
    notes = []
    for r in reports:
        claims = []
        for v in r.verdicts:
            claims.append({"line": v.line, "column": v.col, "status": v.status, "source": v.source,
                           "expected": v.expected, "message": v.message, "stage": v.stage})
            if r.cells:
                claims[-1]["position"] = r.locate(v.line)
        for d in r.definitions:  # not verdicts: what the verdicts rest on (no summary counts them)
            claims.append({"line": d.line, "column": d.col, "status": "definition", "source": d.source,
                           "expected": None, "message": d.message, "stage": Stage.DEFINITIONS})
            if r.cells:
                claims[-1]["position"] = r.locate(d.line)
        claims.sort(key=lambda c: (c["line"], c["column"]))
        notes.append({
            "path": r.path,
            "claims": claims,
            "summary": r.summary,
            "formulas_found": r.found,
            "formulas_checked": r.checked,
            "claims_checked": r.claims_checked,
            "coverage": round(r.coverage, 4),
            "nothing_checked": r.nothing_checked,
            "math_lines": r.math_lines,
            "checked_lines": r.checked_lines,
            "share_checked": round(r.share_checked, 4),
            "readings": r.readings,
            "definitions_read": len(r.definitions),
        })
    found = sum(r.found for r in reports)
    checked = sum(r.checked for r in reports)
    total = {"notes": len(reports), "formulas_found": found, "formulas_checked": checked,
             "claims_checked": sum(r.claims_checked for r in reports),
             "coverage": round(checked / found, 4) if found else 0.0,
             "summary": {k.value: sum(r.summary[k] for r in reports) for k in STATUSES},
             "nothing_checked": [r.path for r in reports if r.nothing_checked]}
    out: dict = {"notes": notes, "total": total}
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
                f"> {SYMBOLS[v.status]} **{v.status}** ({r.locate(v.line)}): {v.message}.{expected}")
        if all(v.status == Status.CORRECT for v in vs):
            pending.setdefault(target, []).append(f"> {SYMBOLS[Status.CORRECT]} {r.locate(line)} checked")
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
