"""The layout is the pipeline: imports point one way, and only a few, named ones sit inside functions.

    errors, algebra, rules -> network -> derivation -> document -> output -> classroom -> verify -> cli
    inside verify:            read -> model -> judge -> report

A module may import its own stage and the stages before it. The package root may import anything: it wires
the notebook display so that the engine has no reason to import documents.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "derive"
ORDER = ["errors", "algebra", "rules", "network", "derivation", "document", "output", "classroom",
         "verify.read", "verify.model", "verify.judge", "verify", "cli"]
# imports that stay inside a function, each for a reason
LAZY = {
    # the command line imports each command's heavy stages only when that command runs
    ("cli/main.py", "..verify"), ("cli/verify.py", "..verify"), ("cli/verify.py", "..verify.report"),
    # the package root's verify_text loads the checker when first asked for, not on `import derive`
    ("__init__.py", ".verify"),
    # NumPy only for finite differences (--check, batches): `derive gradients` starts without it
    ("network/evaluate.py", "numpy"), ("derivation/numeric.py", "numpy"),
}
MAX_LINES = 600


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def dotted(path: Path) -> list[str]:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def target(path: Path, node: ast.ImportFrom) -> list[str]:
    if node.level == 0:
        return (node.module or "").split(".")[1:]
    here = dotted(path)
    base = here if path.name == "__init__.py" else here[:-1]
    base = base[: len(base) - (node.level - 1)]
    return base + (node.module.split(".") if node.module else [])


def rank(parts: list[str]) -> int | None:
    """The stage of a module: the longest entry of ORDER its dotted name starts with (None: the root)."""
    if parts in ([], ["__main__"]):
        return None
    best = None
    for i, stage in enumerate(ORDER):
        s = stage.split(".")
        if parts[: len(s)] == s and (best is None or len(s) >= len(ORDER[best].split("."))):
            best = i
    return best


def derive_imports(path, tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("derive")):
            yield node


def test_every_module_has_a_stage():
    for path, _ in modules():
        parts = dotted(path)
        where = path.relative_to(PACKAGE)
        assert parts in ([], ["__main__"]) or rank(parts) is not None, f"{where} is in no stage of ORDER"


def test_imports_point_down():
    for path, tree in modules():
        here = rank(dotted(path))
        if here is None:  # the package root wires the stages together
            continue
        for node in derive_imports(path, tree):
            names = [target(path, node)] + [target(path, node) + [a.name] for a in node.names]
            there = max((r for r in map(rank, names) if r is not None), default=None)
            assert there is None or there <= here, (
                f"{path.relative_to(PACKAGE)}:{node.lineno} imports upward: {ORDER[there]} from {ORDER[here]}")


def test_imports_sit_at_the_top_of_the_module():
    found = []
    for path, tree in modules():
        top = set(tree.body) | {n for stmt in tree.body if isinstance(stmt, ast.If) for n in stmt.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and node not in top:
                where = str(path.relative_to(PACKAGE))
                name = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name  # import numpy
                key = (where, "." * getattr(node, "level", 0) + (name or ""))
                if key not in LAZY:
                    found.append(f"{where}:{node.lineno} {ast.unparse(node)}")
    assert not found, "imports inside functions:\n" + "\n".join(found)
    assert len(LAZY) <= 7


def test_nothing_imports_verify_but_the_command_line_and_the_root():
    for path, tree in modules():
        parts = dotted(path)
        if not parts or parts[0] in ("verify", "cli"):
            continue
        for node in derive_imports(path, tree):
            assert target(path, node)[:1] != ["verify"], f"{path.relative_to(PACKAGE)}:{node.lineno} imports verify"


@pytest.mark.parametrize("path", [p for p, _ in modules()], ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_longer_than_a_sitting(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines"


def test_the_rule_itself():
    # a module of a later stage importing from an earlier one is fine; the reverse is what the test catches
    assert rank(["network", "mlp"]) < rank(["derivation", "engine"]) < rank(["document", "build"])
    assert rank(["verify", "read", "ir"]) < rank(["verify", "model", "values"]) < rank(["verify", "judge", "claims"])
    assert rank(["verify", "report"]) > rank(["verify", "judge", "claims"])
    assert rank(["cli", "main"]) == len(ORDER) - 1


def test_the_linter_finds_nothing():
    """ruff (configured in pyproject.toml: pyflakes, pycodestyle, import order, complexity, blind excepts)."""
    pytest.importorskip("ruff", reason="ruff comes with the test extras: pip install '.[test]'")
    root = PACKAGE.parent
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "derive", "tests"], cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
