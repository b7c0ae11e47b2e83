"""The package shows the pipeline: import-linter's contracts (pyproject.toml) hold for the tree as
it is, and they do catch an upward import and an import circle when one is put in a copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
STAGES = ("common", "source", "search", "parse", "lake", "quality", "enrich", "runtime", "cli")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """lint-imports over the packages in `tree`, with the contracts of its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the copy, not the installed package
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and the contracts, to break on purpose."""
    for name in ("newsetl", "flows", "tasks"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    head, _, rest = text.partition("from __future__ import annotations\n")
    module.write_text(f"{head}from __future__ import annotations\n\n{line}\n{rest}", "utf-8")


def test_every_stage_has_a_docstring_saying_what_it_may_import() -> None:
    for stage in STAGES:
        doc = (ROOT / "newsetl" / stage / "__init__.py").read_text(encoding="utf-8")
        assert doc.startswith('"""'), stage
        assert "import" in doc.lower(), f"newsetl/{stage}: its docstring says nothing of imports"


def test_the_tree_keeps_its_contracts() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(tree: Path) -> None:
    """Parsing importing the lake is what the layers forbid."""
    add_import(tree / "newsetl/parse/article.py", "import newsetl.lake.connection  # noqa")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "newsetl.parse is not allowed to import newsetl.lake" in result.stdout


def test_an_import_circle_inside_a_stage_is_found(tree: Path) -> None:
    """The lake's lock importing its connection, which imports the lock: a circle."""
    add_import(tree / "newsetl/lake/lock.py", "import newsetl.lake.connection  # noqa")
    add_import(tree / "newsetl/lake/connection.py", "import newsetl.lake.lock  # noqa")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert "No cycles are allowed in newsetl.lake" in result.stdout


def test_no_module_is_longer_than_450_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for folder in ("newsetl", "flows", "tasks")
        for path in (ROOT / folder).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert long == {}
