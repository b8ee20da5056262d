"""Reference backpropagation through time for an Elman RNN, in plain numpy arrays, float64.

Written from the equations, not from derive's code:

    o_t = W_i x_t + W_h h_{t-1} + b,   h_t = f(o_t),   z_t = A h_t + c,   y_t = g(z_t)
    L   = sum over t and output units of the per-element loss (mse divides by T * outputs)

Shapes: xs (T, I), gs (T, M), h0 (H,), W_i (H, I), W_h (H, H), b (H,), A (M, H), c (M,).
The backward pass is the textbook one: walk t = T..1 carrying dL/dh_t from the future.
"""

import numpy as np


def _f(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "linear":
        return z.copy()
    if name == "softmax":
        e = np.exp(z - np.max(z))
        return e / np.sum(e)
    raise ValueError(name)


def _f_back(name, z, a, grad):
    """(da/dz)^T grad."""
    if name == "sigmoid":
        return grad * a * (1.0 - a)
    if name == "tanh":
        return grad * (1.0 - a ** 2)
    if name == "relu":
        return grad * (z > 0)
    if name == "linear":
        return grad
    if name == "softmax":
        return a * (grad - np.dot(a, grad))
    raise ValueError(name)


def _loss(name, y, g, n):
    if name == "half_sse":
        return 0.5 * np.sum((y - g) ** 2)
    if name == "sse":
        return np.sum((y - g) ** 2)
    if name == "mse":
        return np.sum((y - g) ** 2) / n
    if name == "bce":
        return -np.sum(g * np.log(y) + (1.0 - g) * np.log(1.0 - y))
    if name == "cross_entropy":
        return -np.sum(g * np.log(y))
    raise ValueError(name)


def _loss_back(name, y, g, n):
    if name == "half_sse":
        return y - g
    if name == "sse":
        return 2.0 * (y - g)
    if name == "mse":
        return 2.0 * (y - g) / n
    if name == "bce":
        return (1.0 - g) / (1.0 - y) - g / y
    if name == "cross_entropy":
        return -g / y
    raise ValueError(name)


def forward(p, xs, h0, act, out_act):
    """Every step's o, h (h[0] = h0), z, y as arrays with a leading time axis."""
    T = xs.shape[0]
    H = p["W_h"].shape[0]
    h = np.zeros((T + 1, H))
    h[0] = h0
    o = np.zeros((T, H))
    z = np.zeros((T, p["A"].shape[0]))
    y = np.zeros_like(z)
    for t in range(T):
        o[t] = p["W_i"] @ xs[t] + p["W_h"] @ h[t] + p["b"]
        h[t + 1] = _f(act, o[t])
        z[t] = p["A"] @ h[t + 1] + p["c"]
        y[t] = _f(out_act, z[t])
    return o, h, z, y


def loss(p, xs, gs, h0, act, out_act, loss_name):
    _, _, _, y = forward(p, xs, h0, act, out_act)
    return float(_loss(loss_name, y, gs, gs.size))


def gradients(p, xs, gs, h0, act="sigmoid", out_act="linear", loss_name="half_sse"):
    """(loss, {"W_i", "W_h", "b", "A", "c": dL/d that array})."""
    o, h, z, y = forward(p, xs, h0, act, out_act)
    n = gs.size
    grads = {k: np.zeros_like(v, dtype=float) for k, v in p.items()}
    dh_future = np.zeros(h.shape[1])  # dL/dh_t through o_{t+1}
    for t in reversed(range(xs.shape[0])):
        dz = _f_back(out_act, z[t], y[t], _loss_back(loss_name, y[t], gs[t], n))
        grads["A"] += np.outer(dz, h[t + 1])
        grads["c"] += dz
        dh = p["A"].T @ dz + dh_future
        do = _f_back(act, o[t], h[t + 1], dh)
        grads["W_i"] += np.outer(do, xs[t])
        grads["W_h"] += np.outer(do, h[t])
        grads["b"] += do
        dh_future = p["W_h"].T @ do
    return float(_loss(loss_name, y, gs, n)), grads


def per_step_losses(p, xs, gs, h0, act="sigmoid", out_act="linear", loss_name="half_sse"):
    """L_t for every step (each with the whole loss's 1/n for mse)."""
    _, _, _, y = forward(p, xs, h0, act, out_act)
    return [float(_loss(loss_name, y[t], gs[t], gs.size)) for t in range(xs.shape[0])]
