"""Mutation test: correct derivations (the gallery's documents and note 002) with one deliberate
mistake each — a swapped index, a dropped factor, a flipped sign, 2 for ½ (or ½ for 2), a changed
digit — must be reported wrong at the mutated line at least 99% of the time.

Each mutation changes the last member of one claim (the expression or number the line asserts), so
the rest of the note still defines the network the claim is judged in.
"""

import random
import re
from pathlib import Path

import pytest

from derive.verify import verify_text

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "output" / "docs" / "mlp-221.md", ROOT / "output" / "docs" / "mlp-231.md",
           ROOT / "output" / "docs" / "mlp-222.md", ROOT / "output" / "handouts" / "mlp-222-1-answers.md",
           ROOT / "output" / "docs" / "mlp-221-se.md", ROOT / "tests" / "notes" / "seeds" / "002_f8e2d75a1c700bfe.txt"]
PER_KIND = 10  # mutations of each kind per source (a fixed sample: the test must stay quick)

SUBSCRIPT = re.compile(r"([a-zA-Z])_\{(\d)\}")
NUMBER = re.compile(r"(?<![\w.{^])(\d+\.\d+)")
ALIGNED_OPEN = re.compile(r"\\begin\{(aligned|align\*)\}")
ALIGNED_CLOSE = re.compile(r"\\end\{(aligned|align\*)\}")


def last_member(line: str, in_aligned: bool = False) -> tuple[int, int] | None:
    """Where the last member of a claim starts and ends: of a one-line display `$$a = b = c$$`, or of a
    row `a &= b = c \\\\` of an aligned (or align*) block, quoted (`> `) or not. None for lines that hold
    no claim of that shape."""
    if in_aligned:
        start = 2 if line.startswith("> ") else 0
        end = len(line)
        if line.endswith(" \\\\"):
            end -= 3
        if ALIGNED_OPEN.search(line) or ALIGNED_CLOSE.search(line) or "&" not in line:
            return None
    elif line.startswith("$$") and line.endswith("$$"):
        if "\\begin" in line or "\\\\" in line:
            return None
        start, end = 2, len(line) - 2
    else:
        return None
    depth, cut = 0, None
    for i in range(start, end):
        ch = line[i]
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "=" and depth == 0:
            cut = i
    if cut is None or not line[cut + 1:end].strip():
        return None
    return cut + 1, end


def aligned_rows(lines: list[str]) -> list[bool]:
    """For each line, whether it lies inside an aligned or align* block (the opening and closing lines
    themselves included)."""
    inside, out = False, []
    for line in lines:
        if ALIGNED_OPEN.search(line):
            inside = True
        out.append(inside)
        if ALIGNED_CLOSE.search(line):
            inside = False
    return out


def top_level_factors(text: str) -> list[tuple[int, int]]:
    """Spans of the factors of a product written at the top level: names with a subscript, and
    bracketed groups, outside any other brackets."""
    spans, depth, i = [], 0, 0
    while i < len(text):
        if text.startswith("\\left(", i):
            if depth == 0:
                end = _closing(text, i)
                if end > i:
                    spans.append((i, end))
                    i = end
                    continue
            depth += 1
            i += 6
            continue
        ch = text[i]
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif depth == 0:
            m = re.match(r"[a-zA-Z]_\{[^{}]*\}(\^\{[^{}]*\})?", text[i:])
            if m and (i == 0 or not text[i - 1].isalpha()) and not text[i - 1:i] == "\\":
                spans.append((i, i + m.end()))
                i += m.end()
                continue
        i += 1
    return spans


def _closing(text: str, start: int) -> int:
    depth = 0
    for m in re.finditer(r"\\left\(|\\right\)", text[start:]):
        depth += 1 if m.group(0).startswith("\\left") else -1
        if depth == 0:
            return start + m.end()
    return -1


