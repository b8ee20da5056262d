"""The choices a spec makes, checked against derive.rules: which activation may go where, which loss
needs which output. Errors name the key (SpecError)."""

from __future__ import annotations

from typing import Sequence

from ..errors import SpecError
from ..rules import ACTIVATIONS, LOSSES, ActivationRule, LossRule


def check_choice(key: str, value: object, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise SpecError(key, f"unknown value {value!r}; allowed: {', '.join(allowed)}")
    return value  # type: ignore[return-value]


def hidden_activations() -> list[str]:
    return [n for n, r in ACTIVATIONS.items() if r.hidden]


def output_activations(kind: str, default: str | None = None) -> list[str]:
    """The activations the output layer of a `kind` network may have: its default first, then the rest."""
    names = [n for n, r in ACTIVATIONS.items() if kind in r.outputs]
    return [default] + [n for n in names if n != default] if default in names else names


def layer_activations(kind: str) -> list[str]:
    """An MLP's activations, one list for every layer: those of hidden layers or of its output layer."""
    return [n for n, r in ACTIVATIONS.items() if r.hidden or kind in r.outputs]


def activation(key: str, fn: object, allowed: Sequence[str]) -> ActivationRule:
    return ACTIVATIONS[check_choice(key, fn, allowed)]


def loss(value: object) -> LossRule:
    return LOSSES[check_choice("loss", value, list(LOSSES))]


def loss_and_output(loss_name: str, output: str, layer_phrase: bool, explain: bool = True) -> None:
    """A loss that needs a certain output (bce: a sigmoid) refused with another. The message names the
    output as an MLP's spec chooses it (`a sigmoid output layer`) or as an RNN's or a CNN's does
    (`output_activation = "sigmoid"`), with the reason unless explain is False (a CNN's message is short)."""
    rule = LOSSES[loss_name]
    if rule.outputs is None or output in rule.outputs:
        return
    first, *rest = rule.outputs
    if layer_phrase:
        need = f"a {first}" + "".join(f" (or {r})" for r in rest) + " output layer"
    else:
        need = f'output_activation = "{first}"' + "".join(f' (or "{r}")' for r in rest)
    why = f" ({rule.why})" if rule.why and explain else ""
    raise SpecError("loss", f"{loss_name} needs {need}{why}")


def logits(loss_name: str, output: str, pres: Sequence[str]) -> tuple[str, ...]:
    """The pre-activations the backward pass starts from when the loss and the output allow the
    shortcut (softmax with cross-entropy: dL/dz = p − t), else ()."""
    return tuple(pres) if LOSSES[loss_name].logits_with == output else ()
