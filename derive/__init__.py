"""derive: backpropagation by hand, done right.

    >>> from derive import derive, document, load, verify_text
    >>> d = derive(load("mlp-222"))
    >>> round(d.gradients["w5"].value, 9)
    0.082167041
    >>> document(d).startswith("<!--")     # the derivation document, as Markdown (or "tex", "html")
    True
    >>> verify_text(r"$$z = w x$$ $$\\frac{dz}{dw} = x$$").summary["correct"]
    1
"""

from .derivation.engine import Derivation, Gradient, derivative, derive
from .document.build import build as _build
from .errors import DeriveError
from .network.graph import Network, Quantity, Role
from .network.spec import load_target as load
from .output import notebook
from .output.render import document_files as _document_files

# the engine knows nothing of documents; its notebook display is wired here, where every stage may be imported
for _cls in (Derivation, Gradient):
    _cls._repr_markdown_ = notebook.markdown
    _cls._repr_latex_ = notebook.latex



def document(target: str | Network | Derivation, fmt: str = "md") -> str:
    """The derivation document of a built-in example's name, a spec file, a Network or a Derivation, as
    Markdown, LaTeX or HTML text (a PDF: `derive doc TARGET --format pdf`)."""
    if fmt not in ("md", "tex", "html"):
        raise DeriveError(f"document: format {fmt!r}: one of md, tex, html")
    d = target if isinstance(target, Derivation) else derive(target if isinstance(target, Network) else load(target))
    return _document_files(_build(d), fmt, None)[""].decode()


def verify_text(text: str, path: str = "note.md", aliases: dict[str, str] | None = None):
    """Check a note given as text; the report's verdicts, summary and coverage say what was found (path
    names the note in messages, and its suffix says how to read it: .md, .tex, .ipynb, .txt)."""
    from .verify import verify_text as check  # the checker (lark, its grammar) loads when first asked for

    return check(path, text, aliases)


__all__ = ["Derivation", "DeriveError", "Gradient", "Network", "Quantity", "Role", "derivative", "derive",
           "document", "load", "verify_text"]
__version__ = "0.1.0"
