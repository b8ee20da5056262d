"""How numbers are written: the same everywhere (terminal, documents, handouts)."""

from __future__ import annotations

DECIMALS = 9


def fmt(x: float | None, decimals: int = DECIMALS) -> str:
    """Fixed decimals with trailing zeros dropped (0.35891648); scientific only for tiny or huge values."""
    if x is None:
        return "-"
    if x == 0:
        return "0"
    if 10.0 ** -(decimals - 4) <= abs(x) < 1e7:
        s = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    return f"{x:.4e}"


def fmt_tex(x: float | None, decimals: int = DECIMALS) -> str:
    """fmt for LaTeX: scientific notation as a power of ten."""
    s = fmt(x, decimals)
    if "e" not in s:
        return s
    mantissa, exp = s.split("e")
    return rf"{mantissa} \times 10^{{{int(exp)}}}"
