"""The interface of `derive verify`: its arguments, options and help, with click alone. Its work is in
verify.py, imported when the command runs, so that `derive verify --help` starts at once."""

from __future__ import annotations

import click

from .common import runs


class Share(click.ParamType):
    """A share given as a fraction (0.8) or a percentage (80 or 80%)."""

    name = "P"

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        text = str(value).strip()
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%"))
        except ValueError:
            self.fail(f"{value!r} is not a number: give 0.8, 80 or 80%", param, ctx)
        if not 0 <= number <= 100 or number != number:
            self.fail(f"{value!r} is not between 0 and 100", param, ctx)
        return number / 100 if percent or number > 1 else number


@click.command(short_help="Check hand-written notes line by line.")
@click.argument("notes", nargs=-1, required=True, type=click.Path())
@click.option("--spec", "spec", type=click.Path(), help="TOML with [aliases] for the notes' names.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
@click.option("--format", "fmt", type=click.Choice(["text", "md"]), default="text", show_default=True,
              help="md: an annotated copy of each note (to -o, or to standard output).")
@click.option("-o", "--output", "output", type=click.Path(file_okay=False),
              help="Folder for the annotated copies (implies --format md).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Notes checked in parallel.")
@click.option("-v", "--verbose", is_flag=True, help="List correct claims too.")
@click.option("--force", is_flag=True, help="Replace existing copies even when derive did not write them.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Also write a gradebook: one row per note (id, claims checked, wrong, coverage, first wrong line).")
@click.option("--against", "against", metavar="TARGET",
              help="Check the note against an assignment's network and numbers: a built-in example or a spec.")
@click.option("--seed", type=int, help="With --against: the class's seed of the handout.")
@click.option("--variant", type=click.IntRange(min=1), help="With --against and --seed: the numbered variant.")
@click.option("--roster", type=click.Path(dir_okay=False), help="With --against, --seed and --id: the class's roster.")
@click.option("--id", "student", help="With --roster: the student whose sheet the note answers.")
@click.option("--time-limit", "budget", type=click.FloatRange(min=0.1, max=3600), default=60, show_default=True,
              metavar="SECONDS", help="Time for a short note (2 s more for each kilobyte); a note that takes "
                                      "longer is reported not checked.")
@click.option("--memory-limit", "memory", type=click.FloatRange(min=10, max=1_000_000), default=500,
              show_default=True, metavar="MB", help="Memory a note may need; a note that needs more is reported "
                                                     "not checked.")
@click.option("--min-coverage", "min_coverage", type=Share(),
              help="Exit 1 when a note has a smaller share of its formulas checked: a fraction (0.8) or a "
                   "percentage (80 or 80%); 1 means all of them.")
@runs("derive.cli.verify:verify")
def verify(notes: tuple[str, ...], spec: str | None, as_json: bool, fmt: str, output: str | None, jobs: int,
           verbose: bool, force: bool, csv_path: str | None, against: str | None, seed: int | None,
           variant: int | None, roster: str | None, student: str | None, budget: float, memory: float,
           min_coverage: float | None) -> int:
    """Check hand-written notes line by line: Markdown or plain text with LaTeX (.md, .markdown, .txt),
    LaTeX documents (.tex), notebooks (.ipynb: their markdown cells); a folder stands for the notes in it
    and its subfolders; - reads a note from standard input.

    Exit status: 0 nothing wrong; 1 something wrong, or nothing checked in a note, or a note's coverage
    below --min-coverage; 2 a note could not be read."""
