"""Fuzz the note checker: N generated notes, each checked in-process by the library with its time and memory
budget (derive.verify.verify_text), as a careless or hostile student would write them.

    python benchmarks/fuzz_notes.py N [--seed 1] [--limit 10] [--budget 10] [--memory 500] [--minutes M] [--show 5]

A note is a small valid note (tests/notes: the seeds, one_neuron, families) with 1 to 4 mutations: characters
inserted, deleted, duplicated or swapped; LaTeX fragments; deep nesting of braces, parentheses and fractions;
long runs of minus signs; huge numbers (400 to 100,000 digits, 1e999999999, towers of powers); huge ranges
(i = 1, ..., 10^9); unbalanced braces and environments; random unicode (combining marks, right-to-left,
zero-width, astral planes, controls); and YAML front matter attacks (aliases, "billion laughs", deep nesting,
200 KB of it, python tags, 5,000-digit integers, no closing ---).

Reported: inputs; outcomes (a report; a note refused in one line, by reason; the time or memory budget
reached); tracebacks (any exception out of verify_text but the NoteError of a note refused, with its input);
RecursionError, which the command line reports in one line (counted apart); runs past --limit seconds; the
slowest run; the peak resident memory of the process (resource.getrusage); the rate. The same seed gives the
same notes. tests/test_verify_fuzz.py runs a bounded fuzz of the same kind under hypothesis.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTES = ROOT / "tests" / "notes"

LATEX = ["$$", "$", "\\frac{", "}{", "}", "{", "\\partial ", "d(", ")", "(", "=", "\\sigma(", "^2", "_1", "_{",
         "\\begin{aligned}", "\\end{aligned}", "&=", "\\\\", "\\text{out}", "0.5", "1", "-", "+", "*", "\\cdot",
         "e^{-", "w_5", "h1", "x", "//", "\\sum_{i=1}^{n}", "\\hat{y}", "'", "[", "]", "\\rightarrow", "\n",
         "\\text{ and }", "\\text{ adn }", "\\quad", "\\dots", "\\left(", "\\right)", "\\mathbb{1}[", "\\delta_",
         "\\begin{bmatrix}", "\\end{bmatrix}", "\\odot", "\\prime", "\\over", "\\sqrt{", "\\log(", "E_{total}",
         # a note's own macros (self-referring too), decimal commas, full-width punctuation, other languages
         "\\newcommand{\\a}{\\a\\a}\\a", "\\def\\b#1{#1#1#1}", "\\newcommand{\\c}[2]{#1^{#2}}\\c{", "{,}", "0,5",
         "，", "。", "\\text{où}", "\\text{其中}", "\\nabla_{", "\\lVert", "\\rVert^2", "^{(l+1)}", "^{(L)}",
         "\\sum_{t=1}^{3}", "\\operatorname{softmax}(", "^\\top", "\\gets"]
UNICODE = ["\u0301", "\u202e", "\u200b", "\ufeff", "\u2212", "\u00b7", "\u03c3", "\u2202", "\U0001d465", "\U0001f600",
           "\x07", "\x0b", "\x0c", "\r", "\t", "\u2028", "\ud7ff", "\u00a0", "\u3000", "\u0660", "\u00b2", "\u2070"]
LAUGHS = "".join(f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))
FRONT_MATTER = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + LAUGHS + "aliases: {x: *i}\n",
    "aliases: &x {w_a: w1}\nid: *x\n",
    "id: " + "[" * 3000 + "\n",
    "id: 1\n" + "a: 1\n" * 40_000,
    "id: !!python/object/apply:os.system ['echo pwned']\n",
    "id: " + "9" * 5000 + "\n",
    "aliases: {" + ", ".join(f"w{i}: v{i}" for i in range(300)) + "}\n",
    "aliases: [1, 2]\n",
    "aliases: {w: {x: 1}}\n",
    "id: 2024-01-01\n",
    "\tid: tab\n",
    "id: \x00\n",
]


def bases() -> list[tuple[str, str]]:
    """(suffix, text) of the small valid notes the mutations start from."""
    out = []
    for path in sorted(NOTES.rglob("*")):
        if path.suffix in (".md", ".txt", ".tex") and path.stat().st_size < 6000:
            out.append((".md" if path.suffix == ".txt" and "seeds" in path.parts else path.suffix,
                        path.read_text(encoding="utf-8")))
    return out


def mutate(rng: random.Random, text: str) -> str:
    """One mutation of a note's text."""
    at = rng.randrange(len(text) + 1)
    op = rng.choice(["insert", "insert", "delete", "duplicate", "swap", "nest", "minus", "number", "range",
                     "unbalanced", "unicode", "front"])
    if op == "insert":
        return text[:at] + rng.choice(LATEX) + text[at:]
    if op == "delete":
        return text[:at] + text[at + rng.randint(1, 40):]
    if op == "duplicate":
        piece = text[at:at + rng.randint(1, 200)]
        return text[:at] + piece * rng.randint(2, rng.choice([3, 20, 200])) + text[at:]
    if op == "swap":
        b = rng.randrange(len(text) + 1)
        a, b = sorted((at, b))
        return text[:a] + text[b:b + 10] + text[a + 10:b] + text[a:a + 10] + text[b + 10:]
    if op == "nest":
        depth = rng.choice([10, 50, 200, 1000, 5000])
        opening, closing = rng.choice([("{", "}"), ("(", ")"), ("\\frac{1}{", "}"), ("\\left(", "\\right)"),
                                       ("\\sigma(", ")"), ("e^{", "}"), ("[", "]")])
        inner = opening * depth + "x" + (closing * depth if rng.random() < 0.7 else "")
        return text[:at] + f"$${inner} = 1$$" + text[at:]
    if op == "minus":  # mostly short runs; long ones (time doubled per sign) now and then
        run = rng.randint(2, 12) if rng.random() < 0.8 else rng.randint(13, 40)
        return text[:at] + "$$x = " + "-" * run + "1$$\n" + text[at:]
    if op == "number":
        number = rng.choice(["9" * 400, "9" * 4300, "9" * 5000, "1" * 100_000, "1e999999999", "1e-999999999",
                             "10^{10^{10}}", "2^{2^{40}}", "9^{9^{9}}", "0." + "0" * 5000 + "1", "1/0", "0^0"])
        return text[:at] + rng.choice([number, f"$$y = {number} + 1 = {number}$$\n", f"$w_1 = {number}$"]) + text[at:]
    if op == "range":
        top = rng.choice(["3", "10", "n", "-5", "1.5", "\\infty", "1000", "100000", "10^9", "100000000"])
        formula = rng.choice([f"$$w_i = 0.5 \\quad (i = 1, \\dots, {top})$$\n",
                              f"$$\\sum_{{i=1}}^{{{top}}} w_i x_i = 1$$\n",
                              f"$$y_i = w_i x_i, \\quad i = 1, \\ldots, {top}$$\n"])
        return text[:at] + formula + text[at:]
    if op == "unbalanced":
        return text[:at] + rng.choice(["{", "}", "$$", "\\begin{aligned}", "\\end{aligned}", "\\left(", "\\right)",
                                       "\\begin{bmatrix}", "```", "```math\n", "\\[", "\\]", "\\(", "<!--"]) + text[at:]
    if op == "unicode":
        chars = "".join(rng.choice(UNICODE) if rng.random() < 0.5 else chr(rng.randrange(0x20, 0x10FFFF))
                        for _ in range(rng.randint(1, 20)))
        return text[:at] + "".join(c for c in chars if not 0xD800 <= ord(c) <= 0xDFFF) + text[at:]
    front = rng.choice(FRONT_MATTER)
    ending = "---\n" if rng.random() < 0.9 else ""
    return f"---\n{front}{ending}{text}"


