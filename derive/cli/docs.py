"""The commands that write documents, `derive doc`, `derive handout` and `derive build` (the gallery): their
arguments, options and help. Their work is in documents.py, imported when one of them runs.

Progress goes to stderr; documents go to files (or, for `doc` without -o or with -o -, to stdout).
"""

from __future__ import annotations

from pathlib import Path

import click

from .common import complete_target, runs

GALLERY_HANDOUT = ("mlp-222", 1, 7)  # the sample handout of the gallery: example, variants, seed
ROSTER_LIMIT = 16 * 2**20  # bytes of a roster: a hundred thousand students and room to spare
EXPORT_NAMES = ("moodle", "qti", "prairielearn")  # classroom.handouts.EXPORTS (a test keeps the two the same)
FORMATS = ("md", "tex", "html", "pdf")

templates_option = click.option("--templates", type=click.Path(path_type=Path, file_okay=False),
                                help="A folder of templates that override the built-in ones by file name.")
force_option = click.option("--force", is_flag=True, help="Replace existing files even when derive did not write them.")
target_argument = click.argument("target", shell_complete=complete_target)


@click.command(short_help="A derivation document: Markdown, LaTeX, HTML or PDF.")
@target_argument
@click.option("--format", "fmt_", type=click.Choice(FORMATS), default="md", show_default=True,
              help="Markdown, LaTeX, HTML (one offline page) or PDF (needs latexmk and pdflatex).")
@click.option("-o", "--output", type=click.Path(allow_dash=True),
              help="File (or existing folder) to write, - for stdout; without it the document is printed "
                   "(a PDF goes to NAME.pdf).")
@templates_option
@force_option
@click.option("--allow-large", is_flag=True, help="Derive networks above the size limit anyway.")
@click.option("--decimals", type=click.IntRange(2, 15), default=9, show_default=True,
              help="Write every number with at most this many decimals (values are computed exactly).")
@runs("derive.cli.documents:doc")
def doc(target: str, fmt_: str, output: str | None, templates: Path | None, force: bool, allow_large: bool,
        decimals: int) -> int:
    """A derivation document for TARGET (a built-in example, a spec file, or - to read the spec from
    standard input)."""


@click.command(short_help="Exercise sheets with blanks, and their answer keys.")
@target_argument
@click.option("--variants", type=click.IntRange(1, 100), default=None,
              help="How many sheets, each with its own values.  [default: 1]")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False),
              help="A CSV with an 'id' column (and optionally 'name'): a sheet per student, named by id.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same sheets.")
@click.option("--format", "fmt_", type=click.Choice(FORMATS), default="md", show_default=True,
              help="The sheets and keys as Markdown, LaTeX, HTML or PDF (needs latexmk and pdflatex).")
@click.option("--export", "exports", type=click.Choice(EXPORT_NAMES), multiple=True,
              help="Also write the questions for a learning management system (repeatable).")
@click.option("--combine", is_flag=True,
              help="Also every exercise sheet in one file for printing (NAME-exercises.FORMAT), a page break between.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=True), default=Path("."),
              show_default=True, help="Folder for the sheets and answer keys (created if missing).")
@click.option("--tolerance", default="0.001", show_default=True, metavar="REL",
              help="The relative error an answer may have: on every sheet, in every key and export (0.01 or 1/100).")
@templates_option
@force_option
@click.option("--allow-large", is_flag=True, help="Derive networks above the size limit anyway.")
@click.option("--decimals", type=click.IntRange(2, 15), default=9, show_default=True,
              help="Write every number with at most this many decimals (values are computed exactly).")
@runs("derive.cli.documents:handout")
def handout(target: str, variants: int | None, roster: Path | None, seed: int, fmt_: str, exports: tuple[str, ...],
            combine: bool, output: Path, tolerance: str, templates: Path | None, force: bool,
            allow_large: bool, decimals: int) -> int:
    """Exercise sheets with blanks and their answer keys (printable and as JSON), one pair per variant or,
    with --roster, per student."""


@click.command("build", short_help="Regenerate the gallery of every built-in example.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("output"), show_default=True,
              help="The gallery folder: documents go to OUT/docs, handouts to OUT/handouts.")
@click.option("--pdf/--no-pdf", default=None, help="Make PDFs too (default: where a TeX engine is installed).")
@force_option
@runs("derive.cli.documents:build_gallery")
def build_gallery(out: Path, pdf: bool | None, force: bool) -> int:
    """Regenerate the gallery from every built-in example: documents and a sample handout."""
