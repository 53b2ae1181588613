"""docs/workshop.schema.json is the loader's own schema, and every shipped file meets it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema_rs
import pytest

from app.workshops import json_schema, load_workshop
from tests.servers import ROOT

SCHEMA = ROOT / "docs" / "workshop.schema.json"
FILES = sorted(p for p in (ROOT / "workshops").glob("*.toml") if "." not in p.stem)
"""The workshop files (`<id>.<lang>.toml` beside them are their translations)."""


def test_the_published_schema_is_the_loaders() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == json_schema(), (
        "docs/workshop.schema.json is stale: run `make schema`"
    )


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_shipped_workshop_meets_the_schema(path: Path) -> None:
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text(encoding="utf-8")))
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    errors = [f"{list(e.instance_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []
    load_workshop(path)  # and the loader's cross-field rules too


def test_the_schema_refuses_what_the_loader_refuses() -> None:
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text(encoding="utf-8")))
    data = tomllib.loads(FILES[0].read_text(encoding="utf-8"))
    data["phases"][0]["colour"] = "red"  # unknown field
    assert not validator.is_valid(data)
    del data["phases"][0]["colour"]
    data["perspectives"][0]["id"] = "Not A Slug"
    assert not validator.is_valid(data)


def test_both_workshops_ship() -> None:
    assert {p.stem for p in FILES} >= {"multi-agency-visioning", "partnership-health-check"}


def test_the_minimal_file_in_the_docs_loads(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "workshops.md").read_text(encoding="utf-8")
    example = docs.split("## A minimal file", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "team-pulse.toml"
    path.write_text(example, encoding="utf-8")
    workshop = load_workshop(path)
    assert [p.kind for p in workshop.phases] == ["lobby", "choose-scale", "document"]
