"""Marking outputs that cannot hold the marker line as a comment: JSON (no comments) and zip archives.

A JSON output carries the marker as its first key, "generator", with a fingerprint of the rest of the text;
a zip archive carries it as the archive's comment, with a fingerprint of its members. `owns` tells either
(and, for any other file, output.files.is_ours) so that a later run replaces its own untouched output and
nothing else, under the same rule as every other file derive writes.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from ..errors import DeriveError, InputError, read_bytes_limited
from ..output.files import MAX_OURS_BYTES, is_ours
from ..output.marker import MARKER, comment_text, fingerprint

JSON_MARK = re.compile(r'^  "(?:generator|comment)": "' + MARKER + r'\b.*\[#([0-9a-f]{16})\]",$')
ZIP_MARK = re.compile(MARKER + r"\b.*\[#([0-9a-f]{16})\]$")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: the same input gives the same bytes


def json_text(data: dict, note: str, field: str = "generator") -> str:
    """data as indented JSON, with the marker as its first key: "generator", or "comment" where the format
    allows no other key of ours (a PrairieLearn info.json)."""
    if not data or field in data or field not in ("generator", "comment"):
        raise ValueError(f"a marked JSON output needs keys of its own, and none named {field!r}")
    body = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    head, rest = body.split("\n", 1)
    stamp = json.dumps(f"{MARKER}{f' from {note}' if note else ''} [#{fingerprint(body)}]", ensure_ascii=False)
    return f'{head}\n  "{field}": {stamp},\n{rest}'


def json_is_ours(text: str) -> bool:
    lines = text.split("\n")
    m = JSON_MARK.match(lines[1]) if len(lines) > 2 else None
    return bool(m) and fingerprint("\n".join(lines[:1] + lines[2:])) == m.group(1)


def _members_fingerprint(members: dict[str, bytes]) -> str:
    return fingerprint("".join(f"{name}\0{hashlib.sha256(data).hexdigest()}\n" for name, data in members.items()))


def zip_bytes(members: dict[str, bytes], note: str) -> bytes:
    """A zip archive of members, in the order given, with fixed times and modes and the marker as its comment."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever the machine
            z.writestr(info, data)
        z.comment = f"{MARKER}{f' from {note}' if note else ''} [#{_members_fingerprint(members)}]".encode()
    return buffer.getvalue()


def zip_is_ours(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            m = ZIP_MARK.match(z.comment.decode("utf-8", "replace"))
            return bool(m) and _members_fingerprint({i.filename: z.read(i) for i in z.infolist()}) == m.group(1)
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def owns(path: Path) -> bool:
    """True when derive wrote the file and nobody changed it since (a device, a pipe, a folder or a file
    larger than any output of ours is not ours, and is not read past that)."""
    try:
        data = read_bytes_limited(path, MAX_OURS_BYTES, "output")
    except InputError:
        return False
    if data.startswith(b"PK\x03\x04"):
        return zip_is_ours(data)
    if data.startswith(b"{"):
        try:
            return json_is_ours(data.decode("utf-8"))
        except UnicodeDecodeError:
            return False
    return is_ours(path)


def refuse_foreign(paths, force: bool) -> None:
    """Raise DeriveError naming the first existing file derive did not write (or that was edited since)."""
    for path in paths:
        if path.exists() and not path.is_dir() and not force and not owns(path):
            raise DeriveError(f"{path} exists and was not written by derive; pass --force to replace it")


XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def xml_text(root, note: str) -> str:
    """An XML document (an ElementTree element, indented) with its declaration first and the marker line
    second, as a comment."""
    ET.indent(root, space="  ")
    body = f"{XML_DECLARATION}\n{ET.tostring(root, encoding='unicode')}\n"
    return _second_line(body, note)


def _second_line(body: str, note: str) -> str:
    """body with the marker line after its first line, as files.is_ours reads it: an HTML-style comment
    holding a fingerprint of the rest (in an XML file after its declaration, in Python inside its docstring);
    note made safe for a comment, and without '--', which an XML comment may not hold."""
    head, rest = body.split("\n", 1)
    note = comment_text(note)
    while "--" in note:
        note = note.replace("--", "-")
    return f"{head}\n<!-- {MARKER}{f' from {note}' if note else ''} [#{fingerprint(body)}] -->\n{rest}"


def python_text(docstring: str, code: str, note: str) -> str:
    """A Python module whose docstring opens with the marker line, so that a later run knows it as its own."""
    if '"""' in docstring:
        raise ValueError("the docstring may not hold triple quotes")
    return _second_line(f'r"""\n{docstring}"""\n\n{code}', note)


def xml_plain(root) -> bytes:
    """An XML document inside an archive (the archive carries the marker): declaration, then the elements."""
    ET.indent(root, space="  ")
    return f"{XML_DECLARATION}\n{ET.tostring(root, encoding='unicode')}\n".encode()
