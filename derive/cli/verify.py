"""The work of `derive verify` (its interface, options and help are in notes.py): check hand-written notes.
Imported when the command runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click

from ..classroom.roster import read_roster, variant_seed
from ..document.handout import student_variant, variants
from ..errors import DeriveError, InputError, NoteError, printable, read_text_limited
from ..network.spec import MAX_SPEC_BYTES, load_target
from ..output.files import write_all
from .common import quiet, say
from .docs import ROSTER_LIMIT

EXIT_WRONG, EXIT_BAD_INPUT = 1, 2  # 1 also: nothing checked in a note, or its coverage below --min-coverage


STDIN = "-"
SUFFIXES = (".md", ".markdown", ".txt", ".tex", ".ipynb")  # the notes a folder is searched for
MAX_NOTES = 10_000  # in one folder, subfolders included
MAX_NOTE_BYTES = 2_000_000  # a note is text: the checker's own limit for a file (verify.MAX_BYTES), stdin's too


def _assignment(target: str | None, seed: int | None, variant: int | None, roster: str | None,
                student: str | None) -> dict | None:
    """--against: the values of the assigned network by name: the target's own, a numbered variant's
    (--seed S --variant K) or a student's (--seed S --roster R --id ID), drawn as `derive handout` draws them."""
    if target is None:
        if any(x is not None for x in (seed, variant, roster, student)):
            raise DeriveError("--seed, --variant, --roster and --id choose a variant of --against TARGET: give it")
        return None
    net = load_target(target)
    if roster is not None or student is not None:
        if roster is None or student is None or seed is None:
            raise DeriveError("a student's assignment needs --seed, --roster and --id together")
        ids = {s.id for s in read_roster(read_text_limited(roster, ROSTER_LIMIT, "--roster"), roster)}
        if student not in ids:
            raise DeriveError(f"--id {printable(student)}: not in the roster {printable(roster)}")
        net = student_variant(net, seed, variant_seed(net.name, seed, student)).network
    elif seed is not None or variant is not None:
        if seed is None or variant is None:
            raise DeriveError("a numbered variant needs --seed and --variant together")
        net = variants(net, variant, seed)[-1].network
    if not net.values:
        raise DeriveError(f"--against {printable(target)}: the network has no numbers to compare with (give "
                          "--seed and --variant, or a spec with values)")
    return dict(net.values)


def _check_one(args: tuple[str, dict, str | None, dict | None, float, float]) -> tuple[str, object, str | None]:
    """(path, report or None, error message or None): runs in a worker process. text is the note's
    text when it is not the file's own (stdin's)."""
    # imported here, not at the top: `derive --help` and the other commands start without the checker
    from ..verify import read, verify_text

    path, aliases, text, assignment, budget, memory = args
    try:
        from_stdin = text is not None
        if not from_stdin:
            text = _note_text(path)
        rep = verify_text(path, text, aliases, assignment, budget, memory)
        if not rep.cells and (from_stdin or path.lower().endswith(".ipynb")):  # the cell of each line
            if read.notebook.looks_like_notebook(text):
                rep.cells = read.notebook.markdown_of(path, text)[1]
        return path, rep, None
    except InputError as e:  # a device, a pipe, a folder, too large, not UTF-8: this note is not checked
        return path, None, e.reason
    except NoteError as e:  # "line 3: front matter ..." where the note says where
        where = e.path if e.line is None else f"{e.path}:{e.line}:{e.column or 1}"
        reason = str(e)[len(where) + 2:]
        return path, None, reason if e.line is None else f"line {e.line}: {reason}"
    except RecursionError:
        return path, None, "a formula is nested too deeply to read"
    except Exception as e:  # noqa: BLE001 - one note the checker cannot handle must not stop a class's batch
        return path, None, f"the checker failed on this note ({type(e).__name__}: {e}); please report it"


def _note_text(path: str) -> str:
    """A note's text: a regular UTF-8 file of at most MAX_NOTE_BYTES (InputError for /dev/zero, a FIFO,
    which would be read or waited on forever, a folder, a larger file), line ends as \\n."""
    try:
        os.stat(path)
    except OSError as e:
        raise NoteError(path, f"cannot read: {e.strerror}") from None
    return read_text_limited(path, MAX_NOTE_BYTES, "note").replace("\r\n", "\n")


