"""The README's notebook example (the cells of its "In a notebook"), run in a Jupyter kernel: the root API
(derive.load, derive.derive, derive.document, derive.verify_text) and a Derivation displayed as a summary in
Markdown and LaTeX."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is a dependency of derive: pip install -e .")
nbclient = pytest.importorskip("nbclient", reason="nbclient comes with the test extras: pip install -e '.[test]'")
pytest.importorskip("ipykernel", reason="ipykernel comes with the test extras: pip install -e '.[test]'")
from jupyter_client.kernelspec import NoSuchKernel  # noqa: E402  (after the skips: it comes with nbclient)

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_cells() -> list[str]:
    """The code blocks of the README's "In a notebook" section, one cell each."""
    section = README.read_text(encoding="utf-8").split("### In a notebook", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_notebook_example_runs_in_a_kernel(tmp_path):
    cells = readme_cells()
    assert len(cells) == 3
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    kernel = client.setup_kernel()
    try:
        kernel.__enter__()
    except (NoSuchKernel, RuntimeError, OSError, TimeoutError) as e:
        pytest.skip(f"no Jupyter kernel could start here: {type(e).__name__}: {e}")
    try:
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)  # a cell that raises fails the test (CellExecutionError)
    finally:
        kernel.__exit__(None, None, None)
    shown = nb.cells[0].outputs[0]["data"]
    assert shown["text/markdown"].startswith("**mlp-222**") and len(shown["text/markdown"]) < 8000
    assert "0.082167041" in shown["text/markdown"] and "0.082167041" in shown["text/latex"]
    assert "2-2-2" in nb.cells[1].outputs[0]["text"]  # the document's title, after its marker line
    assert "'correct': 1" in nb.cells[2].outputs[0]["data"]["text/plain"]
