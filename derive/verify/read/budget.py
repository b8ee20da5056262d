"""Time limits, one inside another: each claim has a few seconds, and a whole note (reading, front matter,
alignment, every claim) has its own budget, so that one pathological note cannot stop a class's batch.
A note has a memory budget as well, so that one note cannot exhaust the machine either.

A limit is a SIGALRM timer (the main thread only; elsewhere nothing is limited). An inner limit never
outlives an outer one: the timer is set to the nearer deadline, and when it fires the exception says
which limit was reached. When an inner limit ends, the timer is set again for the one around it.

The memory budget is on the process's address space while the note is checked, beyond what it used when the
note started: looked at often (a SIGPROF timer on processor time) and, for one allocation too large to wait
for the look, a hard limit (RLIMIT_AS) above it. Either ends the note; both are lifted when the note ends.
In the main thread only, where POSIX resource limits and /proc/self/statm exist (Linux); elsewhere nothing
is limited."""

from __future__ import annotations

import importlib
import importlib.util
import os
import signal
import threading
import time
from contextlib import contextmanager

resource = importlib.import_module("resource") if importlib.util.find_spec("resource") else None  # POSIX only


class TimeLimit(Exception):
    """A claim took longer than its limit."""


class NoteTimeLimit(BaseException):
    """A whole note took longer than its budget. A BaseException, so that no handler of a single claim's
    failures takes it for that claim's."""


_DEADLINES: list[tuple[float, type]] = []  # (monotonic deadline, exception), outermost first


def _arm() -> None:
    if not _DEADLINES:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    when, _ = min(_DEADLINES, key=lambda d: d[0])
    signal.setitimer(signal.ITIMER_REAL, max(when - time.monotonic(), 1e-4))


def _fire(signum, frame) -> None:
    now = time.monotonic()
    due = [d for d in _DEADLINES if d[0] <= now + 1e-4] or [min(_DEADLINES, key=lambda d: d[0])]
    raise due[0][1]()  # the outermost that is due: a note's budget before a claim's limit


@contextmanager
def time_limit(seconds: float, error: type = TimeLimit):
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    outermost = not _DEADLINES
    old = signal.signal(signal.SIGALRM, _fire) if outermost else None
    _DEADLINES.append((time.monotonic() + seconds, error))
    _arm()
    try:
        yield
    finally:
        _DEADLINES.pop()
        if outermost:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        else:
            _arm()


class NoteMemoryLimit(BaseException):
    """A whole note needed more memory than its budget: `megabytes`, the budget it had."""

    def __init__(self, megabytes: float):
        super().__init__(megabytes)
        self.megabytes = megabytes


def address_space() -> int | None:
    """Bytes of address space this process uses now (None where that cannot be known)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _peak() -> int | None:
    """The largest address space this process has had, in bytes (None where that cannot be known)."""
    try:
        with open("/proc/self/status", "rb") as f:
            peak = next(line for line in f if line.startswith(b"VmPeak:"))
        return int(peak.split()[1]) * 1024
    except (OSError, ValueError, IndexError, StopIteration):
        return None


SAMPLE = 0.02  # seconds of processor time between two looks at a note's memory


@contextmanager
def memory_limit(megabytes: float, error: type = NoteMemoryLimit):
    """Within: at most `megabytes` more address space than the process uses on entry. Looked at every
    SAMPLE seconds of processor time (a SIGPROF timer), which raises error(megabytes) past it; and for
    what one call into C allocates before the timer can be looked at, a hard limit a quarter above the
    budget (or less, where a limit set outside, such as `ulimit -v`, is nearer), whose MemoryError becomes
    error(megabytes) as well.
    A process that has run into its hard limit can crawl for minutes, every allocation failing but a few,
    so the look comes first."""
    used = address_space()
    if resource is None or used is None or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    budget = int(megabytes * 2 ** 20)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + budget + max(budget // 4, 64 * 2 ** 20)
    for outer in (soft, hard):
        if outer != resource.RLIM_INFINITY:
            limit = min(limit, outer)

    def look(signum, frame):
        now = address_space()
        if now is not None and now - used > budget:
            signal.setitimer(signal.ITIMER_PROF, 0)
            raise error(megabytes)

    old = signal.signal(signal.SIGPROF, look)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.setitimer(signal.ITIMER_PROF, SAMPLE, SAMPLE)
    exhausted = False
    try:
        yield
    except MemoryError:
        exhausted = True  # raised below, once the limit is lifted and what the note held is freed
    except SystemError:  # an allocation that failed inside C code can surface as "error return without ..."
        exhausted = (_peak() or 0) >= limit - 16 * 2 ** 20
        if not exhausted:
            raise
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    if exhausted:
        raise error(megabytes)
