"""derive: backpropagation by hand, done right.

    >>> from derive import load, derive
    >>> d = derive(load("mlp-222"))
    >>> round(d.gradients["w5"].value, 9)
    0.082167041
"""

from .derivation.engine import Derivation, Gradient, derivative, derive
from .network.graph import Network, Quantity, Role
from .network.spec import load_target as load
from .output import notebook

# the engine knows nothing of documents; its notebook display is wired here, where every stage may be imported
for _cls in (Derivation, Gradient):
    _cls._repr_markdown_ = notebook.markdown
    _cls._repr_latex_ = notebook.latex

__all__ = ["Derivation", "Gradient", "Network", "Quantity", "Role", "derive", "derivative", "load"]
__version__ = "0.1.0"
