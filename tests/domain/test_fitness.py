"""The house keeps its shape: one place per feature, no import cycle.

Beside test_purity.py (the domain imports no framework): every event type the
domain can emit is declared in the registry, with a live-update rule whose
parts some screen shows; every phase kind a workshop file uses is declared
and has its three partials; app/ has no import cycle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.domain import catalog, registry
from app.web.views import SHOWS
from app.workshops import load_workshops

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
TEMPLATES = APP / "templates"
PAGES = ("board", "phone", "control")


def drafted_types() -> dict[str, str]:
    """Every event type written as `Draft("type", …)` in app/domain: type → module."""
    found: dict[str, str] = {}
    for path in sorted((APP / "domain").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Draft"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found[str(node.args[0].value)] = path.name
    return found


def test_the_catalog_imports_every_feature_module() -> None:
    declaring = {
        path.stem
        for path in (APP / "domain").glob("*.py")
        if path.name != "registry.py"
        and any(
            call in path.read_text(encoding="utf-8")
            for call in ("@registry.event(", "registry.phase_kind(", "registry.document_source(")
        )
    }
    assert declaring == {module.__name__.rsplit(".", 1)[1] for module in catalog.FEATURES}


def test_every_event_the_domain_drafts_is_declared() -> None:
    drafted = drafted_types()
    declared = {kind.name for kind in registry.event_types()}
    assert len(drafted) >= 20
    assert set(drafted) - declared == set(), "drafted but never declared"
    assert declared - set(drafted) == set(), "declared but never drafted (dead)"


@pytest.mark.parametrize("kind", registry.kinds(), ids=lambda kind: kind.name)
def test_every_phase_kind_has_its_partials(kind: registry.PhaseKind) -> None:
    for page in PAGES:
        assert (TEMPLATES / f"_{page}_{kind.partial}.html").is_file(), f"{page} for {kind.name}"


def test_every_kind_a_workshop_file_uses_is_declared() -> None:
    used = {
        phase.kind
        for workshop in load_workshops(ROOT / "workshops").values()
        for phase in workshop.phases
    }
    assert used <= {kind.name for kind in registry.kinds()}
    assert len(used) >= 8


def test_every_part_an_event_touches_is_shown_by_some_block() -> None:
    """A part no block shows would never reach a screen: every name a `touches`
    rule uses (read from its source) is in some block's list."""
    shown = set().union(*SHOWS.values()) | {"screen"}
    used: set[str] = set()
    for path in sorted((APP / "domain").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Part"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                used.add(str(node.args[0].value))
    assert {"note", "tally", "timer", "rating"} <= used
    assert used - shown == set()


# ------------------------------------------------------------------ cycles
def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_level_imports(path: Path, modules: set[str]) -> set[str]:
    """The app modules `path` imports when it is imported (not in functions, not
    for type checking only)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If):
                test = node.test
                checking = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                    isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
                )
                if not checking:
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
            elif isinstance(node, ast.Import):
                found.update(_resolve(a.name, modules) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                found.add(_resolve(base, modules))
                found.update(_resolve(f"{base}.{a.name}", modules) for a in node.names)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m and m != name}


def _resolve(name: str, modules: set[str]) -> str:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name


def test_app_has_no_import_cycle() -> None:
    paths = {module_name(p): p for p in APP.rglob("*.py") if "migrations" not in p.parts}
    graph = {name: module_level_imports(path, set(paths)) for name, path in paths.items()}
    done: set[str] = set()

    def walk(name: str, trail: tuple[str, ...]) -> None:
        if name in trail:
            cycle = " -> ".join((*trail[trail.index(name) :], name))
            pytest.fail(f"import cycle: {cycle}")
        if name in done:
            return
        for imported in sorted(graph[name]):
            walk(imported, (*trail, name))
        done.add(name)

    for name in sorted(graph):
        walk(name, ())
    assert len(graph) > 50


def test_the_architecture_page_names_files_that_exist() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:app|tests|docs)/[\w/.-]+)`", text))
    assert len(named) >= 20
    missing = sorted(path for path in named if not (ROOT / path.rstrip("/")).exists())
    assert missing == []
