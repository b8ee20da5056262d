"""A class's handout in one call: the sheets (numbered variants or one per student of a roster), an answer
key per sheet as JSON, the roster map, and the exports asked for; {file name: bytes}, nothing written.

A rerun into the same folder may replace its own files only with the same numbers: `conflict` finds an
answer key already there whose values this run would change (another seed, another spec) and says why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..document.formatting import DECIMALS, written_with
from ..document.handout import student_variant
from ..errors import InputError, read_bytes_limited
from ..network.graph import Network
from ..output.files import MAX_OURS_BYTES
from ..output.marker import MARKER
from ..output.render import Planned, Rendered, combined_file, numbered, rendered_handouts
from . import moodle, prairielearn, qti
from .keys import Assignment, answer_key, roster_map
from .owned import json_text, owns
from .roster import Student, file_id, variant_seed

EXPORTS = {"moodle": moodle.export, "qti": qti.export, "prairielearn": prairielearn.export}


@dataclass(frozen=True)
class ClassHandout:
    rendered: list[Rendered]
    keys: dict[str, dict]     # file name of each key: the key
    files: dict[str, bytes]   # every file to write, keys, map and exports included


def planned_for(net: Network, a: Assignment, students: list[Student] | None, count: int) -> list[Planned]:
    if students is None:
        return numbered(net, count, a.seed, a.tolerance)
    out = []
    for s in students:
        v = student_variant(net, a.seed, variant_seed(net.name, a.seed, s.id), tolerance=a.tolerance)
        out.append(Planned(f"{net.name}-{file_id(s.id)}", v,
                           f"derive handout {net.name} --seed {a.seed} (student {file_id(s.id)})", s.id, s.name))
    return out


def class_handout(net: Network, a: Assignment, fmt_: str, students: list[Student] | None = None, count: int = 1,
                  exports: tuple[str, ...] = (), combine: bool = False, templates: Path | None = None,
                  progress=None, allow_large: bool = False, decimals: int = DECIMALS) -> ClassHandout:
    planned = planned_for(net, a, students, count)
    size = len(planned)
    rendered = rendered_handouts(net, planned, size, a.seed, fmt_, templates, progress, allow_large, decimals)
    files: dict[str, bytes] = {}
    keys: dict[str, dict] = {}
    note = a.command(size)
    for r in rendered:
        files.update(r.files)
        name = f"{r.planned.stem}-key.json"
        keys[name] = answer_key(r, a)
        files[name] = json_text(keys[name], keys[name]["reproduce"]["command"]).encode()
    if students is not None:
        files[f"{net.name}-roster.json"] = json_text(roster_map(rendered, a), note).encode()
    if combine:
        with written_with(decimals):  # the sheets again, as they were written
            files.update(combined_file(net, rendered, fmt_, templates, note))
    for kind in exports:
        files.update(EXPORTS[kind](a, rendered, list(keys.values())))
    return ClassHandout(rendered, keys, files)


def _read_json(path: Path) -> dict | None:
    """An answer key or roster map of ours (a later run's own output, never a file of someone else's)."""
    if not owns(path):
        return None
    try:
        return json.loads(read_bytes_limited(path, MAX_OURS_BYTES, "output"))
    except (InputError, ValueError):
        return None


def _differs(old: dict, new: dict) -> str:
    """How the settings that made `old` differ from those of `new`, in the words of the options."""
    o, n = old.get("reproduce") or {}, new.get("reproduce") or {}
    if o.get("seed") != n.get("seed"):
        return f"--seed {o.get('seed')}; this run has --seed {n.get('seed')}"
    if o.get("target") != n.get("target") or o.get("spec") != n.get("spec"):
        return f"{o.get('target')} as it was then; this run's network or spec differs"
    return "other settings; this run draws other values"


def conflict(folder: Path, ch: ClassHandout, name: str) -> str | None:
    """Why this run may not replace the sheets already in folder (None when it may): an answer key of ours
    there whose values or questions this run would change, or a roster map made with another seed."""
    for key_name, new in ch.keys.items():
        old = _read_json(folder / key_name)
        if old is not None and (old.get("values"), old.get("asked")) != (new["values"], new["asked"]):
            return (f"{folder / key_name}: the sheets of {key_name.removesuffix('-key.json')} were made with "
                    f"{_differs(old, new)}; pass --force to replace them, or choose another folder (-o)")
    for r in ch.rendered:  # a sheet of an earlier run that wrote no key: its marker line names its settings
        for file in r.files:
            path = folder / file
            if file.endswith(("-exercise.md", "-exercise.tex", "-exercise.html")) and owns(path):
                head = read_bytes_limited(path, MAX_OURS_BYTES, "output").decode("utf-8").split("\n", 2)[:2]
                made = next((line for line in head if MARKER in line), "")
                if "from derive handout " in made and f"from {r.planned.source};" not in made:
                    return (f"{path}: this sheet was made by another run ({made.split('from ', 1)[1].split(';')[0]}"
                            f"); this run is {r.planned.source}; pass --force to replace it, or choose another "
                            "folder (-o)")
    old = _read_json(folder / f"{name}-roster.json")
    new_map = ch.files.get(f"{name}-roster.json")
    if old is not None and new_map is not None:
        new = json.loads(new_map)
        if {k: v for k, v in old["reproduce"].items() if k != "command"} != {
                k: v for k, v in new["reproduce"].items() if k != "command"}:
            return (f"{folder / (name + '-roster.json')}: this folder's roster was made with {_differs(old, new)}; "
                    "pass --force to replace it, or choose another folder (-o)")
    return None


def left_out(folder: Path, ch: ClassHandout, name: str) -> list[str]:
    """Students of the roster map already in folder who are not on this run's roster: their sheets stay."""
    old = _read_json(folder / f"{name}-roster.json")
    now = {r.planned.student_id for r in ch.rendered}
    return [s["id"] for s in (old or {}).get("students", []) if s.get("id") not in now]
