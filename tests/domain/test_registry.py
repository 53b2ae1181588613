"""The registry: each event type, phase kind and document source declared once."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from app.domain import catalog, registry
from app.domain.events import Event
from app.domain.registry import (
    REGISTRY,
    DocumentSource,
    DuplicateDeclaration,
    PhaseKind,
    UnknownName,
)
from app.domain.room import Room
from app.workshops import load_workshop
from tests.servers import ROOT

assert catalog.FEATURES  # every feature module has declared what it adds


@pytest.fixture
def room() -> Room:
    workshop = load_workshop(ROOT / "workshops" / "multi-agency-visioning.toml")
    return Room(
        code="K7P2QX",
        title="Oakfield partnership",
        setting="Oakfield Primary",
        workshop=workshop,
        created_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        phase=workshop.first_phase.id,
    )


def test_declaring_an_event_type_twice_is_an_error() -> None:
    with pytest.raises(DuplicateDeclaration, match=r"'note\.added' is declared twice"):
        registry.event("note.added", touches=lambda room, event: ())(lambda room, event: None)
    assert REGISTRY.events["note.added"].redact is not None  # the first declaration stands


def test_declaring_a_phase_kind_twice_is_an_error() -> None:
    with pytest.raises(DuplicateDeclaration, match="phase kind 'agree'"):
        registry.phase_kind(PhaseKind("agree"))
    assert REGISTRY.kinds["agree"].fields == ("targets",)


def test_declaring_a_document_source_twice_is_an_error() -> None:
    with pytest.raises(DuplicateDeclaration, match="document source 'ratings'"):
        registry.document_source(DocumentSource("ratings", lambda w: (), lambda r, n: None))  # type: ignore[arg-type, return-value]


def test_unknown_names_are_errors_that_say_what_is_known() -> None:
    with pytest.raises(UnknownName, match=r"unknown event type 'note\.painted'"):
        registry.event_type("note.painted")
    with pytest.raises(UnknownName) as caught:
        registry.kind("dance")
    assert str(caught.value).startswith("kind 'dance' is not one of lobby, ")
    assert "write-notes" in str(caught.value)
    assert isinstance(caught.value, ValueError)  # the loader reports it as a field error


def test_every_feature_declared_its_kinds() -> None:
    names = {k.name for k in registry.kinds()}
    assert names == {
        "lobby",
        "write-notes",
        "sort-notes",
        "vote-notes",
        "agree",
        "grid-write",
        "rate-items",
        "choose-scale",
        "document",
        "closed",
    }


def test_traits_replace_the_old_kind_lists() -> None:
    writing = {k.name for k in registry.kinds() if k.writing}
    assert writing == {"write-notes", "grid-write", "rate-items", "choose-scale"}
    assert {k.name for k in registry.kinds() if k.rated} == {"rate-items", "choose-scale"}
    assert {k.name for k in registry.kinds() if k.shows_document} == {"document", "closed"}
    assert registry.kind("closed").read_only
    assert not registry.kind("document").read_only
    assert registry.kind("choose-scale").partial == "rate-items"
    assert registry.kind("agree").partial == "agree"


def test_a_private_grid_makes_the_grid_phone_personal(room: Room) -> None:
    grid_write = registry.kind("grid-write")
    assert not grid_write.is_personal(room.workshop)
    private = dataclasses.replace(room.workshop, grid_private=True)
    assert grid_write.is_personal(private)
    assert registry.kind("write-notes").is_personal(room.workshop)
    assert not registry.kind("sort-notes").is_personal(room.workshop)


def test_redaction_is_declared_with_the_event() -> None:
    hidden = {k.name for k in registry.event_types() if k.redact is not None}
    assert hidden == {"note.added", "note.edited", "participant.joined", "document.signed"} | {
        "contribution.added",
        "note.held",
        "response.set",  # while the room hides responses until their reveal
        "note.corrected",  # a moderated note's fixed text, before the reveal
        "votes.set",  # where the dots went, until the reveal
    }


def test_document_sources_come_from_the_features(room: Room) -> None:
    names = registry.source_names(room.workshop)
    assert {"purpose", "goals", "grid.mission"} <= names
    assert registry.source_entry(room, "purpose").status == "missing"
    with pytest.raises(UnknownName, match=r"unknown document source 'ratings\.nope'"):
        registry.source_entry(room, "ratings.nope")


def test_parts_say_which_screens_an_event_changes(room: Room) -> None:
    event = Event(
        seq=1,
        type="response.set",
        at=room.created_at,
        data={"target": "purpose", "participant_id": "p1", "stance": "agree", "reason": None},
    )
    parts = tuple(registry.event_type("response.set").touches(room, event))
    assert parts == (
        registry.Part("tally", "purpose"),
        registry.Part("response", "purpose", only="p1"),
    )
