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
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import DeriveError, InputError, read_bytes_limited
from .marker import MARKER, is_marked

if os.name == "posix":
    import fcntl
else:  # Windows: no advisory locks; temporary files are judged by their age alone
    fcntl = None

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


TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")  # tempfile.mkstemp(prefix=".NAME.", suffix=".tmp")
STALE_AFTER = 60.0  # seconds: a temporary file this old, and locked by no one, was left by a killed run


def write_atomic(path: Path, data: bytes) -> None:
    """data to path through a temporary file beside it (.NAME.xxxxxxxx.tmp), locked while it is written
    so that clean_temporaries can tell one being written from one a killed run left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            _lock(f.fileno(), wait=True)
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


def _lock(fd: int, wait: bool) -> bool:
    """An exclusive advisory lock on an open file (released when the file is closed or its process dies);
    False when another holds it. Where there are no such locks (Windows), True."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        return False
    return True


def clean_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """Delete the temporary files of ours that a killed run left in `folder`: named as write_atomic names
    them, regular files, untouched for STALE_AFTER seconds and locked by no one (so not being written)."""
    now = time.time() if now is None else now
    removed = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return removed
    for name in names:
        path = folder / name
        if not TEMPORARY.fullmatch(name):
            continue
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and now - st.st_mtime > STALE_AFTER and _lock(fd, wait=False):
                os.unlink(path)
                removed.append(path)
        except OSError:
            pass  # gone meanwhile, or not ours to delete: leave it
        finally:
            os.close(fd)
    return removed


def write_all(files: Mapping[Path, bytes], inputs: Iterable[Path] = (), force: bool = False) -> list[Path]:
    """Check every file, then write each atomically. Returns the paths written, in order. Temporary files
    a killed run left in the folders written to are removed first (clean_temporaries)."""
    check(files, inputs, force)
    for folder in dict.fromkeys(path.parent for path in files):
        clean_temporaries(folder)
    for path, data in files.items():
        try:
            if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                continue  # already exactly this: leave it (and its time stamp) alone
            write_atomic(path, data)
        except OSError as e:  # named by the file the user asked for, not by our temporary file
            raise DeriveError(f"cannot write {path}: {e.strerror}") from None
    return list(files)


WRITTEN = ".derive-written"  # the record remove_stale keeps in a folder: the files the last run wrote there


def _recorded(folder: Path, record: str) -> set[str]:
    try:
        text = read_bytes_limited(folder / record, 1_000_000, "record").decode("utf-8")
    except (InputError, UnicodeDecodeError):
        return set()
    return {line for line in text.splitlines() if line and not line.startswith("#") and "/" not in line}


def remove_stale(folders: Iterable[Path], keep: Iterable[Path], spare: tuple[str, ...] = (),
                 record: str | None = None) -> list[Path]:
    """Delete the outputs an earlier run wrote in `folders` that this run, which wrote `keep`, no longer
    makes, except those ending in one of `spare`; only files of ours, unedited (is_ours), ever.

    With `record` (a file name such as WRITTEN), a file is deleted only if the earlier run listed it in
    the folder's record as one it wrote, so a file of the user's is never touched, not even an output of
    another command of derive's (`derive doc ... -o DIR/docs/`); the record is then rewritten with the
    files this run wrote and the spared ones still there. A folder without a record loses nothing.
    Without `record`, every file of ours not in `keep` is deleted (the rule before records)."""
    keep = {Path(p).resolve() for p in keep}
    removed = []
    for folder in folders:
        if not folder.is_dir():
            continue
        present = sorted(p for p in folder.iterdir() if p.name != record)
        mine = [p.name for p in present if p.resolve() in keep]
        listed = _recorded(folder, record) if record else {p.name for p in present}
        spared = []
        for path in present:
            if path.name in mine or path.name not in listed or not (path.is_file() and is_ours(path)):
                continue
            if path.name.endswith(spare):
                spared.append(path.name)
                continue
            path.unlink()
            removed.append(path)
        if record:
            text = "# written by derive: the files it wrote here, which a later run may remove\n"
            data = (text + "".join(f"{name}\n" for name in sorted(mine + spared))).encode()
            if not (folder / record).is_file() or read_bytes_limited(folder / record, 1_000_000, "record") != data:
                write_atomic(folder / record, data)
    return removed
