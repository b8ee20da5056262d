"""Reference MLP gradients via PyTorch autograd (float64), same interface as mlp_numpy.

Written independently of derive's engine. torch is imported inside the function so that
importing this module never requires torch.
"""
import numpy as np


def mlp_gradients(layers, activations, loss, W, b, x, t):
    """(loss_value, dW, db) with dW[l], db[l] numpy arrays shaped like W[l], b[l] (l = 1..L)."""
    import torch

    L = len(layers) - 1
    f64 = torch.float64
    Wt = {l: torch.tensor(np.asarray(W[l]), dtype=f64, requires_grad=True) for l in range(1, L + 1)}
    bt = {l: torch.tensor(np.asarray(b[l]), dtype=f64, requires_grad=True) for l in range(1, L + 1)}
    acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
            "linear": lambda z: z, "softmax": lambda z: torch.softmax(z, dim=0)}
    a = torch.tensor(np.asarray(x), dtype=f64)
    for l in range(1, L + 1):
        a = acts[activations[l - 1]](Wt[l] @ a + bt[l])
    y, tt = a, torch.tensor(np.asarray(t), dtype=f64)
    losses = {
        "half_sse": lambda: 0.5 * ((y - tt) ** 2).sum(),
        "sse": lambda: ((y - tt) ** 2).sum(),
        "mse": lambda: ((y - tt) ** 2).sum() / y.shape[0],
        "bce": lambda: -(tt * torch.log(y) + (1 - tt) * torch.log(1 - y)).sum(),
        "cross_entropy": lambda: -(tt * torch.log(y)).sum(),
    }
    value = losses[loss]()
    value.backward()
    dW = {l: Wt[l].grad.numpy().copy() for l in range(1, L + 1)}
    db = {l: bt[l].grad.numpy().copy() for l in range(1, L + 1)}
    return float(value.item()), dW, db
