"""Reference CNN gradients via PyTorch (conv2d, max_pool2d, avg_pool2d, linear; float64, autograd),
same interface as cnn_numpy.gradients. Independent of derive; torch is imported inside the function.
PyTorch's max_pool2d sends the gradient of a tied window to its first maximum in row-major order.
"""
import numpy as np


def gradients(x, t, layers, params, act="sigmoid", out_act="softmax", loss_name="cross_entropy"):
    import torch
    import torch.nn.functional as F

    f64 = torch.float64
    tparams = [None if prm is None else tuple(torch.tensor(a, dtype=f64, requires_grad=True) for a in prm)
               for prm in params]
    fns = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z,
           "softmax": lambda z: torch.softmax(z, dim=0)}
    A = torch.tensor(np.asarray(x), dtype=f64)[None]  # batch of one
    for layer, prm in zip(layers, tparams):
        if layer[0] == "conv":
            A = fns[act](F.conv2d(A, prm[0], prm[1]))
        elif layer[0] == "pool":
            pool = F.max_pool2d if layer[1] == "max" else F.avg_pool2d
            A = pool(A, layer[2])
        else:
            A = fns[out_act](prm[0] @ A.reshape(-1) + prm[1])
    y, tt = A, torch.tensor(np.asarray(t), dtype=f64)
    value = {
        "half_sse": lambda: 0.5 * ((y - tt) ** 2).sum(),
        "sse": lambda: ((y - tt) ** 2).sum(),
        "mse": lambda: ((y - tt) ** 2).sum() / tt.numel(),
        "cross_entropy": lambda: -(tt * torch.log(y)).sum(),
    }[loss_name]()
    value.backward()
    return float(value.item()), [None if prm is None else tuple(a.grad.numpy().copy() for a in prm)
                                 for prm in tparams]
