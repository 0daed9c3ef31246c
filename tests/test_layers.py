"""The package's layout: each stage imports only the stages before it, and the core never imports streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "indicators"
# A stage may import the top-level declarations and the stages before it in the pipeline a ledger travels.
ALLOWED = {
    "ingest": {"schema"},
    "store": {"schema", "access", "config", "ingest"},
    "metrics": {"schema", "access", "config", "ingest", "store"},
    "output": {"schema", "access", "config", "ingest", "store", "metrics"},
}


def _imports(path: Path) -> set[str]:
    """The top-level parts of `indicators` (and streamlit) a module imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("indicators."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found.update("streamlit" for n in names if n.split(".")[0] == "streamlit")
    return found


@pytest.mark.parametrize("stage", list(ALLOWED))
def test_each_stage_imports_only_the_stages_before_it(stage):
    for path in sorted((PACKAGE / stage).rglob("*.py")):
        imported = _imports(path) - {stage}
        assert imported <= ALLOWED[stage], f"{path.relative_to(PACKAGE)} imports {sorted(imported - ALLOWED[stage])}"


def test_the_core_never_imports_streamlit():
    offenders = [p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []
