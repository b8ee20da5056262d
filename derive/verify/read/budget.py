"""Time limits, one inside another: each claim has a few seconds, and a whole note (reading, front matter,
alignment, every claim) has its own budget, so that one pathological note cannot stop a class's batch.

A limit is a SIGALRM timer (the main thread only; elsewhere nothing is limited). An inner limit never
outlives an outer one: the timer is set to the nearer deadline, and when it fires the exception says
which limit was reached. When an inner limit ends, the timer is set again for the one around it."""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager


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
