"""A roster: the students of a class, read from a CSV file with an `id` column (and optionally `name`).

Each student's variant seed is a hash of (target, seed, id) alone (SHA-256, not Python's salted hash), so
a student's numbers never depend on who else is on the roster, and the same roster and seed always give
the same sheets.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass

from ..errors import DeriveError

SEED_BITS = 48  # a variant seed fits a JSON number exactly (below 2^53)
ID_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
MAX_ID = 64     # characters of an id kept in a file name


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    line: int  # where the roster gives it


def read_roster(text: str, where: str) -> list[Student]:
    """The students of a roster CSV, in its order. A problem is one line naming it: no id column, an empty
    or repeated id, two ids that would give the same file name, no student at all."""
    text = text.removeprefix("\ufeff")  # a spreadsheet's byte-order mark
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [(reader.line_num, row) for row in reader]
    rows = [(n, row) for n, row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise DeriveError(f"{where}: the roster is empty; it needs a header line with an 'id' column")
    header = [cell.strip().lower() for cell in rows[0][1]]
    if "id" not in header:
        raise DeriveError(f"{where}: no 'id' column (the header line has: {', '.join(header)[:200]})")
    id_at, name_at = header.index("id"), header.index("name") if "name" in header else None
    students: list[Student] = []
    seen: dict[str, int] = {}
    stems: dict[str, str] = {}
    for n, row in rows[1:]:
        sid = row[id_at].strip() if id_at < len(row) else ""
        if not sid:
            raise DeriveError(f"{where}:{n}: empty id")
        if sid in seen:
            raise DeriveError(f"{where}:{n}: duplicate id {sid!r} (first on line {seen[sid]})")
        stem = file_id(sid)
        if stem in stems:
            raise DeriveError(f"{where}:{n}: ids {stems[stem]!r} and {sid!r} give the same file name {stem!r}")
        seen[sid], stems[stem] = n, sid
        name = row[name_at].strip() if name_at is not None and name_at < len(row) else ""
        students.append(Student(sid, name, n))
    if not students:
        raise DeriveError(f"{where}: no students (the roster has a header line only)")
    return students


def file_id(student_id: str) -> str:
    """The id as it goes into a file name: letters, digits, '.', '_' and '-'; anything else one '_'."""
    s = ID_CHARS.sub("_", student_id).strip(".")[:MAX_ID]
    return s or "_"


def variant_seed(target: str, seed: int, student_id: str) -> int:
    """The seed of a student's values: depends on the target, the class's seed and the id, nothing else."""
    digest = hashlib.sha256(f"derive-roster\0{target}\0{seed}\0{student_id}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - SEED_BITS)