def _expand(notes: tuple[str, ...]) -> tuple[list[str], list[tuple[str, str]]]:
    """The notes to check: a folder stands for the notes in it and its subfolders (SUFFIXES; hidden
    folders, notebook checkpoints and derive's own .checked.md copies left out), in order of path."""
    paths: list[str] = []
    errors: list[tuple[str, str]] = []
    for note in notes:
        if note == STDIN or not os.path.isdir(note):
            paths.append(note)
            continue
        found: list[str] = []
        for root, dirs, files in os.walk(note):  # symbolic links to folders are not followed
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            found.extend(os.path.join(root, f) for f in sorted(files)
                         if f.lower().endswith(SUFFIXES) and not f.startswith(".")
                         and not f.endswith(".checked.md"))
            if len(found) > MAX_NOTES:
                break
        if not found:
            errors.append((note, f"a folder with no notes in it ({', '.join(SUFFIXES)})"))
        elif len(found) > MAX_NOTES:
            errors.append((note, f"more than {MAX_NOTES} notes in this folder; give its subfolders one by one"))
        else:
            paths.extend(found)
    return paths, errors


def _stdin_text() -> str:
    if hasattr(sys.stdin, "buffer"):
        data = sys.stdin.buffer.read(MAX_NOTE_BYTES + 1)
    else:
        data = sys.stdin.read(MAX_NOTE_BYTES + 1).encode("utf-8")
    if len(data) > MAX_NOTE_BYTES:  # `cat /dev/zero | derive verify -` must not fill the memory
        raise DeriveError(f"standard input: larger than the {MAX_NOTE_BYTES:,} bytes a note may have")
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as e:
        raise DeriveError(f"standard input is not UTF-8 text (byte {e.start})") from None


def _read_spec(path: str | None) -> dict:
    """--spec: aliases for the note's names, as a TOML table [aliases] (w_41 = "w_a")."""
    if path is None:
        return {}
    text = read_text_limited(path, MAX_SPEC_BYTES, "--spec")  # a regular file: never /dev/zero, a FIFO, a folder
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DeriveError(f"{printable(path)} is not valid TOML: {e}") from None
    except RecursionError:
        raise DeriveError(f"{printable(path)} nests arrays or tables too deeply to be a TOML table of aliases") \
            from None
    except ValueError as e:  # an integer of more digits than Python reads (4,300)
        raise DeriveError(f"{printable(path)} is not valid TOML: {e}".split(";")[0]) from None
    aliases = data.get("aliases", {})
    if not isinstance(aliases, dict) or not all(isinstance(v, str) for v in aliases.values()):
        raise DeriveError(f"{printable(path)}: aliases: expected a table of name = \"name\" pairs")
    return {str(k): v for k, v in aliases.items()}


