"""derive: backpropagation by hand, done right.

    >>> from derive import derive, document, load, verify_text
    >>> d = derive(load("mlp-222"))
    >>> round(d.gradients["w5"].value, 9)
    0.082167041
    >>> document(d).startswith("<!--")     # the derivation document, as Markdown (or "tex", "html")
    True
    >>> verify_text(r"$$z = w x$$ $$\\frac{dz}{dw} = x$$").summary["correct"]
    1

`import derive` loads no SymPy, NumPy or Jinja: the names below come from their stages when first used, so that
the `derive` command starts (and prints its help) without them.
"""

from __future__ import annotations

import importlib

# the subpackage first: `derive.document` is then the function below, even after derive.document.* is imported
from . import document as _document_stage  # noqa: F401
from .errors import DeriveError
from .network.graph import Network, Quantity, Role

__version__ = "0.1.0"

LAZY = {  # public name -> (module, name there), imported on first use
    "Derivation": ("derive.derivation.engine", "Derivation"),
    "Gradient": ("derive.derivation.engine", "Gradient"),
    "derivative": ("derive.derivation.engine", "derivative"),
    "derive": ("derive.derivation.engine", "derive"),
    "load": ("derive.network.spec", "load_target"),
}
_wired = False


def _wire_notebook_display() -> None:
    """The engine knows nothing of documents; its notebook display is wired here, where every stage may be
    imported, once, before a Derivation can reach a notebook through this package."""
    global _wired
    if not _wired:
        engine, notebook = (importlib.import_module(m) for m in ("derive.derivation.engine", "derive.output.notebook"))
        for cls in (engine.Derivation, engine.Gradient):
            cls._repr_markdown_ = notebook.markdown
            cls._repr_latex_ = notebook.latex
        _wired = True


def __getattr__(name: str):
    if name not in LAZY:
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    _wire_notebook_display()
    module, attr = LAZY[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(LAZY))


def document(target, fmt: str = "md") -> str:
    """The derivation document of a built-in example's name, a spec file, a Network or a Derivation, as
    Markdown, LaTeX or HTML text (a PDF: `derive doc TARGET --format pdf`)."""
    if fmt not in ("md", "tex", "html"):
        raise DeriveError(f"document: format {fmt!r}: one of md, tex, html")
    _wire_notebook_display()
    engine = importlib.import_module("derive.derivation.engine")
    build = importlib.import_module("derive.document.build").build
    render = importlib.import_module("derive.output.render")
    load = importlib.import_module("derive.network.spec").load_target
    d = target if isinstance(target, engine.Derivation) else engine.derive(
        target if isinstance(target, Network) else load(target))
    return render.document_files(build(d), fmt, None)[""].decode()


def verify_text(text: str, path: str = "note.md", aliases: dict[str, str] | None = None):
    """Check a note given as text; the report's verdicts, summary and coverage say what was found (path
    names the note in messages, and its suffix says how to read it: .md, .tex, .ipynb, .txt)."""
    from .verify import verify_text as check  # the checker (lark, its grammar) loads when first asked for

    return check(path, text, aliases)


__all__ = ["Derivation", "DeriveError", "Gradient", "Network", "Quantity", "Role", "derivative", "derive",
           "document", "load", "verify_text"]
