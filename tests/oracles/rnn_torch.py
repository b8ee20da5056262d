"""Reference RNN gradients via PyTorch autograd (float64), same interface as rnn_numpy.gradients.

Independent of derive: the unrolled forward pass is written with torch tensors and torch
differentiates it. torch is imported inside the function, so importing this module never needs it.
"""
import numpy as np


def gradients(p, xs, gs, h0, act="sigmoid", out_act="linear", loss_name="half_sse"):
    import torch

    f64 = torch.float64
    tp = {k: torch.tensor(np.asarray(v), dtype=f64, requires_grad=True) for k, v in p.items()}
    fns = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z,
           "softmax": lambda z: torch.softmax(z, dim=0)}
    h = torch.tensor(np.asarray(h0), dtype=f64)
    ys = []
    for t in range(xs.shape[0]):
        h = fns[act](tp["W_i"] @ torch.tensor(xs[t], dtype=f64) + tp["W_h"] @ h + tp["b"])
        ys.append(fns[out_act](tp["A"] @ h + tp["c"]))
    y, g = torch.stack(ys), torch.tensor(np.asarray(gs), dtype=f64)
    value = {
        "half_sse": lambda: 0.5 * ((y - g) ** 2).sum(),
        "sse": lambda: ((y - g) ** 2).sum(),
        "mse": lambda: ((y - g) ** 2).sum() / g.numel(),
        "bce": lambda: torch.nn.functional.binary_cross_entropy(y, g, reduction="sum"),
        "cross_entropy": lambda: -(g * torch.log(y)).sum(),
    }[loss_name]()
    value.backward()
    return float(value.item()), {k: v.grad.numpy().copy() for k, v in tp.items()}
