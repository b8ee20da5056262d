"""Reference MLP backpropagation in plain numpy (matrix form), float64.

Written independently of derive's engine (derive/engine.py, numeric.py and symbols.py
were not read): it implements the textbook definitions directly, so agreement with the
tool is evidence that both are right.

Conventions: layers = [n0, n1, ..., nL]; activations[l-1] is the activation of layer l;
W[l] has shape (layers[l], layers[l-1]) and b[l] shape (layers[l],) for l = 1..L
(W and b may be dicts or lists indexed by l; index 0 of a list is unused).
"""
import numpy as np


def _act(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "linear":
        return z.copy()
    if name == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    raise ValueError(f"unknown activation {name!r}")


def _act_jac_t(name, z, a, g):
    """J^T g, where J = da/dz at z (a = act(z)); for elementwise activations J is diagonal."""
    if name == "sigmoid":
        return g * a * (1.0 - a)
    if name == "tanh":
        return g * (1.0 - a * a)
    if name == "relu":
        return g * (z > 0)
    if name == "linear":
        return g
    if name == "softmax":  # J = diag(a) - a a^T (symmetric)
        return a * g - a * np.dot(a, g)
    raise ValueError(f"unknown activation {name!r}")


def _loss(name, y, t):
    n = y.shape[0]
    if name == "half_sse":
        return 0.5 * np.sum((y - t) ** 2)
    if name == "sse":
        return np.sum((y - t) ** 2)
    if name == "mse":
        return np.sum((y - t) ** 2) / n
    if name == "bce":
        return -np.sum(t * np.log(y) + (1 - t) * np.log(1 - y))
    if name == "cross_entropy":
        return -np.sum(t * np.log(y))
    raise ValueError(f"unknown loss {name!r}")


def _loss_grad(name, y, t):
    """dLoss/dy."""
    n = y.shape[0]
    if name == "half_sse":
        return y - t
    if name == "sse":
        return 2.0 * (y - t)
    if name == "mse":
        return 2.0 * (y - t) / n
    if name == "bce":
        return -t / y + (1 - t) / (1 - y)
    if name == "cross_entropy":
        return -t / y
    raise ValueError(f"unknown loss {name!r}")


def forward(layers, activations, W, b, x):
    """Pre-activations z[l] and activations a[l] (a[0] = x), dicts keyed by layer."""
    L = len(layers) - 1
    a = {0: np.asarray(x, dtype=np.float64)}
    z = {}
    for l in range(1, L + 1):
        z[l] = np.asarray(W[l], dtype=np.float64) @ a[l - 1] + np.asarray(b[l], dtype=np.float64)
        a[l] = _act(activations[l - 1], z[l])
    return z, a


def mlp_loss(layers, activations, loss, W, b, x, t):
    """The loss of the network on one example (x, t)."""
    _, a = forward(layers, activations, W, b, x)
    return float(_loss(loss, a[len(layers) - 1], np.asarray(t, dtype=np.float64)))


def mlp_gradients(layers, activations, loss, W, b, x, t):
    """(loss_value, dW, db) with dW[l], db[l] shaped like W[l], b[l] (dicts keyed by l = 1..L)."""
    L = len(layers) - 1
    t = np.asarray(t, dtype=np.float64)
    z, a = forward(layers, activations, W, b, x)
    delta = {L: _act_jac_t(activations[L - 1], z[L], a[L], _loss_grad(loss, a[L], t))}
    for l in range(L - 1, 0, -1):
        g = np.asarray(W[l + 1], dtype=np.float64).T @ delta[l + 1]
        delta[l] = _act_jac_t(activations[l - 1], z[l], a[l], g)
    dW = {l: np.outer(delta[l], a[l - 1]) for l in range(1, L + 1)}
    db = {l: delta[l].copy() for l in range(1, L + 1)}
    return float(_loss(loss, a[L], t)), dW, db