def fuzz_note(rng: random.Random, notes: list[tuple[str, str]]) -> tuple[str, str]:
    """(file name, text) of one fuzzed note."""
    suffix, text = rng.choice(notes)
    for _ in range(rng.randint(1, 4)):
        text = mutate(rng, text)
    if rng.random() < 0.05:
        suffix = rng.choice([".md", ".tex", ".txt", ".ipynb", ""])
    return f"fuzz{suffix}", text


def check(name: str, text: str, budget: float, memory: float) -> tuple[str, float, str | None]:
    """(outcome, seconds, traceback or None): the note checked as `derive verify` checks one."""
    from derive.errors import NoteError
    from derive.verify import verify_text

    start = time.perf_counter()
    try:
        verify_text(name, text, limit=budget, memory=memory)
        outcome, tb = "report", None
    except NoteError as e:
        reason = str(e).split(": ", 1)[-1]
        outcome = ("time budget" if "took longer" in reason else "memory budget" if "needed more than" in reason
                   else "refused: " + (reason.split(":")[0] if "front matter" in reason else reason)[:60])
        tb = None
    except RecursionError:  # the command line reports it in one line: "a formula is nested too deeply to read"
        outcome, tb = "RecursionError (one line)", None
    except Exception as e:  # noqa: BLE001 - anything else out of the checker is what this script counts
        last = (str(e).strip().splitlines() or [""])[-1]
        outcome, tb = "traceback", f"{type(e).__name__}: {last[:200]}\n{traceback.format_exc()}"
    return outcome, time.perf_counter() - start, tb


