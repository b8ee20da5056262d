"""Names as notes write them: one quantity, many spellings.

`\\text{out}_{o1}`, `o_1^{out}` and `out_{o1}` are one name; `W5` is `w_5`; `pred_{o1}` is
`out_{o1}`. Matching tries the exact spelling first and then looser readings, and every loose
reading is reported ("read W5 as w_5") so the user can see what was assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

SYNONYMS = {
    "pred": "out", "predicted": "out", "prediction": "out", "output": "out", "yhat": "out",
    "true": "target", "truth": "target", "target": "target",
    "lr": "eta", "learning": "eta", "eta": "eta",
}
LEARNING_RATE = (("learning", "rate"), ("lr",), ("eta",), ("alpha",), ("learningrate",))


@dataclass(frozen=True)
class Match:
    key: tuple[str, ...]
    how: str  # "" for an exact match, else a phrase for the report


@lru_cache(maxsize=None)
def _lower(key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(t.lower().lstrip("^") if not t.lstrip("^").isdigit() else t.lower() for t in key)


@lru_cache(maxsize=None)
def _bag(key: tuple[str, ...]) -> tuple:
    """The words of a name in any order (out_{o1} is o_1^{out}); index numbers keep their order
    (x_{1,11} is not x_{11,1})."""
    low = _lower(key)
    return tuple(sorted(t for t in low if not t.isdigit())), tuple(t for t in low if t.isdigit())


@lru_cache(maxsize=None)
def _synonyms(key: tuple[str, ...]) -> tuple:
    words = [SYNONYMS.get(t.lower(), t.lower()) for t in key]
    return tuple(sorted(t for t in words if not t.isdigit())), tuple(t for t in words if t.isdigit())


_READINGS = (("a different case", _lower), ("its parts in another order", _bag), ("a synonym", _synonyms))


class NameIndex:
    """The known names by each of their readings, built once for a list of names that is asked many times
    (a CNN note has thousands: a scan of every name per question took most of a minute)."""

    def __init__(self, known: list[tuple[str, ...]]):
        self.known = known
        self.keys = set(known)
        self.by: list[dict] = []
        for _how, norm in _READINGS:
            table: dict = {}
            for k in known:
                table.setdefault(norm(k), []).append(k)
            self.by.append(table)

    def find(self, key: tuple[str, ...]) -> Match | None:
        return find(key, self.known, self)


def find(key: tuple[str, ...], known: list[tuple[str, ...]], index: NameIndex | None = None) -> Match | None:
    """The known name this spelling stands for, trying stricter readings first; None if none or
    if a reading is ambiguous."""
    if key in (index.keys if index is not None else known):
        return Match(key, "")
    for n, (how, norm) in enumerate(_READINGS):
        hits = index.by[n].get(norm(key), []) if index is not None else [k for k in known if norm(k) == norm(key)]
        if len(hits) == 1:
            return Match(hits[0], how)
        if len(hits) > 1:
            return None
    if "^hat" in key:  # OCR turns a ∂ into a hat: ∂o_{o1}^{out} read as \hat{o}_{o1}^{out}
        rest = tuple(t for t in key if t != "^hat")
        for drop in range(len(rest)):
            if len(rest[drop]) == 1:
                trimmed = rest[:drop] + rest[drop + 1:]
                hits = [k for k in known if _bag(k) == _bag(trimmed)]
                if len(hits) == 1:
                    return Match(hits[0], "a hat as a ∂")
    return None


def display(key: tuple[str, ...]) -> str:
    """A plain-text spelling for messages: out_o1, w5, y^hat."""
    parts = [t for t in key if not t.startswith("^") and t != "·"]
    labels = [t[1:] for t in key if t.startswith("^") and t != "^hat"] + (["hat"] if "^hat" in key else [])
    text = "_".join(parts) if parts else "?"
    if "hat" in labels:
        text = text + "^"
        labels.remove("hat")
    layers = "".join(f"({lab})" for lab in labels if lab.isdigit())
    return (f"{text}^{layers}" if layers else text) + "".join(f"^{lab}" for lab in labels if not lab.isdigit())


def is_learning_rate(key: tuple[str, ...]) -> bool:
    return _lower(key) in LEARNING_RATE


def is_signal(key: tuple[str, ...]) -> bool:
    """δ, δ_j^(l), Δ: an error signal, the derivative of the loss by a pre-activation (never an input)."""
    return key[0].startswith(("delta", "Delta"))
