"""Networks drawn as Mermaid flowcharts in a note (```mermaid blocks): an edge whose label is an
expression in the node it leaves (`x --w_1*x + b_1--> z_1`) defines the node it enters, and an edge
labelled with an activation (`z_1 --sigmoid function--> a_1`) applies it. Each such edge is passed on as a
plain-text definition (`z_1 = w_1*x + b_1`, `a_1 = sigmoid(z_1)`) written over the edge, with the same
length so that columns map back; other lines of the chart are left out."""

from __future__ import annotations

import re

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_SHAPE = r"(?:\[[^\]\n]*\]|\([^)\n]*\)|\{[^}\n]*\})?"
# A --label--> B, A -- label --> B, A -->|label| B
_EDGE = re.compile(rf"^(\s*)({_ID}){_SHAPE}\s*(?:--\s*([^-|>\n][^|>\n]*?)\s*-->|-->\s*\|([^|\n]+)\|)"
                   rf"\s*({_ID}){_SHAPE}\s*;?\s*$")
_ACTIVATION = re.compile(r"\b(sigmoid|sigma|σ|tanh|relu|ReLU|softplus|softmax)\b", re.IGNORECASE)
_EXPRESSION = re.compile(r"^[\w\s+\-*/().^·×]+$")


def formula(line: str) -> tuple[int, str] | None:
    """(offset in the line, the definition as plain text, as long as line[offset:]) for an edge that
    defines its target, else None."""
    m = _EDGE.match(line)
    if not m:
        return None
    source, label, target = m.group(2), (m.group(3) or m.group(4) or "").strip(), m.group(5)
    if not label:
        return None
    act = _ACTIVATION.search(label)
    if act:
        name = act.group(1).lower()
        text = f"{target} = {'sigmoid' if name in ('sigma', 'σ') else name}({source})"
    elif _EXPRESSION.match(label) and re.search(rf"(?<![A-Za-z0-9_]){re.escape(source)}(?![A-Za-z0-9_])", label):
        text = f"{target} = {label}"
    else:
        return None
    offset = len(m.group(1))
    room = len(line) - offset
    return (offset, text.ljust(room)) if len(text) <= room else None
