"""The error hierarchy (only the command-line front end catches these), and the one way input files are read:
regular files only, each with a size limit, so that no input can be read forever."""

from __future__ import annotations

import os
import stat


class DeriveError(Exception):
    """Any error a user can cause and fix: the CLI prints it on one line and exits 2."""


class SpecError(DeriveError):
    """A spec (TOML file, built-in parameters) names something impossible. Carries the key."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(printable(f"{key}: {message}" if key else message))  # one line, whatever the key


class SizeError(DeriveError):
    """The network is too large for a symbolic derivation to be useful."""


class NoteError(DeriveError):
    """A note could not be read at all (as opposed to a formula in it that did not parse)."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        self.path, self.line, self.column = path, line, column
        where = path if line is None else f"{path}:{line}:{column or 1}"
        super().__init__(f"{where}: {message}")


class ToolMissing(DeriveError):
    """An external program (a TeX engine) is needed and not installed."""


# --- reading input files ---------------------------------------------------------------------------
# Here, below every stage, so that each stage's reader (the spec loader, the note reader, the command
# line) refuses the same things in the same words: anything but a regular file (a device such as
# /dev/zero, a FIFO, a folder), which could be read forever or block forever, and a file past its limit.


class InputError(DeriveError):
    """An input file that cannot be read as one: not a regular file, too large, not UTF-8 text."""

    def __init__(self, path: str | os.PathLike, reason: str, what: str = "file"):
        self.path, self.reason, self.what = str(path), reason, what
        super().__init__(f"{what} {printable(str(path))}: {reason}")


def printable(text: str) -> str:
    """text on one line: characters that are not printable (line breaks, controls) become '?'."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a file")


def read_bytes_limited(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputError otherwise. Opened without blocking
    (a FIFO with no writer does not hang the open) and checked on the open file, so nothing can be
    swapped in between the check and the read; read in pieces up to limit + 1 bytes, so a file that
    grows while it is read is refused too."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise InputError(path, f"cannot be read ({e.strerror})", what) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(path, f"not a regular file ({_kind(mode)}); give a file", what)
        too_large = f"larger than the {limit:,} bytes a {what} may have"
        if os.fstat(fd).st_size > limit:
            raise InputError(path, too_large, what)
        chunks, total = [], 0
        while total <= limit:
            try:
                chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            except OSError as e:
                raise InputError(path, f"cannot be read ({e.strerror})", what) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise InputError(path, too_large, what)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_limited(path: str | os.PathLike, limit: int, what: str = "file") -> str:
    """The text of a regular UTF-8 file of at most `limit` bytes, without a byte-order mark (Notepad
    writes one); InputError, naming `what` and the file, otherwise."""
    data = read_bytes_limited(path, limit, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 text (byte {e.start + 1:,} cannot be read as UTF-8)", what) from None
