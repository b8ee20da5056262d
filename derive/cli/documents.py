"""The work of the commands that write documents, `derive doc`, `derive handout` and `derive build` (the
gallery), whose interfaces are in docs.py: imported when one of them runs.

Progress goes to stderr; documents go to files (or, for `doc` without -o or with -o -, to stdout).
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import click

from ..classroom.handouts import class_handout, conflict, left_out
from ..classroom.keys import Assignment
from ..classroom.owned import owns, refuse_foreign
from ..classroom.roster import read_roster
from ..derivation.engine import derive
from ..document.build import build as build_document
from ..document.formatting import DECIMALS
from ..errors import DeriveError, ToolMissing, printable, read_text_limited
from ..network.examples import EXAMPLES
from ..network.limits import check_document, network_size
from ..network.spec import MAX_SPEC_BYTES, load_spec_text
from ..output.files import MAX_OURS_BYTES, WRITTEN, remove_stale, write_all
from ..output.pdf import tex_engine
from ..output.render import document_files, handout_files, render
from .common import STDIO, read_stdin, say
from .docs import GALLERY_HANDOUT, ROSTER_LIMIT
from .gradients import load

MAX_TOLERANCE = Fraction(1, 2)  # an answer may be off by half its value at most


def _tolerance(text: str) -> Fraction:
    """--tolerance: a relative error between 0 (exclusive) and MAX_TOLERANCE, as a decimal or a fraction."""
    try:
        value = Fraction(text.strip()) if len(text) <= 40 else None
    except (ValueError, ZeroDivisionError):
        value = None
    if value is None or not 0 < value <= MAX_TOLERANCE:
        raise DeriveError(f"--tolerance {printable(text[:40])}: a relative error above 0 and at most "
                          f"{MAX_TOLERANCE} (0.001 or 1/1000)")
    return value


def _say(message: str) -> None:
    say(message)


def _inputs(target: str, templates: Path | None) -> list[Path]:
    """Files the command reads, which it must never overwrite."""
    inputs = [Path(target)] if Path(target).is_file() else []
    if templates is not None and templates.is_dir():
        inputs += sorted(p for p in templates.iterdir() if p.is_file())
    return inputs


def _source_name(target: str) -> str:
    return target if target in EXAMPLES else Path(target).name


def doc(target: str, fmt_: str, output: str | None, templates: Path | None, force: bool, allow_large: bool,
        decimals: int = DECIMALS) -> int:
    """A derivation document: printed (-o -, or no -o for a text format), or written to a file."""
    net = load(target, allow_large)
    check_document(network_size(net), allow_large)  # before anything of it is built
    document = build_document(derive(net, allow_large=allow_large), decimals=decimals)
    source = f"derive doc {_source_name(target)} --format {fmt_}"
    if output == STDIO or (output is None and fmt_ != "pdf"):
        data = next(iter(document_files(document, fmt_, None, templates, source).values()))
        if fmt_ == "pdf":
            click.get_binary_stream("stdout").write(data)
        else:
            click.echo(data.decode(), nl=False)
        if fmt_ == "md":  # a data URI works in Jupyter and editors, not on GitHub
            _say(f"the figure is embedded in the Markdown as a data URI, which GitHub does not show; "
                 f"-o DIR writes it as {net.name}.svg beside the document")
        return 0
    if output is None:
        path = Path(f"{net.name}.pdf")
    elif Path(output).is_dir() or output.endswith(("/", "\\")):
        path = Path(output) / f"{net.name}.{fmt_}"
    else:
        path = Path(output)
    files = document_files(document, fmt_, path.stem, templates, source)
    main_name = next(iter(files))
    paths = {(path if name == main_name else path.with_name(name)): data for name, data in files.items()}
    for path in write_all(paths, _inputs(target, templates), force):
        _say(f"wrote {path}")
    return 0


def handout(target: str, variants: int | None, roster: Path | None, seed: int, fmt_: str, exports: tuple[str, ...],
            combine: bool, output: Path, tolerance: str, templates: Path | None, force: bool,
            allow_large: bool, decimals: int = DECIMALS) -> int:
    """Exercise sheets and their keys, written to the folder output; exports for learning management systems too."""
    if output.is_file():
        raise DeriveError(f"-o {output}: a handout is several files; give a folder")
    if roster is not None and variants is not None:
        raise DeriveError("--roster gives a sheet per student; leave out --variants")
    students = read_roster(_read_text(roster, "roster"), str(roster)) if roster is not None else None
    if target == STDIO:  # the spec from standard input: read once, built, and kept in the keys as a file's is
        spec = read_stdin(MAX_SPEC_BYTES, "spec")
        net = load_spec_text(spec, "stdin", "standard input", allow_large)
    else:
        net = load(target, allow_large)
        spec = None if target in EXAMPLES else _read_text(Path(target), "spec")
    check_document(network_size(net), allow_large)
    a = Assignment(net.name, target, spec, seed, roster.name if roster is not None else None, _tolerance(tolerance))
    ch = class_handout(net, a, fmt_, students, variants or 1, tuple(dict.fromkeys(exports)), combine, templates,
                       progress=_say, allow_large=allow_large, decimals=decimals)
    reason = None if force else conflict(output, ch, net.name)
    if reason:
        raise DeriveError(reason)
    kept = left_out(output, ch, net.name)
    paths = {output / name: data for name, data in ch.files.items()}
    refuse_foreign(paths, force)  # the rule of every output, for the JSON keys and archives too
    inputs = _inputs(target, templates) + ([roster] if roster is not None else [])
    for path in write_all(paths, inputs, force=True):
        _say(f"wrote {path}")
    if students is None:
        for path in _stale_variants(output, net.name, set(paths)):
            path.unlink()
            _say(f"removed {path}, a variant this run no longer makes")
    for sid in kept:
        _say(f"kept the sheets of {sid}, who is not on this roster")
    return 0


def _read_text(path: Path, what: str) -> str:
    """A small text input: a regular UTF-8 file of bounded size (never a device or a pipe)."""
    return read_text_limited(path, MAX_SPEC_BYTES if what == "spec" else ROSTER_LIMIT, what)


def _stale_variants(folder: Path, name: str, written: set[Path]) -> list[Path]:
    """Sheets and keys of ours from an earlier numbered run that this run no longer makes (NAME-K-exercise.md
    with K beyond the variants asked for, or numbered with other digits), unedited; a student's sheet (its key
    names the student) and anything else in the folder are left alone."""
    pattern = re.compile(rf"{re.escape(name)}-(\d+)-(exercise\.\w+|answers\.\w+|key\.json)")
    stale = []
    for p in sorted(folder.iterdir()) if folder.is_dir() else []:
        m = pattern.fullmatch(p.name)
        if not m or p in written or not p.is_file() or not owns(p):
            continue
        key = folder / f"{name}-{m.group(1)}-key.json"
        if key.exists() and (not owns(key) or (json.loads(read_text_limited(key, MAX_OURS_BYTES, "output"))
                                                .get("student"))):
            continue
        stale.append(p)
    return stale


def gallery_files(pdf: bool, progress=None) -> dict[str, bytes]:
    """Every file of the gallery, by path relative to the output folder."""
    files: dict[str, bytes] = {}
    kinds = ["md", "tex", "html"] + (["pdf"] if pdf else [])
    for name, example in EXAMPLES.items():
        if progress:
            progress(f"build: {name}")
        document = build_document(derive(example.build()))
        for fmt_ in kinds:
            made = document_files(document, fmt_, name, None, f"derive doc {name} --format {fmt_}")
            files.update({f"docs/{k}": v for k, v in made.items()})
    # the index is the same with or without a TeX engine: the gallery is meant to hold the PDFs
    index = render("gallery.md.j2", "md", {"examples": list(EXAMPLES.values()), "kinds": ["md", "tex", "html", "pdf"]},
                   source="derive build")
    files["docs/README.md"] = index.encode()
    name, count, seed = GALLERY_HANDOUT
    for fmt_ in ["md", "tex"] + (["pdf"] if pdf else []):
        if progress:
            progress(f"build: handout {name} ({fmt_})")
        made = handout_files(EXAMPLES[name].build(), count, seed, fmt_)
        files.update({f"handouts/{k}": v for k, v in made.items()})
    return files


def build_gallery(out: Path, pdf: bool | None, force: bool) -> int:
    """The gallery written to out: every built-in example's documents and a sample handout."""
    if pdf is None:
        try:
            tex_engine()
            pdf = True
        except ToolMissing as e:
            _say(f"no PDFs: {e}")
            pdf = False
    elif pdf:
        tex_engine()
    files = {out / rel: data for rel, data in gallery_files(pdf, progress=_say).items()}
    write_all(files, (), force)
    # only what an earlier build recorded (WRITTEN) is removed: never a file of the user's in OUT, not even
    # a document of derive's written there with `derive doc -o OUT/docs/`
    for path in remove_stale([out / "docs", out / "handouts"], files, () if pdf else (".pdf",), record=WRITTEN):
        _say(f"removed {path}, which the gallery no longer has")
    _say(f"wrote {len(files)} files under {out}")
    return 0

