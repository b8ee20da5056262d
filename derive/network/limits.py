"""How large a network a spec asks for, counted from the spec alone, before anything is built.

A network is built as one Python object per scalar quantity, and a sum holds one pair of names per term,
so its cost is known from its sizes: parameters, quantities (every input, target, parameter, intermediate
value and loss term), connections (terms of the sums, windows of the poolings, arguments of a softmax)
and, for an RNN, steps. Each count here is exactly what mlp.py, rnn.py and cnn.py build.

Two limits. Past the soft ones a symbolic derivation helps no reader and takes long; --allow-large
(allow_large) lifts them. Past the hard ones the network cannot be built in the memory of an ordinary
machine at all, and nothing lifts them.

A document is limited as well, before it is built: an RNN's grows with its quantities times its steps
(each gradient sums a chain over every earlier step), so 160 steps give 3 MB of Markdown and 22 MB of HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..errors import SizeError
from .cnn import Conv, Dense, Flatten, Layer, Pooling
from .graph import Network, op_refs

MAX_PARAMETERS = 2500       # beyond this a symbolic derivation is no help to a reader (the engine's limit)
MAX_QUANTITIES = 20_000     # the lenet example has 1,908; an RNN over 1,000 steps about 6,000
MAX_CONNECTIONS = 100_000   # terms of sums: a CNN's cost grows with kernel size × map size, not its parameters
MAX_STEPS = 1000            # an RNN unrolled deeper than this is a chain too deep to write out
HARD_QUANTITIES = 250_000   # about 2 KB each once derived: beyond this no machine's memory is enough
HARD_CONNECTIONS = 2_500_000
DOCUMENT_BASE, DOCUMENT_BYTES = 1_000_000, 250  # and per quantity and step, in HTML, the largest format: an RNN
                                                # of 20 steps (127 quantities) is 1.1 MB, of 40 (247) 2.1 MB
MAX_DOCUMENT_BYTES = 50_000_000  # a document nobody reads whole, hours to build past this
HARD_DOCUMENT_BYTES = 1_000_000_000


@dataclass(frozen=True)
class Size:
    parameters: int
    quantities: int
    connections: int
    steps: int = 1


def mlp_size(layers: Sequence[int], activations: Sequence[str]) -> Size:
    """build_mlp: inputs, targets, weights and biases, a pre-activation and an activation per unit, the loss."""
    units = layers[1:]
    weights = sum(a * b for a, b in zip(layers, units))
    params = weights + sum(units)
    softmax = sum(n * n for n, fn in zip(units, activations) if fn == "softmax")
    return Size(params, layers[0] + layers[-1] + params + 2 * sum(units) + 1, weights + softmax + layers[-1])


def rnn_size(steps: int, inputs: int, hidden: int, outputs: int, output_activation: str) -> Size:
    """build_rnn: x_t, h_0, g_t, the shared W_i, W_h, a, b, c; per step o_t, h_t, y_t (z_t before an output
    activation) and L_t; the loss."""
    params = hidden * (inputs + hidden + 1) + outputs * (hidden + 1)
    squashed = output_activation != "linear"
    per_step = 2 * hidden + outputs * (3 if squashed else 2)
    quantities = steps * (inputs + outputs) + hidden + params + steps * per_step + 1
    connections = steps * (hidden * (inputs + hidden) + outputs * hidden
                           + (outputs * outputs if output_activation == "softmax" else 0) + outputs)
    return Size(params, quantities, connections, steps)


def cnn_size(input_shape: Sequence[int], layers: Sequence[Layer], shapes: Sequence[Sequence[int]],
             output_activation: str) -> Size:
    """build_cnn, from the layers and the shape after each (check_layers):
    the input pixels, every kernel weight and bias, two quantities per convolved value (sum, activation),
    one per pooled value, the dense layer's weights, biases, sums, outputs, targets and loss terms."""
    params = connections = 0
    quantities = input_shape[0] * input_shape[1] * input_shape[2] + 1
    c, h, w = input_shape
    for layer, (c2, h2, w2) in zip(layers, shapes):
        if isinstance(layer, Conv):
            params += layer.maps * (layer.kernel * layer.kernel * c + 1)
            quantities += 2 * c2 * h2 * w2
            connections += c2 * h2 * w2 * layer.kernel * layer.kernel * c
        elif isinstance(layer, Pooling):
            quantities += c2 * h2 * w2
            connections += c * h * w
        elif isinstance(layer, Dense):
            n, inputs = layer.units, c * h * w
            params += n * (inputs + 1)
            quantities += 4 * n  # sums, outputs, targets, loss terms
            connections += n * inputs + (n * n if output_activation == "softmax" else 0) + n
        if not isinstance(layer, Flatten):
            c, h, w = c2, h2, w2
    return Size(params, quantities + params, connections)


