"""Privacy promises kept on every channel: names hidden by the room's options when an
event is read (not when it was written), private notes never reach the facilitator
early (not through the archive, not by switching moderation on), and notes held back
are nobody else's business."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.archive import WITHDRAWN
from tests.web.support import NAMES, ToolkitRoom, connect, receive, receive_event, toolkit_room


def replay(room: ToolkitRoom, who: str, since: int = 0) -> list[dict[str, Any]]:
    """Every event after `since`, as `who` receives them replayed over the event socket."""
    last = room.seq()
    events: list[dict[str, Any]] = []
    with connect(room.client, room.code, room.token(who), since=since) as ws:
        while not events or events[-1]["seq"] < last:
            events.append(receive_event(ws))
    return events


def joined_names(events: list[dict[str, Any]]) -> dict[str, str | None]:
    return {
        e["data"]["participant"]["id"]: e["data"]["participant"]["name"]
        for e in events
        if e["type"] == "participant.joined"
    }


# ------------------------------------------------------------------ names (defect 3)
def test_names_written_before_anonymity_are_hidden_when_replayed(client: TestClient) -> None:
    room = toolkit_room(client)  # three people join while names are shown
    room.options(anonymous=True)
    assert set(room.names("eleanor").values()) == {None, NAMES["eleanor"]}  # the snapshot
    seen = joined_names(replay(room, "eleanor"))
    assert seen == {
        room.pid("priya"): None,
        room.pid("eleanor"): NAMES["eleanor"],  # your own name is yours
        room.pid("sol"): None,
    }
    assert set(joined_names(replay(room, "fac")).values()) == set(NAMES.values())


def test_names_shown_for_one_phase_are_hidden_again_in_the_next(client: TestClient) -> None:
    room = toolkit_room(client, anonymous=True)
    room.options(names_shown=True)  # "show names in this phase" (the lobby)
    late = room.ok(room.post(None, "/join", {"name": "Lena Late", "perspective": "health"}), 201)
    room.people["lena"] = late
    assert "Lena Late" in room.names("priya").values()
    room.phase("purpose-write")
    assert "Lena Late" not in room.names("priya").values()
    assert "Lena Late" not in joined_names(replay(room, "priya")).values()
    assert "Lena Late" in joined_names(replay(room, "lena")).values()
    assert "Lena Late" in joined_names(replay(room, "fac")).values()


def test_names_follow_the_room_when_anonymity_ends(client: TestClient) -> None:
    room = toolkit_room(client, anonymous=True)
    assert set(joined_names(replay(room, "sol")).values()) == {None, NAMES["sol"]}
    room.options(anonymous=False)
    assert set(joined_names(replay(room, "sol")).values()) == set(NAMES.values())


def test_live_joins_are_redacted_as_the_room_is_now(client: TestClient) -> None:
    room = toolkit_room(client, anonymous=True)
    with connect(client, room.code, room.token("priya")) as ws:
        assert receive(ws)["type"] == "snapshot"
        room.post(None, "/join", {"name": "Noor Newcomer", "perspective": "education"})
        event = receive_event(ws)
        assert event["type"] == "participant.joined"
        assert event["data"]["participant"]["name"] is None


# ---------------------------------------------------------- private notes (defect 4)
def test_stepping_back_to_the_lobby_does_not_open_the_archive(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("purpose-write")
    room.note("priya", "Private until the reveal")
    for phase in ("lobby", "purpose-write", "grid-write", "document"):
        room.phase(phase)
        response = room.get("fac", "/archive")
        assert response.status_code == 409, (phase, response.text)
        assert response.json()["error"]["code"] == "notes_private"
        assert "Private until the reveal" not in response.text
    room.phase("purpose-sort")  # the reveal: now everyone reads it
    assert (
        "Private until the reveal"
        in room.ok(room.get("fac", "/archive"))["snapshot"]["notes"][0]["text"]
    )


def test_moderation_switched_on_mid_writing_shows_only_later_notes(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("purpose-write")
    before = room.note("priya", "Written under the promise of privacy")
    room.options(moderated=True)
    after = room.note("eleanor", "Written once moderation was on")
    assert room.texts("fac") == {before: None, after: "Written once moderation was on"}
    control = room.page("fac", "control")
    assert "Written once moderation was on" in control
    assert "Written under the promise of privacy" not in control
    replayed = [e for e in replay(room, "fac") if e["type"] == "note.added"]
    assert [e["data"]["note"]["text"] for e in replayed] == [
        None,
        "Written once moderation was on",
    ]
    # Editing the older note does not hand it over either.
    room.ok(room.patch("priya", f"/notes/{before}", {"text": "Still private, edited"}))
    assert room.texts("fac")[before] is None
    edited = [e for e in replay(room, "fac") if e["type"] == "note.edited"]
    assert edited[-1]["data"]["note"]["text"] is None
    # Nor can it be held back unread, nor the archive read around it.
    room.refused(
        409, "not_moderated", lambda: room.post("fac", f"/notes/{before}/hold", {"held": True})
    )
    assert room.get("fac", "/archive").status_code == 409
    room.phase("purpose-sort")
    assert room.texts("fac")[before] == "Still private, edited"
    assert room.get("fac", "/archive").status_code == 200


def test_a_note_withdrawn_while_private_is_not_in_the_archive(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("purpose-write")
    gone = room.note("priya", "Second thoughts: delete me")
    room.note("priya", "This one stays")
    room.ok(room.delete("priya", f"/notes/{gone}"), 204)
    room.phase("purpose-sort")
    response = room.get("fac", "/archive")
    assert response.status_code == 200
    assert "Second thoughts" not in response.text
    added = [e for e in response.json()["events"] if e["type"] == "note.added"]
    assert [e["data"]["note"]["text"] for e in added] == [WITHDRAWN, "This one stays"]


# --------------------------------------------------------- held notes (defect 15)
def test_nobody_else_learns_which_note_was_held_back(client: TestClient) -> None:
    room = toolkit_room(client, moderated=True)
    room.phase("purpose-write")
    held = room.note("sol", "Not for the board")
    room.note("priya", "For the board")
    with connect(client, room.code, room.token("eleanor")) as ws:
        assert receive(ws)["type"] == "snapshot"
        room.ok(room.post("fac", f"/notes/{held}/hold", {"held": True}))
        event = receive_event(ws)
        assert event["type"] == "note.held"
        assert event["data"] == {"id": None, "held": None}
    room.phase("purpose-sort")
    for who in ("eleanor", "priya"):
        listed = room.snapshot(who)["notes"]
        assert held not in {n["id"] for n in listed}, who
        assert not any(n["held"] for n in listed)
        for event in replay(room, who):
            assert held not in str(event["data"]) or event["type"] == "note.added", event
    mine = {n["id"]: n for n in room.snapshot("sol")["notes"]}
    assert mine[held]["held"] is True
    assert {n["id"]: n["held"] for n in room.snapshot("fac")["notes"]}[held] is True


def test_signatures_made_while_names_showed_are_hidden_when_replayed(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("document")
    room.ok(room.post("priya", "/document/sign"))
    room.options(anonymous=True)
    signed = [e for e in replay(room, "sol") if e["type"] == "document.signed"]
    assert [e["data"]["name"] for e in signed] == [None]
    mine = [e for e in replay(room, "priya") if e["type"] == "document.signed"]
    assert [e["data"]["name"] for e in mine] == [NAMES["priya"]]
