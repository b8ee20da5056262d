"""Output for a terminal or file whose encoding lacks the Greek letters and symbols derive writes
(a Windows console in cp1252): each such character in ASCII (δ as d, σ as sigma, ∂ as d, − as -),
instead of an encoding error."""

from __future__ import annotations

import codecs
import sys

HANDLER = "derive-ascii"
ASCII = {
    "δ": "d", "Δ": "D", "∂": "d", "σ": "sigma", "Σ": "Sum", "∑": "Sum", "η": "eta", "θ": "theta", "ε": "eps",
    "λ": "lambda", "μ": "mu", "α": "alpha", "β": "beta", "γ": "gamma", "φ": "phi", "ψ": "psi", "ω": "omega",
    "π": "pi", "τ": "tau", "ξ": "xi", "−": "-", "–": "-", "—": "-", "×": "x", "·": "*", "⋅": "*", "⊙": "(.)",
    "…": "...", "≈": "~", "→": "->", "←": "<-", "≤": "<=", "≥": ">=", "≠": "!=", "²": "^2", "³": "^3",
    "√": "sqrt", "′": "'", "ŷ": "y^", "ℝ": "R", "∈": " in ", "°": " deg", "✓": "ok", "✗": "x",
}


def _fallback(error: UnicodeEncodeError) -> tuple[str, int]:
    bad = error.object[error.start:error.end]
    return "".join(ASCII.get(c, "?") for c in bad), error.end


codecs.register_error(HANDLER, _fallback)


def ascii_fallback(streams=None) -> None:
    """Streams whose encoding cannot write δ and σ write them in ASCII from now on."""
    for stream in streams if streams is not None else (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            "δσ∂−".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors=HANDLER)
