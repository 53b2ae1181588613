"""Events as each viewer sees them, and how timestamps are written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from app.domain.events import FACILITATOR, Event, Viewer, iso

AT = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
AUTHOR = Viewer("participant", "p-author")
OTHER = Viewer("participant", "p-other")


def private_note() -> Event:
    note = {
        "id": "n1",
        "text": "Put children first",
        "ring": "inner",
        "author_id": "p-author",
        "perspective": "health",
        "merged_into": None,
    }
    return Event(
        seq=7,
        type="note.added",
        at=AT,
        data={"note": note},
        actor="p-author",
        private_to="p-author",
    )


def test_public_event_is_the_same_for_everyone() -> None:
    event = Event(seq=3, type="phase.changed", at=AT, data={"phase": "x", "previous": "lobby"})
    views = [event.for_viewer(v, names_visible=True) for v in (FACILITATOR, AUTHOR, OTHER)]
    assert {event.view_key(v, names_visible=True) for v in (FACILITATOR, AUTHOR, OTHER)} == {"all"}
    assert views[0] == views[1] == views[2]
    assert views[0] == {
        "seq": 3,
        "type": "phase.changed",
        "at": "2026-11-24T10:00:00Z",
        "data": {"phase": "x", "previous": "lobby"},
    }


def test_private_note_shows_text_to_its_author() -> None:
    event = private_note()
    assert event.view_key(AUTHOR, names_visible=True) == "owner"
    view = event.for_viewer(AUTHOR, names_visible=True)
    assert view["data"]["note"]["text"] == "Put children first"
    assert view["data"]["note"]["author_id"] == "p-author"
    assert view["seq"] == 7
    assert view["type"] == "note.added"


def test_private_note_hides_text_and_author_from_others() -> None:
    event = private_note()
    assert event.view_key(OTHER, names_visible=True) == "others"
    view = event.for_viewer(OTHER, names_visible=True)
    note = view["data"]["note"]
    assert note["text"] is None
    assert note["author_id"] is None
    # Everything else is still there (the board shows counts).
    assert note["id"] == "n1"
    assert note["perspective"] == "health"
    assert note["ring"] == "inner"
    assert view["seq"] == 7
    assert view["at"] == "2026-11-24T10:00:00Z"


def test_redacting_does_not_change_the_stored_event() -> None:
    event = private_note()
    event.for_viewer(OTHER, names_visible=True)
    assert event.data["note"]["text"] == "Put children first"
    assert event.data["note"]["author_id"] == "p-author"


def test_other_participants_share_one_view() -> None:
    event = private_note()
    third = Viewer("participant", "p-third")
    assert event.view_key(third, names_visible=True) == event.view_key(OTHER, names_visible=True)
    assert event.for_viewer(third, names_visible=True) == event.for_viewer(
        OTHER, names_visible=True
    )


def test_private_contribution_is_redacted_for_others() -> None:
    contribution = {"id": "c1", "perspective": "health", "author_id": "p-author", "text": "t"}
    event = Event(
        seq=1,
        type="contribution.added",
        at=AT,
        data={"row": "mission", "contribution": contribution},
        private_to="p-author",
    )
    assert event.for_viewer(AUTHOR, names_visible=True)["data"]["contribution"]["text"] == "t"
    hidden = event.for_viewer(OTHER, names_visible=True)["data"]
    assert hidden["row"] == "mission"
    assert hidden["contribution"]["text"] is None
    assert hidden["contribution"]["author_id"] is None


def test_iso_writes_utc_with_z() -> None:
    assert iso(AT) == "2026-11-24T10:00:00Z"


def test_iso_converts_other_offsets_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert iso(datetime(2026, 11, 24, 12, 0, 0, tzinfo=plus_two)) == "2026-11-24T10:00:00Z"


def test_iso_drops_microseconds() -> None:
    assert iso(AT.replace(microsecond=987_654)) == "2026-11-24T10:00:00Z"


def test_facilitator_viewer() -> None:
    assert FACILITATOR.is_facilitator
    assert FACILITATOR.participant_id is None
    assert not AUTHOR.is_facilitator
