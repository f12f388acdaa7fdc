"""Imports flow one way: cli → app → io (adapters) and views → core → errors.

Why a test: the layers are what keep the engine pure (``core`` does no I/O, so every number can be
checked without a file) and the views testable without a terminal; a single import the wrong way
(the workbook reader calling back into the CLI, a view opening a file) is how they erode. Each
module's ``ipp_calc`` imports are read from its source, at the top level and inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ipp_calc"

#: Which layers a layer may import (besides itself). ``io`` may use the sheet-model views' data
#: (none today) but never ``app`` or the CLI; ``views`` only the engine.
ALLOWED = {
    "errors": set(),
    "core": {"errors"},
    "views": {"core", "errors"},
    "io": {"core", "errors", "views"},
    "app": {"io", "views", "core", "errors"},
}


def _layer(path: Path) -> str:
    part = path.relative_to(PACKAGE).parts[0]
    return part if part in ALLOWED else part.removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ipp_calc"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ipp_calc"))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _layer(p) in ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_a_module_imports_only_the_layers_below_it(path: Path) -> None:
    layer = _layer(path)
    wrong = []
    for module in _imports(path):
        parts = module.split(".")
        target = parts[1] if len(parts) > 1 else "ipp_calc"
        if target in (layer, "__init__") or module == "ipp_calc":
            continue  # its own layer, or the package's version
        if target not in ALLOWED[layer]:
            wrong.append(module)
    assert not wrong, f"{path.relative_to(PACKAGE)} ({layer}) imports {wrong}"


def test_the_engine_opens_no_file() -> None:
    """``core`` is pure: no ``open``, no ``Path.read_*``/``write_*``, no ``os``/``sys`` streams."""
    for path in (PACKAGE / "core").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in (
            "open(",
            ".read_text(",
            ".read_bytes(",
            ".write_text(",
            ".write_bytes(",
            "sys.stdout",
            "sys.stderr",
        ):
            assert call not in text, f"core/{path.name} calls {call}"
