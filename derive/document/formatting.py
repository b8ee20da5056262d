"""How numbers are written: the same everywhere (terminal, documents, handouts).

Documents and handouts may ask for fewer or more decimals (`written_with(n)` around building and rendering
them); everything else, and every document that does not ask, uses DECIMALS."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..errors import DeriveError

DECIMALS = 9
DECIMALS_RANGE = range(2, 16)   # fewer than 2 says nothing of a gradient; past 15 a float has no more digits
_IN_USE: ContextVar[int] = ContextVar("decimals", default=DECIMALS)


def decimals_in_use() -> int:
    return _IN_USE.get()


@contextmanager
def written_with(decimals: int) -> Iterator[None]:
    """Numbers written inside the block have at most `decimals` decimals (DECIMALS outside it)."""
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals not in DECIMALS_RANGE:
        raise DeriveError(f"decimals must be a whole number from {DECIMALS_RANGE.start} to "
                          f"{DECIMALS_RANGE.stop - 1}, not {decimals!r}")
    token = _IN_USE.set(decimals)
    try:
        yield
    finally:
        _IN_USE.reset(token)


def smallest_fixed(decimals: int) -> float:
    """The smallest magnitude written with fixed decimals (1e-5 with 9): one that keeps at least a few
    significant digits; anything smaller is written in scientific notation."""
    return 10.0 ** -min(decimals - 1, max(decimals - 4, 4))


def fmt(x: float | None, decimals: int | None = None) -> str:
    """Fixed decimals with trailing zeros dropped (0.35891648); scientific only for tiny or huge values."""
    if decimals is None:
        decimals = decimals_in_use()
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if smallest_fixed(decimals) <= abs(x) < 1e7:
        s = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    return f"{x:.{min(4, decimals - 1)}e}"  # a mantissa of five digits at most, never more decimals than asked


def fmt_tex(x: float | None, decimals: int | None = None) -> str:
    """fmt for LaTeX: scientific notation as a power of ten."""
    s = fmt(x, decimals)
    if "e" not in s:
        return s
    mantissa, exp = s.split("e")
    return rf"{mantissa} \times 10^{{{int(exp)}}}"
