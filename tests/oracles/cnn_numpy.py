"""Reference forward and backward pass of a small CNN in plain numpy arrays, float64.

Written from the definitions, not from derive's code. Arrays are channel-first and 0-based:

    conv   Z[c, g, h] = sum_{d,m,n} A[d, g+m, h+n] K[c, d, m, n] + B[c]     (valid, stride 1)
           A' = f(Z)
    pool   P[c, r, s] = max or mean of A[c, size*r : size*(r+1), size*s : size*(s+1)]
           (the max's gradient goes to the first maximum in row-major order, as np.argmax picks it)
    dense  u = W vec(A) + b with vec in C order (channel, then row, then column); p = out(u)
    loss   summed over the outputs (mse divides by their number)

`layers` is a list of ("conv", maps, kernel) | ("pool", "max"|"avg", size) | ("dense", units);
parameters are a list with one entry per layer: (K, B) for conv, (W, b) for dense, None for pool.
"""

import numpy as np

from . import rnn_numpy as _elementwise  # activation, loss and their backward rules (shared tables)


def init_params(rng, in_shape, layers, scale=0.5):
    params = []
    d, h, w = in_shape
    for layer in layers:
        if layer[0] == "conv":
            _, maps, k = layer
            params.append((rng.uniform(-scale, scale, (maps, d, k, k)), rng.uniform(-scale, scale, maps)))
            d, h, w = maps, h - k + 1, w - k + 1
        elif layer[0] == "pool":
            params.append(None)
            h, w = h // layer[2], w // layer[2]
        else:
            params.append((rng.uniform(-scale, scale, (layer[1], d * h * w)), rng.uniform(-scale, scale, layer[1])))
    return params


def _conv(A, K, B):
    maps, _, k, _ = K.shape
    G, H = A.shape[1] - k + 1, A.shape[2] - k + 1
    Z = np.zeros((maps, G, H))
    for m in range(k):
        for n in range(k):
            Z += np.einsum("cd,dgh->cgh", K[:, :, m, n], A[:, m:m + G, n:n + H])
    return Z + B[:, None, None]


def _conv_back(A, K, dZ):
    k = K.shape[2]
    G, H = dZ.shape[1:]
    dK = np.zeros_like(K)
    dA = np.zeros_like(A)
    for m in range(k):
        for n in range(k):
            dK[:, :, m, n] = np.einsum("cgh,dgh->cd", dZ, A[:, m:m + G, n:n + H])
            dA[:, m:m + G, n:n + H] += np.einsum("cgh,cd->dgh", dZ, K[:, :, m, n])
    return dK, dZ.sum(axis=(1, 2)), dA


def _windows(A, size):
    c, h, w = A.shape
    blocks = A.reshape(c, h // size, size, w // size, size).transpose(0, 1, 3, 2, 4)
    return blocks.reshape(c, h // size, w // size, size * size)


def _pool(A, kind, size):
    win = _windows(A, size)
    return win.max(axis=-1) if kind == "max" else win.mean(axis=-1)


def _pool_back(A, kind, size, dP, ties="first"):
    c, h, w = A.shape
    if kind == "avg":
        win_grad = np.repeat(dP[..., None], size * size, axis=-1) / (size * size)
    else:
        win = _windows(A, size)
        if ties == "first":
            first = np.argmax(win, axis=-1)  # np.argmax returns the first maximum
        else:  # the last maximum: the first one of the reversed window
            first = size * size - 1 - np.argmax(win[..., ::-1], axis=-1)
        win_grad = np.zeros(dP.shape + (size * size,))
        np.put_along_axis(win_grad, first[..., None], dP[..., None], axis=-1)
    return win_grad.reshape(c, h // size, w // size, size, size).transpose(0, 1, 3, 2, 4).reshape(c, h, w)


def forward(x, layers, params, act, out_act):
    """The activations entering every layer (cache) and the output p."""
    cache = []
    A = np.asarray(x, dtype=float)
    for layer, prm in zip(layers, params):
        if layer[0] == "conv":
            Z = _conv(A, *prm)
            cache.append((A, Z))
            A = _elementwise._f(act, Z)
        elif layer[0] == "pool":
            cache.append((A, None))
            A = _pool(A, layer[1], layer[2])
        else:
            u = prm[0] @ A.reshape(-1) + prm[1]
            cache.append((A, u))
            A = _elementwise._f(out_act, u)
    return cache, A


def loss(x, t, layers, params, act="sigmoid", out_act="softmax", loss_name="cross_entropy"):
    _, p = forward(x, layers, params, act, out_act)
    return float(_elementwise._loss(loss_name, p, t, t.size))


def gradients(x, t, layers, params, act="sigmoid", out_act="softmax", loss_name="cross_entropy", ties="first"):
    """(loss, grads) with grads[i] = (dK, dB) / (dW, db) / None, like params. ties = "last" sends a tied
    max-pool window's gradient to its last maximum instead (to show that the rule matters)."""
    cache, p = forward(x, layers, params, act, out_act)
    grads = [None] * len(layers)
    dA = None
    for i in reversed(range(len(layers))):
        layer, prm, (A, pre) = layers[i], params[i], cache[i]
        if layer[0] == "dense":
            du = _elementwise._f_back(out_act, pre, p, _elementwise._loss_back(loss_name, p, t, t.size))
            grads[i] = (np.outer(du, A.reshape(-1)), du)
            dA = (prm[0].T @ du).reshape(A.shape)
        elif layer[0] == "pool":
            dA = _pool_back(A, layer[1], layer[2], dA, ties)
        else:
            dZ = _elementwise._f_back(act, pre, _elementwise._f(act, pre), dA)
            dK, dB, dA = _conv_back(A, prm[0], dZ)
            grads[i] = (dK, dB)
    return float(_elementwise._loss(loss_name, p, t, t.size)), grads
