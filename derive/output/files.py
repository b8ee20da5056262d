"""Writing output files safely.

Rules: every file is written atomically (a temporary file in the same folder, then os.replace, so a
reader never sees half a file); missing folders are created; an input (the spec, a template) is never
overwritten, whatever the options; an existing file is replaced only when it is one of our outputs
(its first lines carry the generator's marker with a fingerprint of the rest, so a file that only
mentions derive, or an output edited since, is not ours) or when `force` is given. All files of one command
are checked before any is written.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import DeriveError, InputError, read_bytes_limited
from .marker import MARKER, is_marked

MARKER_BYTES = MARKER.encode()
MAX_OURS_BYTES = 256_000_000  # no document or handout of ours comes near this


def is_ours(path: Path) -> bool:
    """True when the file was written by derive and not changed since: a text file's first lines carry
    the marker with a fingerprint of the rest; a PDF carries the marker in its document information."""
    try:
        data = read_bytes_limited(path, MAX_OURS_BYTES, "output")
    except InputError:  # a device, a pipe, a folder, a file larger than any output of ours: not ours
        return False
    if data.startswith(b"%PDF"):
        return b"/Subject (" + MARKER_BYTES + b")" in data
    try:
        return is_marked(data.decode("utf-8"))
    except UnicodeDecodeError:
        return False


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def check(files: Mapping[Path, bytes], inputs: Iterable[Path] = (), force: bool = False) -> None:
    """Raise DeriveError, naming the file, if any of `files` may not be written."""
    inputs = [Path(p) for p in inputs]
    for path in files:
        for src in inputs:
            if _same(path, src):
                raise DeriveError(f"{path}: will not overwrite an input file; choose another output (-o)")
        if path.is_dir():
            raise DeriveError(f"{path} is a folder; give a file name or a folder for -o")
        if path.exists() and not force and not is_ours(path):
            raise DeriveError(f"{path} exists and was not written by derive; pass --force to replace it")
        parent = path.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise DeriveError(f"{parent} is a file, so {path} cannot be created")


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_all(files: Mapping[Path, bytes], inputs: Iterable[Path] = (), force: bool = False) -> list[Path]:
    """Check every file, then write each atomically. Returns the paths written, in order."""
    check(files, inputs, force)
    for path, data in files.items():
        try:
            if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                continue  # already exactly this: leave it (and its time stamp) alone
            write_atomic(path, data)
        except OSError as e:  # named by the file the user asked for, not by our temporary file
            raise DeriveError(f"cannot write {path}: {e.strerror}") from None
    return list(files)


def remove_stale(folders: Iterable[Path], keep: Iterable[Path], spare: tuple[str, ...] = ()) -> list[Path]:
    """Delete the files of ours in `folders` that are not in `keep` (outputs no longer made), except
    those ending in one of `spare`. Files derive did not write are never touched."""
    keep = {Path(p).resolve() for p in keep}
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if (path.is_file() and path.resolve() not in keep and not path.name.endswith(spare)
                    and is_ours(path)):
                path.unlink()
                removed.append(path)
    return removed
