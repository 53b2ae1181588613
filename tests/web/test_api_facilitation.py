"""The facilitator's toolkit over HTTP: timer, "I'm done", options, moderation, duplicate.

The JSON API and the pages' form posts (app/web/actions.py, pages.py). Every
refusal is checked for its status and code in the contract's error shape, and
for leaving the room as it was (same snapshot, same seq: nothing was logged).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer, make_room
from tests.web.support import HX, NAMES, PERSPECTIVES, ToolkitRoom, toolkit_room

FOUR_HOURS = 4 * 60 * 60


@pytest.fixture
def room(client: TestClient) -> ToolkitRoom:
    """Three participants (health, education, social care) in the lobby."""
    return toolkit_room(client)


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def seconds_until(iso: str) -> float:
    return (at(iso) - datetime.now(UTC)).total_seconds()


# ===================================================================== timer
def test_start_a_timer(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    seq = room.seq()
    timer = room.timer("start", seconds=300, lock=True)
    assert timer is not None
    assert set(timer) == {"phase", "seconds", "ends_at", "remaining", "lock"}
    assert (timer["phase"], timer["seconds"], timer["remaining"], timer["lock"]) == (
        "purpose-write",
        300,
        None,
        True,
    )
    assert 298 <= seconds_until(timer["ends_at"]) <= 300
    snapshot = room.snapshot()
    assert snapshot["seq"] == seq + 1
    assert snapshot["timer"] == timer
    assert room.snapshot("priya")["timer"] == timer  # everyone sees the countdown


def test_lock_is_optional(room: ToolkitRoom) -> None:
    timer = room.timer("start", seconds=60)
    assert timer is not None
    assert timer["lock"] is False


def test_pause_resume_add_and_clear(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    room.timer("start", seconds=600, lock=True)

    paused = room.timer("pause")
    assert paused is not None
    assert paused["ends_at"] is None
    left = paused["remaining"]
    assert 597 <= left <= 600
    assert (paused["seconds"], paused["lock"]) == (600, True)

    more = room.timer("add")  # a minute more while paused adds to what is left
    assert more is not None
    assert (more["remaining"], more["seconds"], more["ends_at"]) == (left + 60, 660, None)

    resumed = room.timer("resume")
    assert resumed is not None
    assert resumed["remaining"] is None
    assert left + 60 - 3 <= seconds_until(resumed["ends_at"]) <= left + 60

    added = room.timer("add")  # while running, the end moves a minute later
    assert added is not None
    assert added["seconds"] == 720
    assert (at(added["ends_at"]) - at(resumed["ends_at"])).total_seconds() == 60

    seq = room.seq()
    assert room.timer("clear") is None
    assert room.snapshot()["timer"] is None
    assert room.seq() == seq + 1


def test_timer_no_ops_log_nothing(room: ToolkitRoom) -> None:
    seq = room.seq()
    assert room.timer("clear") is None
    assert room.seq() == seq
    room.timer("start", seconds=60)
    running = room.timer("resume")
    room.timer("pause")
    paused = room.snapshot()["timer"]
    assert room.timer("pause") == paused
    assert running is not None
    assert room.seq() == seq + 2


def test_timer_refusals(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    for body in ({"action": "explode"}, {"action": None}, {}, {"action": 5}, {"action": "Start"}):
        room.refused(422, "invalid_action", lambda body=body: room.post("fac", "/timer", body))
    for seconds in (0, -1, FOUR_HOURS + 1, True, False, "60", 1.5, None, [60]):
        room.refused(
            422,
            "invalid_seconds",
            lambda s=seconds: room.post("fac", "/timer", {"action": "start", "seconds": s}),
        )
    room.refused(
        422,
        "invalid_lock",
        lambda: room.post("fac", "/timer", {"action": "start", "seconds": 60, "lock": "yes"}),
    )
    for action in ("pause", "resume", "add"):
        room.refused(409, "no_timer", lambda a=action: room.post("fac", "/timer", {"action": a}))
    start = {"action": "start", "seconds": 60}
    room.refused(403, "facilitator_only", lambda: room.post("priya", "/timer", start))
    room.refused(401, "unauthorized", lambda: room.post(None, "/timer", start))
    other = make_room(room.client)["facilitator_token"]
    room.refused(
        401,
        "unauthorized",
        lambda: room.client.post(room.url("/timer"), json=start, headers=bearer(other)),
    )
    missing = room.client.post("/api/rooms/ZZZZZZ/timer", json=start, headers=bearer(room.fac))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "room_not_found"


def test_four_hours_is_the_most(room: ToolkitRoom) -> None:
    timer = room.timer("start", seconds=FOUR_HOURS)
    assert timer is not None
    assert timer["seconds"] == FOUR_HOURS
    room.refused(422, "invalid_seconds", lambda: room.post("fac", "/timer", {"action": "add"}))
    room.timer("pause")
    room.refused(422, "invalid_seconds", lambda: room.post("fac", "/timer", {"action": "add"}))


def test_timer_refused_once_closed(room: ToolkitRoom) -> None:
    room.phase("closed")
    room.refused(
        409,
        "room_closed",
        lambda: room.post("fac", "/timer", {"action": "start", "seconds": 60}),
    )


def test_a_locking_timer_closes_writing_when_time_is_up(client: TestClient) -> None:
    """Three rooms share one wait: notes and the grid lock; a timer without lock does not."""
    notes, grid, open_ = toolkit_room(client), toolkit_room(client), toolkit_room(client)
    notes.phase("purpose-write")
    early = notes.note("priya", "Written in time")
    grid.phase("grid-write")
    open_.phase("purpose-write")
    notes.timer("start", seconds=1, lock=True)
    grid.timer("start", seconds=1, lock=True)
    open_.timer("start", seconds=1, lock=False)
    time.sleep(1.1)

    notes.refused(409, "time_up", lambda: notes.post("eleanor", "/notes", {"text": "Too late"}))
    notes.refused(
        409, "time_up", lambda: notes.patch("priya", f"/notes/{early}", {"text": "Edited late"})
    )
    grid.refused(
        409,
        "time_up",
        lambda: grid.post("priya", "/grid/mission/contributions", {"text": "Too late"}),
    )
    open_.note("priya", "No lock, still open")

    # The facilitator gives a minute more: writing opens again. Clearing does too.
    notes.timer("add")
    notes.note("eleanor", "In the extra minute")
    grid.timer("clear")
    grid.ok(grid.post("priya", "/grid/mission/contributions", {"text": "After clearing"}), 201)


def test_a_locking_timer_with_time_left_leaves_writing_open(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    timer = room.timer("start", seconds=3600, lock=True)
    assert timer is not None
    room.note("priya", "Plenty of time")
    room.timer("pause")
    room.note("eleanor", "Paused, still open")


def test_the_timer_belongs_to_its_phase(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    room.timer("start", seconds=600, lock=True)
    room.phase("purpose-sort")
    assert room.snapshot()["timer"] is None
    assert room.snapshot("priya")["timer"] is None
    room.refused(409, "no_timer", lambda: room.post("fac", "/timer", {"action": "pause"}))
    timer = room.timer("start", seconds=120)
    assert timer is not None
    assert timer["phase"] == "purpose-sort"


def test_timer_form_starts_in_minutes(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    response = room.form("fac", "/timer", {"action": "start", "minutes": "2", "lock": "true"})
    assert response.status_code == 200, response.text
    assert 'id="control-timer"' in response.text  # what the post changed, keyed
    assert 'class="timer' in response.text
    timer = room.snapshot()["timer"]
    assert (timer["seconds"], timer["lock"]) == (120, True)

    response = room.form("fac", "/timer", {"action": "start", "minutes": "0.5"})
    assert response.status_code == 200, response.text
    timer = room.snapshot()["timer"]
    assert (timer["seconds"], timer["lock"]) == (30, False)

    plain = room.form("fac", "/timer", {"action": "pause"}, htmx=False)
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/rooms/{room.code}/control"
    assert room.snapshot()["timer"]["ends_at"] is None
    assert room.form("fac", "/timer", {"action": "add"}).status_code == 200
    assert room.form("fac", "/timer", {"action": "clear"}).status_code == 200
    assert room.snapshot()["timer"] is None


def test_timer_form_refusals(room: ToolkitRoom) -> None:
    for minutes in ("", "0", "abc", "241", "-1", "nan"):
        room.refused(
            422,
            "invalid_seconds",
            lambda m=minutes: room.form("fac", "/timer", {"action": "start", "minutes": m}),
        )
    room.refused(422, "invalid_action", lambda: room.form("fac", "/timer", {"action": "boom"}))
    room.refused(409, "no_timer", lambda: room.form("fac", "/timer", {"action": "pause"}))
    start = {"action": "start", "minutes": "5"}
    room.refused(403, "facilitator_only", lambda: room.form("priya", "/timer", start))
    room.refused(401, "unauthorized", lambda: room.form(None, "/timer", start))


def test_timer_form_refuses_infinite_minutes(room: ToolkitRoom) -> None:
    room.refused(
        422,
        "invalid_seconds",
        lambda: room.form("fac", "/timer", {"action": "start", "minutes": "inf"}),
    )


# ================================================================= I'm done
def test_done_and_undone(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    seq = room.seq()
    body = room.ok(room.post("priya", "/done", {"done": True}))
    assert body == {"phase": "purpose-write", "done": True}
    assert room.snapshot()["done"] == [room.pid("priya")]
    assert room.snapshot("eleanor")["done"] == [room.pid("priya")]
    assert room.seq() == seq + 1
    # Saying it again logs nothing; an empty body means done.
    assert room.ok(room.post("priya", "/done", {})) == body
    assert room.seq() == seq + 1
    assert room.ok(room.post("priya", "/done", {"done": False}))["done"] is False
    assert room.snapshot()["done"] == []
    assert room.seq() == seq + 2


def test_done_refusals(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    for value in ("yes", 1, 0, None, [True]):
        room.refused(422, "invalid_done", lambda v=value: room.post("priya", "/done", {"done": v}))
    room.refused(403, "participant_only", lambda: room.post("fac", "/done", {"done": True}))
    room.refused(401, "unauthorized", lambda: room.post(None, "/done", {"done": True}))
    for phase in ("lobby", "purpose-sort", "purpose-agree", "grid-agree", "document"):
        room.phase(phase)
        room.refused(409, "wrong_phase", lambda: room.post("priya", "/done", {"done": True}))
    room.phase("closed")
    room.refused(409, "room_closed", lambda: room.post("priya", "/done", {"done": True}))


def test_done_is_per_writing_phase(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    room.ok(room.post("priya", "/done", {"done": True}))
    room.ok(room.post("eleanor", "/done", {"done": True}))
    assert sorted(room.snapshot()["done"]) == sorted([room.pid("priya"), room.pid("eleanor")])
    room.phase("purpose-sort")
    assert room.snapshot()["done"] == []
    room.phase("grid-write")
    assert room.snapshot()["done"] == []
    assert room.ok(room.post("sol", "/done", {"done": True})) == {
        "phase": "grid-write",
        "done": True,
    }
    assert room.snapshot()["done"] == [room.pid("sol")]


def test_removed_participants_leave_the_done_count(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    room.ok(room.post("priya", "/done", {"done": True}))
    room.ok(room.post("eleanor", "/done", {"done": True}))
    removed = room.client.delete(
        room.url(f"/participants/{room.pid('priya')}"), headers=bearer(room.fac)
    )
    assert removed.status_code == 204
    assert room.snapshot()["done"] == [room.pid("eleanor")]


def test_done_form(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    response = room.form("priya", "/done", {"done": "true"})
    assert response.status_code == 200, response.text
    assert 'id="phone-done"' in response.text
    assert "You said you&#39;re done" in response.text or "You said you're done" in response.text
    assert room.snapshot()["done"] == [room.pid("priya")]
    assert room.form("priya", "/done", {"done": "false"}, htmx=False).status_code == 303
    assert room.snapshot()["done"] == []
    room.refused(403, "participant_only", lambda: room.form("fac", "/done", {"done": "true"}))
    room.phase("lobby")
    room.refused(409, "wrong_phase", lambda: room.form("priya", "/done", {"done": "true"}))


# ================================================================== options
def test_a_room_starts_named_and_unmoderated(room: ToolkitRoom) -> None:
    snapshot = room.snapshot()
    assert snapshot["options"] == {
        "anonymous": False,
        "moderated": False,
        "names_shown": [],
        "hide_responses": False,
        "language": "en",
    }
    assert snapshot["seq"] == 3  # three joins, no options event


def test_create_an_anonymous_moderated_room(client: TestClient) -> None:
    created = make_room(client, anonymous=True, moderated=True)
    snapshot = client.get(
        f"/api/rooms/{created['code']}", headers=bearer(created["facilitator_token"])
    ).json()
    assert snapshot["options"] == {
        "anonymous": True,
        "moderated": True,
        "names_shown": [],
        "hide_responses": False,
        "language": "en",
    }
    assert snapshot["seq"] == 1


@pytest.mark.parametrize("body", [{"anonymous": "maybe"}, {"moderated": [1]}, {"anonymous": 2}])
def test_create_refuses_options_that_are_not_bools(
    client: TestClient, body: dict[str, Any]
) -> None:
    response = client.post("/api/rooms", json={"title": "T", **body})
    assert response.status_code == 422, response.text
    assert set(response.json()["error"]) == {"code", "message"}


def test_patch_options(room: ToolkitRoom) -> None:
    seq = room.seq()
    assert room.options(anonymous=True) == {
        "anonymous": True,
        "moderated": False,
        "names_shown": [],
        "hide_responses": False,
        "language": "en",
    }
    assert room.options(moderated=True) == {
        "anonymous": True,
        "moderated": True,
        "names_shown": [],
        "hide_responses": False,
        "language": "en",
    }
    # names_shown is per phase: it shows (or hides) names in the current phase.
    assert room.options(names_shown=True)["names_shown"] == ["lobby"]
    room.phase("document")
    assert room.options(names_shown=True)["names_shown"] == ["lobby", "document"]
    assert room.options(names_shown=False)["names_shown"] == ["lobby"]
    assert room.seq() == seq + 6  # five changes and the phase
    # The same values, or none, log nothing.
    assert room.options(anonymous=True, moderated=True)["names_shown"] == ["lobby"]
    assert room.options() == room.snapshot()["options"]
    assert room.seq() == seq + 6
    assert room.options(anonymous=False)["anonymous"] is False


def test_options_refusals(room: ToolkitRoom) -> None:
    for field in ("anonymous", "moderated", "names_shown"):
        for value in ("true", 1, [True]):
            room.refused(
                422,
                f"invalid_{field}",
                lambda f=field, v=value: room.patch("fac", "/options", {f: v}),
            )
    room.refused(
        403, "facilitator_only", lambda: room.patch("priya", "/options", {"anonymous": True})
    )
    room.refused(401, "unauthorized", lambda: room.patch(None, "/options", {"anonymous": True}))
    room.phase("closed")
    room.refused(409, "room_closed", lambda: room.patch("fac", "/options", {"anonymous": True}))


def test_anonymous_snapshots_hide_other_participants_names(room: ToolkitRoom) -> None:
    everyone = {room.pid(who): NAMES[who] for who in NAMES}
    room.options(anonymous=True)
    assert room.names("fac") == everyone
    for who in NAMES:
        assert room.names(who) == {
            pid: (name if pid == room.pid(who) else None) for pid, name in everyone.items()
        }, who
    perspectives = {p["perspective"] for p in room.snapshot("priya")["participants"]}
    assert perspectives == set(PERSPECTIVES.values())
    room.options(names_shown=True)
    assert room.names("priya") == everyone
    room.phase("purpose-write")
    assert room.names("priya") == {room.pid("priya"): NAMES["priya"], **{
        room.pid(who): None for who in ("eleanor", "sol")
    }}  # fmt: skip
    room.options(anonymous=False)
    assert room.names("sol") == everyone


def test_options_form(room: ToolkitRoom) -> None:
    response = room.form("fac", "/options", {"anonymous": "true"})
    assert response.status_code == 200, response.text
    assert 'id="toggle-names-here"' in response.text
    assert room.snapshot()["options"]["anonymous"] is True
    room.form("fac", "/options", {"names_shown": "true"})
    room.form("fac", "/options", {"moderated": "true"})
    assert room.snapshot()["options"] == {
        "anonymous": True,
        "moderated": True,
        "names_shown": ["lobby"],
        "hide_responses": False,
        "language": "en",
    }
    room.form("fac", "/options", {"anonymous": "false"})
    assert room.snapshot()["options"]["anonymous"] is False
    room.refused(
        403, "facilitator_only", lambda: room.form("priya", "/options", {"anonymous": "true"})
    )


# =============================================================== moderation
def test_a_moderator_reads_notes_as_they_are_written(client: TestClient) -> None:
    room = toolkit_room(client, moderated=True)
    room.phase("purpose-write")
    mine = room.note("priya", "Only the facilitator reads this")
    assert room.texts("fac") == {mine: "Only the facilitator reads this"}
    assert room.texts("eleanor") == {mine: None}
    assert room.texts("priya") == {mine: "Only the facilitator reads this"}
    control = room.page("fac", "control")
    assert "Only the facilitator reads this" in control
    board = room.page("fac", "board")
    assert "Only the facilitator reads this" not in board


def test_without_moderation_the_facilitator_cannot_read_them(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    mine = room.note("priya", "Private until the reveal")
    assert room.texts("fac") == {mine: None}
    control = room.page("fac", "control")
    assert "Private until the reveal" not in control


def test_hold_and_release(client: TestClient) -> None:
    room = toolkit_room(client, moderated=True)
    room.phase("purpose-write")
    kept = room.note("priya", "Fine for the board")
    held = room.note("priya", "Better not on the board")
    other = room.note("eleanor", "Eleanor's view")
    seq = room.seq()
    note = room.ok(room.post("fac", f"/notes/{held}/hold", {"held": True}))
    assert (note["id"], note["held"], note["text"], note["revealed"]) == (
        held,
        True,
        "Better not on the board",
        False,
    )
    assert room.seq() == seq + 1
    assert room.ok(room.post("fac", f"/notes/{held}/hold", {"held": True}))["held"] is True
    assert room.seq() == seq + 1

    room.phase("purpose-sort")
    for who in ("eleanor", "sol"):  # not even told that a note was held back
        assert room.texts(who) == {kept: "Fine for the board", other: "Eleanor's view"}, who
    assert room.texts("priya")[held] == "Better not on the board"
    revealed = {n["id"]: n["revealed"] for n in room.snapshot()["notes"]}
    assert revealed == {kept: True, held: False, other: True}

    seq = room.seq()
    released = room.ok(room.post("fac", f"/notes/{held}/hold", {"held": False}))
    assert (released["held"], released["revealed"], released["ring"]) == (False, True, "inner")
    assert room.seq() == seq + 2  # note.held, notes.revealed
    assert room.texts("sol")[held] == "Better not on the board"


def test_hold_refusals(client: TestClient) -> None:
    plain = toolkit_room(client)
    plain.phase("purpose-write")
    note = plain.note("priya", "Unmoderated")
    plain.refused(
        409, "not_moderated", lambda: plain.post("fac", f"/notes/{note}/hold", {"held": True})
    )

    room = toolkit_room(client, moderated=True)
    room.phase("purpose-write")
    note = room.note("priya", "Moderated")
    gone = room.note("eleanor", "Deleted by its author")
    deleted = client.delete(room.url(f"/notes/{gone}"), headers=bearer(room.token("eleanor")))
    assert deleted.status_code == 204
    for value in ("yes", 1, None):
        room.refused(
            422,
            "invalid_held",
            lambda v=value: room.post("fac", f"/notes/{note}/hold", {"held": v}),
        )
    room.refused(
        404,
        "note_not_found",
        lambda: room.post("fac", f"/notes/{uuid.uuid4()}/hold", {"held": True}),
    )
    room.refused(
        409, "note_removed", lambda: room.post("fac", f"/notes/{gone}/hold", {"held": True})
    )
    room.refused(
        403,
        "facilitator_only",
        lambda: room.post("priya", f"/notes/{note}/hold", {"held": True}),
    )
    room.refused(401, "unauthorized", lambda: room.post(None, f"/notes/{note}/hold", {}))
    room.phase("purpose-sort")
    room.refused(
        409, "note_revealed", lambda: room.post("fac", f"/notes/{note}/hold", {"held": True})
    )


def test_hold_form(client: TestClient) -> None:
    room = toolkit_room(client, moderated=True)
    room.phase("purpose-write")
    note = room.note("priya", "Hold me")
    response = room.form("fac", f"/notes/{note}/hold", {"held": "true"})
    assert response.status_code == 200, response.text
    assert f'id="moderate-{note}"' in response.text
    assert "held back" in response.text
    room.phase("purpose-sort")
    assert room.texts("eleanor") == {}
    room.form("fac", f"/notes/{note}/hold", {"held": "false"})
    assert room.texts("eleanor") == {note: "Hold me"}
    room.refused(
        403, "facilitator_only", lambda: room.form("priya", f"/notes/{note}/hold", {"held": "x"})
    )


def test_spotlight_a_note(client: TestClient) -> None:
    room = toolkit_room(client, moderated=True)
    room.phase("purpose-write")
    shown = room.note("priya", "Spotlight me")
    held = room.note("eleanor", "Held back")
    room.ok(room.post("fac", f"/notes/{held}/hold", {"held": True}))
    room.phase("purpose-sort")
    spotlit = room.ok(room.post("fac", "/spotlight", {"target": f"note:{shown}"}))
    assert spotlit == {"spotlight": f"note:{shown}"}
    assert room.snapshot("sol")["spotlight"] == f"note:{shown}"
    board = room.page("fac", "board")
    assert 'id="board-spotlight-note"' in board
    assert "Spotlight me" in board
    room.refused(
        409, "note_hidden", lambda: room.post("fac", "/spotlight", {"target": f"note:{held}"})
    )
    room.refused(
        404,
        "note_not_found",
        lambda: room.post("fac", "/spotlight", {"target": f"note:{uuid.uuid4()}"}),
    )


# ================================================================ duplicate
def test_duplicate_copies_the_setup_but_nobody_and_nothing(client: TestClient) -> None:
    old = toolkit_room(client, anonymous=True, moderated=True)
    old.phase("purpose-write")
    old.note("priya", "Stays in the old room")
    response = old.post("fac", "/duplicate", {})
    created = old.ok(response, 201)
    assert set(created) == {"code", "facilitator_token", "join_url", "board_url", "facilitator_url"}
    code, token = created["code"], created["facilitator_token"]
    assert code != old.code
    assert token != old.fac
    assert created["facilitator_url"].endswith(f"/rooms/{code}/control")
    assert created["board_url"].endswith(f"/rooms/{code}/board")
    assert created["join_url"].endswith(f"/j/{code}")

    fresh = client.get(f"/api/rooms/{code}", headers=bearer(token)).json()
    before = old.snapshot()
    for key in ("title", "setting", "workshop"):
        assert fresh[key] == before[key], key
    assert fresh["options"] == {
        "anonymous": True,
        "moderated": True,
        "names_shown": [],
        "hide_responses": False,
        "language": "en",
    }
    assert (fresh["phase"], fresh["participants"], fresh["notes"]) == ("lobby", [], [])
    assert fresh["you"]["role"] == "facilitator"

    # Each token opens its own room only; the old one keeps working.
    assert client.get(f"/api/rooms/{code}", headers=bearer(old.fac)).status_code == 401
    assert client.get(old.url(), headers=bearer(token)).status_code == 401
    assert client.get(f"/api/rooms/{code}", headers=bearer(old.token("priya"))).status_code == 401
    old.phase("purpose-sort")
    assert old.snapshot()["notes"][0]["text"] == "Stays in the old room"
    assert old.snapshot()["seq"] == before["seq"] + 2


def test_duplicate_with_a_new_title_keeps_the_workshop(client: TestClient) -> None:
    created = make_room(client, workshop="partnership-health-check")
    response = client.post(
        f"/api/rooms/{created['code']}/duplicate",
        json={"title": "Elm Road health check", "setting": "Elm Road"},
        headers=bearer(created["facilitator_token"]),
    )
    assert response.status_code == 201, response.text
    copy = response.json()
    fresh = client.get(f"/api/rooms/{copy['code']}", headers=bearer(copy["facilitator_token"]))
    body = fresh.json()
    assert (body["title"], body["setting"], body["workshop"]) == (
        "Elm Road health check",
        "Elm Road",
        "partnership-health-check",
    )
    assert body["options"]["anonymous"] is False
    assert body["seq"] == 0


def test_duplicate_refusals(room: ToolkitRoom) -> None:
    room.refused(403, "facilitator_only", lambda: room.post("priya", "/duplicate", {}))
    room.refused(401, "unauthorized", lambda: room.post(None, "/duplicate", {}))
    room.refused(422, "invalid_title", lambda: room.post("fac", "/duplicate", {"title": "  "}))
    missing = room.client.post("/api/rooms/ZZZZZZ/duplicate", json={}, headers=bearer(room.fac))
    assert missing.status_code == 404


def test_duplicate_page_and_the_old_room_reopens(room: ToolkitRoom) -> None:
    """Closed, duplicated for the next school; the old link and cookie still reopen it."""
    client = room.client
    room.phase("closed")
    client.cookies.set(f"cg_{room.code}", room.fac)
    response = client.post(
        f"/rooms/{room.code}/duplicate", data={"title": "Next school"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/rooms/")
    assert location.endswith("/control")
    new_code = location.split("/")[2]
    assert new_code != room.code
    assert "httponly" in response.headers["set-cookie"].lower()
    assert client.cookies.get(f"cg_{room.code}") == room.fac

    new_token = client.cookies.get(f"cg_{new_code}")
    assert new_token
    assert new_token != room.fac
    fresh = client.get(f"/api/rooms/{new_code}", headers=bearer(new_token)).json()
    assert (fresh["title"], fresh["phase"], fresh["participants"]) == ("Next school", "lobby", [])
    new_control = client.get(location)
    assert new_control.status_code == 200
    assert "Next school" in new_control.text
    old_control = client.get(f"/rooms/{room.code}/control")
    assert old_control.status_code == 200
    # Going back from the closed phase with the old cookie (confirmed, as the page asks).
    back = client.post(
        f"/rooms/{room.code}/phase", data={"phase": "document", "confirm": "true"}, headers=HX
    )
    assert back.status_code == 200, back.text
    client.cookies.clear()
    assert room.snapshot()["phase"] == "document"


def test_duplicate_page_refuses_participants_and_strangers(room: ToolkitRoom) -> None:
    for who in ("priya", None):
        response = room.form(who, "/duplicate", {"title": "Sneaky"}, htmx=False)
        assert response.status_code == 403, (who, response.text)
    assert room.snapshot()["seq"] == 3


# ================================================================== archive
def test_archive_refused_while_people_write_private_notes(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    assert room.client.get(room.url("/archive"), headers=bearer(room.fac)).status_code == 200
    room.note("priya", "Not for the archive yet")
    room.refused(
        409,
        "notes_private",
        lambda: room.client.get(room.url("/archive"), headers=bearer(room.fac)),
    )
    room.phase("purpose-sort")
    archive = room.client.get(room.url("/archive"), headers=bearer(room.fac))
    assert archive.status_code == 200
    assert "Not for the archive yet" in archive.text


def test_archive_allowed_while_writing_in_a_moderated_room(client: TestClient) -> None:
    room = toolkit_room(client, moderated=True)
    room.phase("purpose-write")
    room.note("priya", "The moderator reads this anyway")
    archive = client.get(room.url("/archive"), headers=bearer(room.fac))
    assert archive.status_code == 200
    assert "The moderator reads this anyway" in archive.text


# ================================================================ workshops
def test_workshops_list_their_rated_phases(client: TestClient) -> None:
    workshops = {w["id"]: w for w in client.get("/api/workshops").json()}
    assert workshops["multi-agency-visioning"]["rated_phases"] == []
    health = workshops["partnership-health-check"]
    assert [p["kind"] for p in health["phases"]] == [
        "lobby",
        "rate-items",
        "choose-scale",
        "document",
        "closed",
    ]
    checklist, ladder = health["rated_phases"]
    assert checklist["id"] == "checklist"
    assert len(checklist["items"]) == 15
    assert all(set(i) == {"id", "text"} and i["text"] for i in checklist["items"])
    assert [(o["id"], o["label"]) for o in checklist["options"]] == [
        ("in-place", "In place"),
        ("partly", "Partly"),
        ("not-yet", "Not yet"),
    ]
    assert ladder["id"] == "ladder"
    (question,) = ladder["items"]
    assert question["id"] == "ladder"
    assert "ladder of participation" in question["text"]
    assert [o["id"] for o in ladder["options"]] == [
        "information",
        "consultation",
        "deciding-together",
        "acting-together",
        "supporting",
    ]
    assert all(o["description"] for o in ladder["options"])


# ----------------------------------------------------- found by these tests, now fixed
def test_a_timer_belongs_to_its_phase_and_does_not_come_back(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    room.timer("start", seconds=1, lock=True)
    room.phase("purpose-sort")
    room.phase("purpose-write")
    assert room.snapshot()["timer"] is None
    time.sleep(1.1)
    room.ok(room.post("priya", "/notes", {"text": "Still writing"}), 201)  # not time_up


def test_a_held_note_can_be_released_after_moderation_ends(client: TestClient) -> None:
    room = toolkit_room(client, moderated=True)
    room.phase("purpose-write")
    note = room.note("priya", "Keep this back for now")
    room.ok(room.post("fac", f"/notes/{note}/hold", {"held": True}))
    assert [n["held"] for n in room.snapshot()["notes"]] == [True]
    room.ok(room.patch("fac", "/options", {"moderated": False}))
    room.phase("purpose-sort")
    assert [n["revealed"] for n in room.snapshot()["notes"]] == [False]
    # Holding needs moderation; releasing does not.
    released = room.ok(room.post("fac", f"/notes/{note}/hold", {"held": False}))
    assert released["held"] is False
    (shown,) = room.snapshot("eleanor")["notes"]
    assert (shown["revealed"], shown["text"], shown["held"]) == (
        True,
        "Keep this back for now",
        False,
    )


def test_a_spotlit_note_shows_only_where_notes_are_discussed(room: ToolkitRoom) -> None:
    room.phase("purpose-write")
    note = room.note("priya", "Every child is seen early")
    room.phase("purpose-sort")
    room.ok(room.post("fac", "/spotlight", {"target": f"note:{note}"}))
    assert 'id="board-spotlight-note"' in room.page("fac", "board")
    room.phase("grid-write")
    assert 'id="board-spotlight-note"' not in room.page("fac", "board")
