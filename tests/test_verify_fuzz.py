"""Random and mutated note text never crashes or hangs the checker: every outcome is a report
(or a NoteError for text that is not a note at all)."""

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.errors import NoteError
from derive.verify import STATUSES, verify_text

SEEDS = sorted((Path(__file__).parent / "notes" / "seeds").glob("*.txt"))
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in SEEDS]
LATEX_BITS = ["$$", "$", "\\frac{", "}{", "}", "{", "\\partial ", "d(", ")", "(", "=", "\\sigma(", "^2", "_1", "_{",
              "\\begin{aligned}", "\\end{aligned}", "&=", "\\\\", "\\text{out}", "0.5", "1", "-", "+", "*", "\\cdot",
              "e^{-", "w_5", "h1", "x", "//", "\\sum_{i=1}^{n}", "\\hat{y}", "'", "[", "]", "\\rightarrow", "\n"]


def check(text: str) -> None:
    start = time.perf_counter()
    try:
        report = verify_text("fuzz.md", text)
    except NoteError:
        return
    assert time.perf_counter() - start < 30
    for v in report.verdicts:
        assert v.status in STATUSES
        assert v.line >= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LATEX_BITS), max_size=40))
def test_random_latex_fragments(parts):
    check("".join(parts))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text(text):
    check(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(SEED_TEXTS) - 1), st.data())
def test_mutated_notes(index, data):
    text = SEED_TEXTS[index]
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        kind = data.draw(st.sampled_from(["delete", "insert", "swap"]))
        if kind == "delete":
            text = text[:at] + text[at + data.draw(st.integers(min_value=1, max_value=20)):]
        elif kind == "insert":
            text = text[:at] + data.draw(st.sampled_from(LATEX_BITS)) + text[at:]
        else:
            other = data.draw(st.integers(min_value=0, max_value=len(text)))
            a, b = sorted((at, other))
            text = text[:a] + text[b:b + 10] + text[a + 10:b] + text[a:a + 10] + text[b + 10:]
    check(text)