def check(size: Size, allow_large: bool | None = False, key: str = "") -> None:
    """SizeError naming the size and the limit when the network is past a hard limit, or past a soft one
    with allow_large False (None: the hard limits only, the soft ones being the caller's to check)."""
    where = f"{key}: " if key else ""
    for count, limit, what in ((size.quantities, HARD_QUANTITIES, "quantities"),
                               (size.connections, HARD_CONNECTIONS, "terms in its sums")):
        if count > limit:
            raise SizeError(f"{where}the network would have {count:,} {what}; at most {limit:,} fit in memory "
                            "(even with --allow-large); make it smaller")
    if allow_large or allow_large is None:
        return
    if size.parameters > MAX_PARAMETERS:
        raise SizeError(f"{where}the network has {size.parameters:,} parameters; a symbolic derivation is limited "
                        f"to {MAX_PARAMETERS:,} (pass --allow-large to go ahead anyway)")
    if size.steps > MAX_STEPS:
        raise SizeError(f"{where}{size.steps:,} steps unroll into a chain too deep to derive; the limit is "
                        f"{MAX_STEPS:,} steps (pass --allow-large to try anyway)")
    for count, limit, what in ((size.quantities, MAX_QUANTITIES, "quantities"),
                               (size.connections, MAX_CONNECTIONS, "terms in its sums")):
        if count > limit:
            raise SizeError(f"{where}the network would have {count:,} {what}; a symbolic derivation is limited "
                            f"to {limit:,} (pass --allow-large to go ahead anyway)")


def network_size(net: Network) -> Size:
    """The size of a network already built (its steps from its shape: 1 but for an RNN)."""
    connections = sum(len(op_refs(q.op)) for q in net.quantities if q.op is not None)
    steps = net.shape.get("steps", 1) if net.kind == "rnn" else 1
    return Size(len(net.params), len(net.quantities), connections, steps if isinstance(steps, int) else 1)


def document_bytes(size: Size) -> int:
    """About how large the document of a network of this size is, in its largest format."""
    return DOCUMENT_BASE + DOCUMENT_BYTES * size.quantities * size.steps


def check_document(size: Size, allow_large: bool = False) -> None:
    """SizeError naming the size and the limit when the network's document would be larger than
    MAX_DOCUMENT_BYTES (HARD_DOCUMENT_BYTES with allow_large): checked before anything of it is built."""
    estimate = document_bytes(size)
    limit = HARD_DOCUMENT_BYTES if allow_large else MAX_DOCUMENT_BYTES
    if estimate <= limit:
        return
    steps = f" over {size.steps:,} steps" if size.steps > 1 else ""
    lift = "even with --allow-large; make it smaller" if allow_large else "pass --allow-large to write it anyway"
    raise SizeError(f"the document would be about {estimate / 1e6:,.0f} MB ({size.quantities:,} quantities{steps}); "
                    f"documents are limited to {limit / 1e6:,.0f} MB ({lift})")