def verify(notes: tuple[str, ...], spec: str | None, as_json: bool, fmt: str, output: str | None, jobs: int,
           verbose: bool, force: bool, csv_path: str | None, against: str | None, seed: int | None,
           variant: int | None, roster: str | None, student: str | None, budget: float, memory: float,
           min_coverage: float | None) -> int:
    """Check hand-written notes line by line: Markdown or plain text with LaTeX (.md, .markdown, .txt),
    LaTeX documents (.tex), notebooks (.ipynb: their markdown cells); a folder stands for the notes in it
    and its subfolders; - reads a note from standard input.

    Exit status: 0 nothing wrong; 1 something wrong, or nothing checked in a note, or a note's coverage
    below --min-coverage; 2 a note could not be read."""
    # imported here, not at the top: `derive --help` and the other commands start without the checker
    from ..verify import report

    cores = _cores()
    if jobs > cores:  # more processes than cores only share them, each with the memory of a checker
        click.echo(f"derive: --jobs {jobs} lowered to {cores}, the number of cores available", err=True)
        jobs = cores
    aliases = _read_spec(spec)
    assignment = _assignment(against, seed, variant, roster, student)
    stdin = _stdin_text() if STDIN in notes else None
    paths, folder_errors = _expand(notes)
    work = [(p, aliases, stdin if p == STDIN else None, assignment, budget, memory) for p in paths]
    results = []
    show_progress = len(work) > 1 and sys.stderr.isatty() and not quiet()
    if jobs > 1 and len(work) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            iterator = pool.map(_check_one, work, chunksize=max(1, len(work) // (4 * jobs)))
            results = _with_progress(iterator, len(work), show_progress)
    else:
        results = _with_progress(map(_check_one, work), len(work), show_progress)
    reports = [r for _, r, _ in results if r is not None]
    errors = folder_errors + [(p, e) for p, r, e in results if r is None]
    if as_json:
        click.echo(json.dumps(report.to_json(reports, errors), indent=2, ensure_ascii=False))
    elif fmt == "md" and output is None:
        _write_annotated(reports, output, force, spec)
    else:
        click.echo(report.to_text(reports, errors, verbose, _columns(report.WIDTH)), nl=False)
    if output is not None:  # -o: the annotated copies, beside the report on the terminal
        _write_annotated(reports, output, force, spec)
    if csv_path is not None:  # the gradebook; never over a note or the --spec file
        inputs = [Path(r.path) for r in reports] + ([Path(spec)] if spec is not None else [])
        for path in write_all({Path(csv_path): report.to_csv(reports, errors).encode()}, inputs, force):
            say(f"wrote {path}")
    for p, e in errors:  # one line each, whatever the file's name: path: reason, or path:line: reason
        line = re.match(r"line (\d+): ", e)
        where = f"{printable(p)}:{line.group(1)}" if line else printable(p)
        click.echo(f"derive: {where}: {printable(e[line.end():] if line else e)}", err=True)
    unchecked = [r for r in reports if r.nothing_checked]
    if as_json or (fmt == "md" and output is None):  # the text report, which says so, is not shown
        for r in unchecked:
            click.echo(f"derive: {r.path}: nothing checked: {r.nothing_checked}", err=True)
    low = [r for r in reports if min_coverage is not None and r.coverage < min_coverage]
    if low:
        notes_below = ", ".join(f"{r.path} ({100 * r.coverage:.0f}%)" for r in low)
        click.echo(f"derive: coverage below {100 * min_coverage:.0f}%: {notes_below}", err=True)
    if errors:
        return EXIT_BAD_INPUT
    return EXIT_WRONG if any(r.has_wrong for r in reports) or unchecked or low else 0


def _columns(default: int) -> int:
    """The terminal's width when the report goes to one (60 to 200 columns), else `default`: a file or a
    pipe gets the same bytes whatever the terminal."""
    if not sys.stdout.isatty():
        return default
    return max(60, min(200, shutil.get_terminal_size((default, 24)).columns))


def _cores() -> int:
    """The cores this process may run on (its CPU affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _with_progress(iterator, total: int, show: bool) -> list:
    if not show:
        return list(iterator)
    out = []
    with click.progressbar(length=total, label="checking notes", file=sys.stderr) as bar:
        for item in iterator:
            out.append(item)
            bar.update(1)
    return out


def _write_annotated(reports, output: str | None, force: bool, spec: str | None = None) -> None:
    """--format md: each note's annotated copy, to standard output or as NAME.checked.md in the
    folder -o (all checked before any is written; a note itself, or the --spec file, is never overwritten)."""
    from ..verify import report

    copies = {}
    names = _copy_names([r.path for r in reports])
    for r in reports:
        copy = report.annotated(r, r.text)
        if output is None:
            click.echo(copy)
        else:
            copies[Path(output) / names[r.path]] = copy.encode()
    inputs = [Path(r.path) for r in reports] + ([Path(spec)] if spec is not None else [])
    for path in write_all(copies, inputs, force):
        say(f"wrote {path}")


def _copy_names(paths: list[str]) -> dict[str, str]:
    """NAME.checked.md for each note; notes that share a file name (one folder per student) are told
    apart by their folders: s1/note.md and s2/note.md give s1_note.checked.md and s2_note.checked.md."""
    stems = ["stdin" if p == STDIN else Path(p).stem for p in paths]
    full = {p: Path(p).resolve().with_suffix("").parts for p in paths}
    names = {}
    for p, stem in zip(paths, stems):
        if stems.count(stem) > 1:
            parts = full[p]
            depth = 2
            while depth < len(parts) and sum(full[q][-depth:] == parts[-depth:] for q in paths) > 1:
                depth += 1
            stem = "_".join(parts[-depth:])
        names[p] = stem + ".checked.md"
    return names
