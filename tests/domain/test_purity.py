"""app/domain imports no framework, database, template or network library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.servers import ROOT

DOMAIN = ROOT / "app" / "domain"
FORBIDDEN = {
    "fastapi",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "jinja2",
    "redis",
    "uvicorn",
    "httpx",
    "pydantic",
}
MODULES = sorted(DOMAIN.glob("*.py"))


def imported_roots(source: str) -> set[str]:
    """Top-level package of every absolute import in `source`."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_modules_exist() -> None:
    names = {path.name for path in MODULES}
    assert {"room.py", "events.py", "codes.py", "text.py", "workshop.py", "errors.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_framework_imports(path: Path) -> None:
    assert not imported_roots(path.read_text(encoding="utf-8")) & FORBIDDEN


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_only_imports_domain_from_app(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app."):
            assert node.module.startswith("app.domain"), node.module
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("app."):
                    assert alias.name.startswith("app.domain"), alias.name


def test_the_check_sees_imports() -> None:
    sample = "import fastapi\nfrom sqlalchemy.orm import Session\nfrom . import x\n"
    assert imported_roots(sample) == {"fastapi", "sqlalchemy"}