def mutate(kind: str, text: str, rng: random.Random, document: str) -> str | None:
    """One mistake of the given kind in an expression, or None if this kind does not apply."""
    if kind == "swapped index":
        options = []
        for m in SUBSCRIPT.finditer(text):
            for digit in "123456789":
                swapped = f"{m.group(1)}_{{{digit}}}"
                if digit != m.group(2) and swapped in document:
                    options.append((m, digit))
        if not options:
            return None
        m, digit = rng.choice(options)
        return text[:m.start(2)] + digit + text[m.end(2):]
    if kind == "dropped factor":
        spans = top_level_factors(text)
        if len(spans) < 2:
            return None
        a, b = rng.choice(spans)
        before, after = text[:a], text[b:]
        if re.match(r"\s*\\cdot\b", after):  # the product sign that joined it goes with it
            after = re.sub(r"^\s*\\cdot\s*", " ", after)
        elif re.search(r"\\cdot\s*$", before):
            before = re.sub(r"\s*\\cdot\s*$", " ", before)
        return before + after
    if kind == "flipped sign":
        return " -\\left(" + text.strip() + "\\right)"
    if kind == "2 for 1/2":
        if "\\frac{1}{2}" in text:
            return text.replace("\\frac{1}{2}", "2", 1)
        return " 2 \\left(" + text.strip() + "\\right)"
    if kind == "changed digit":
        found = [m for m in NUMBER.finditer(text) if re.search(r"[1-9]", m.group(1))]
        if not found:
            return None
        m = rng.choice(found)
        number = m.group(1)
        i = next(k for k, ch in enumerate(number) if ch in "123456789")
        new = number[:i] + str((int(number[i]) + 4) % 9 + 1) + number[i + 1:]
        return text[:m.start(1)] + new + text[m.end(1):]
    raise ValueError(kind)


def checked_lines(source: Path) -> set[int]:
    """Lines where the original says something and all of it checks out: the claims to mutate."""
    report = verify_text(str(source), source.read_text(encoding="utf-8"))
    lines: dict[int, set[str]] = {}
    for v in report.verdicts:
        lines.setdefault(v.line, set()).add(v.status)
    return {n for n, statuses in lines.items() if statuses == {"correct"}}


KINDS = ["swapped index", "dropped factor", "flipped sign", "2 for 1/2", "changed digit"]


def mutations():
    rng = random.Random(1124)
    out = []
    for source in SOURCES:
        document = source.read_text(encoding="utf-8")
        lines = document.split("\n")
        claims = checked_lines(source)
        inside = aligned_rows(lines)
        candidates = [(n, span) for n, line in enumerate(lines)
                      if n + 1 in claims and (span := last_member(line, inside[n]))]
        for kind in KINDS:
            made = 0
            for n, (a, b) in rng.sample(candidates, len(candidates)):
                changed = mutate(kind, lines[n][a:b], rng, document)
                if changed is None or changed == lines[n][a:b]:
                    continue
                mutated = lines[:n] + [lines[n][:a] + changed + lines[n][b:]] + lines[n + 1:]
                out.append((source.name, kind, n + 1, "\n".join(mutated)))
                made += 1
                if made == PER_KIND:
                    break
    return out


MUTATIONS = mutations()


def test_the_sources_are_correct():
    for source in SOURCES:
        report = verify_text(str(source), source.read_text(encoding="utf-8"))
        assert report.summary["wrong"] == 0, source.name


def test_at_least_99_percent_of_mutations_are_reported_wrong():
    missed = []
    for name, kind, line, text in MUTATIONS:
        report = verify_text(name, text)
        if not any(v.line == line and v.status == "wrong" for v in report.verdicts):
            missed.append((name, kind, line, text.split("\n")[line - 1][:160]))
    caught = len(MUTATIONS) - len(missed)
    assert len(MUTATIONS) >= 150
    assert caught / len(MUTATIONS) >= 0.99, "\n".join(map(str, missed))


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_exercised(kind):
    assert sum(1 for m in MUTATIONS if m[1] == kind) >= 20


def test_rows_of_aligned_groups_are_mutated_like_single_displays():
    row = r"> \delta_{o1} &= \frac{\partial E}{\partial o_{1}} = \left(0.75 - 0.01\right) \cdot 0.18 = 0.13 \\"
    a, b = last_member(row, in_aligned=True)
    assert row[a:b] == " 0.13"
    assert last_member(r"&= 0.082167041", in_aligned=True) is not None
    assert last_member(r"$$\begin{aligned}", in_aligned=True) is None
    assert last_member(r"\end{aligned}$$", in_aligned=True) is None
    dropped = mutate("dropped factor", r" \left(o_{1} - t_{1}\right) \cdot o_{1}", random.Random(0), "")
    assert "\\cdot" not in dropped and dropped.strip() in (r"\left(o_{1} - t_{1}\right)", "o_{1}")
    on_rows = [m for m in MUTATIONS if "&" in m[3].split("\n")[m[2] - 1]]
    assert len(on_rows) >= 100  # most mutations fall on rows of aligned groups