def peak_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, help="how many notes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=float, default=10.0, help="seconds past which a run counts as a hang")
    ap.add_argument("--budget", type=float, default=10.0, help="the time budget of a short note (--time-limit)")
    ap.add_argument("--memory", type=float, default=500.0, help="the memory budget of a note in MB (--memory-limit)")
    ap.add_argument("--minutes", type=float, help="stop after this long, with the notes checked by then")
    ap.add_argument("--show", type=int, default=5, help="how many failing inputs to print")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    notes = bases()
    outcomes: dict[str, int] = {}
    crashes, slow = [], []
    slowest = (0.0, "", "")
    began = time.perf_counter()
    done = 0
    for i in range(args.n):
        if args.minutes is not None and time.perf_counter() - began > 60 * args.minutes:
            break
        done = i + 1
        name, text = fuzz_note(rng, notes)
        outcome, seconds, tb = check(name, text, args.budget, args.memory)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if tb is not None:
            crashes.append((name, text, tb))
        if seconds > args.limit:
            slow.append((name, text, seconds))
        if seconds > slowest[0]:
            slowest = (seconds, name, text)
        if (i + 1) % 500 == 0:
            spent = time.perf_counter() - began
            print(f"{i + 1} notes, {len(crashes)} tracebacks, {len(slow)} past {args.limit:g} s, "
                  f"peak {peak_mb():.0f} MB, {spent:.0f} s, {(i + 1) / spent:.1f} notes/s", file=sys.stderr, flush=True)
    spent = time.perf_counter() - began
    print(f"notes: {done} of {args.n} (seed {args.seed}) in {spent:.0f} s: {done / spent:.1f} notes/s "
          f"(100,000 in {100_000 / max(done / spent, 1e-9) / 3600:.1f} h)")
    for outcome, count in sorted(outcomes.items(), key=lambda kv: -kv[1]):
        print(f"  {count:7d}  {outcome}")
    print(f"tracebacks: {len(crashes)}")
    print(f"past {args.limit:g} s: {len(slow)}")
    print(f"slowest run: {slowest[0]:.2f} s ({slowest[1]}) on {slowest[2][:200]!r}")
    print(f"peak memory (max RSS of the process): {peak_mb():.0f} MB")
    for name, text, tb in crashes[: args.show]:
        print(f"\n--- traceback: {name} on {text[:300]!r}\n{tb.splitlines()[0]}")
    for name, text, seconds in slow[: args.show]:
        print(f"\n--- {seconds:.1f} s: {name} on {text[:300]!r}")


if __name__ == "__main__":
    main()
