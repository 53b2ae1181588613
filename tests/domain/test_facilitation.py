"""The facilitator's toolkit in the domain: timer, "I'm done", anonymity, moderation, spotlight.

Every rule is a pure function of the room: it returns drafts (and refuses with a
coded error, leaving the room as it was); `commit` folds them in as the store would.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from time_machine import TimeMachineFixture

from app.domain import facilitation, grid, notes
from app.domain.errors import Conflict, Invalid, NotFound
from app.domain.events import FACILITATOR, Draft, Event, Viewer
from app.domain.facilitation import MAX_TIMER_SECONDS, Timer, ensure_time_left
from app.domain.options import Options
from app.domain.room import Room
from app.domain.spotlight import decide_spotlight
from app.domain.workshop import Workshop
from tests.domain.support import (
    CREATED,
    LIMITS,
    P1,
    P2,
    P3,
    TEXT,
    commit,
    move_to,
    new_room,
    refused,
    state,
)

NOW = CREATED + timedelta(hours=1)
"""A whole second: timer arithmetic below is exact."""
LONG_AGO = NOW - timedelta(days=1)
"""Timers started then are up at NOW, the frozen clock of every test here."""


@pytest.fixture(autouse=True)
def frozen_clock(time_machine: TimeMachineFixture) -> None:
    """Rules that check writing time read the clock: it stands still at NOW."""
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def room(workshop: Workshop) -> Room:
    """Three participants (health, education, social care), in the lobby."""
    return new_room(workshop)


def set_timer(room: Room, action: str, *, at: datetime = NOW, **extra: Any) -> list[Event]:
    return commit(room, facilitation.decide_timer(room, action, now=at, **extra))


def current(room: Room) -> Timer:
    found = facilitation.timer(room)
    assert found is not None
    return found


def add_note(room: Room, author: str, note_id: str, text: str = "") -> list[Event]:
    drafts = notes.decide_add(
        room, author_id=author, note_id=note_id, text=text or f"Note {note_id}", max_length=TEXT
    )
    return commit(room, drafts)


def set_options(room: Room, **values: object) -> list[Event]:
    return commit(room, facilitation.decide_options(room, **values))


def hold(room: Room, note_id: str, held: bool) -> list[Event]:
    return commit(room, notes.decide_hold(room, note_id=note_id, held=held))


def done(room: Room, pid: str, value: object = True) -> list[Event]:
    return commit(room, facilitation.decide_done(room, participant_id=pid, done=value))


def names(room: Room, viewer: Viewer) -> dict[str, str | None]:
    return {p["id"]: p["name"] for p in room.snapshot(viewer)["participants"]}


# ===================================================================== timer
def test_timer_dataclass_counts_whole_seconds_rounding_up() -> None:
    running = Timer("purpose-write", 300, NOW + timedelta(seconds=300), None, False)
    assert running.running
    assert running.left(NOW) == 300
    assert running.left(NOW + timedelta(seconds=0.5)) == 300
    assert running.left(NOW + timedelta(seconds=299.01)) == 1
    assert not running.up(NOW + timedelta(seconds=299.99))
    assert running.left(NOW + timedelta(seconds=300)) == 0
    assert running.up(NOW + timedelta(seconds=300))
    assert running.left(NOW + timedelta(hours=3)) == 0
    paused = Timer("purpose-write", 300, None, 42, True)
    assert not paused.running
    assert paused.left(NOW + timedelta(days=9)) == 42
    assert Timer("purpose-write", 300, None, 0, True).up(NOW)
    assert paused.public() == {
        "phase": "purpose-write",
        "seconds": 300,
        "ends_at": None,
        "remaining": 42,
        "lock": True,
    }
    assert running.public()["ends_at"] == "2026-11-24T10:05:00Z"


def test_start_decides_one_event_and_does_not_mutate(room: Room) -> None:
    move_to(room, "purpose-write")
    before = state(room)
    drafts = facilitation.decide_timer(room, "start", seconds=300, lock=True, now=NOW)
    assert state(room) == before
    assert drafts == [
        Draft(
            "timer.changed",
            {
                "action": "start",
                "timer": {
                    "phase": "purpose-write",
                    "seconds": 300,
                    "ends_at": "2026-11-24T10:05:00Z",
                    "remaining": None,
                    "lock": True,
                },
            },
            actor="facilitator",
        )
    ]
    commit(room, drafts)
    timer = current(room)
    assert (timer.phase, timer.seconds, timer.lock, timer.running) == (
        "purpose-write",
        300,
        True,
        True,
    )
    assert timer.ends_at == NOW + timedelta(seconds=300)
    assert timer.left(NOW) == 300
    snapshot = room.snapshot(P1)
    assert snapshot["timer"] == timer.public()


def test_lock_defaults_to_false(room: Room) -> None:
    set_timer(room, "start", seconds=60)
    assert current(room).lock is False


@pytest.mark.parametrize("seconds", [1, 59, 3600, MAX_TIMER_SECONDS])
def test_start_accepts_one_second_to_four_hours(room: Room, seconds: int) -> None:
    set_timer(room, "start", seconds=seconds)
    assert current(room).left(NOW) == seconds


def test_pause_resume_and_add_arithmetic(room: Room) -> None:
    move_to(room, "purpose-write")
    set_timer(room, "start", seconds=600, lock=True)

    # Pause 100 s in: 500 left, frozen.
    set_timer(room, "pause", at=NOW + timedelta(seconds=100))
    paused = current(room)
    assert (paused.running, paused.ends_at, paused.remaining) == (False, None, 500)
    assert paused.left(NOW + timedelta(hours=2)) == 500
    assert paused.lock is True
    assert paused.seconds == 600

    # Resume later: it runs on from 500.
    set_timer(room, "resume", at=NOW + timedelta(seconds=200))
    resumed = current(room)
    assert resumed.running
    assert resumed.remaining is None
    assert resumed.ends_at == NOW + timedelta(seconds=700)
    assert resumed.left(NOW + timedelta(seconds=200)) == 500

    # A minute more while running moves the end; the total grows.
    set_timer(room, "add", at=NOW + timedelta(seconds=300))
    added = current(room)
    assert added.ends_at == NOW + timedelta(seconds=760)
    assert added.seconds == 660
    assert added.left(NOW + timedelta(seconds=300)) == 460

    # A minute more while paused adds to what is left.
    set_timer(room, "pause", at=NOW + timedelta(seconds=400))
    assert current(room).remaining == 360
    set_timer(room, "add", at=NOW + timedelta(seconds=500))
    assert (current(room).remaining, current(room).seconds) == (420, 720)
    assert not current(room).running


def test_adding_after_time_is_up_counts_from_now(room: Room) -> None:
    set_timer(room, "start", seconds=60)
    later = NOW + timedelta(seconds=600)
    assert current(room).up(later)
    set_timer(room, "add", at=later)
    assert current(room).ends_at == later + timedelta(seconds=60)
    assert current(room).left(later) == 60


def test_pausing_when_up_keeps_it_up(room: Room) -> None:
    set_timer(room, "start", seconds=60, lock=True)
    set_timer(room, "pause", at=NOW + timedelta(seconds=90))
    assert current(room).remaining == 0
    assert current(room).up(NOW + timedelta(days=1))


def test_start_again_replaces_the_timer(room: Room) -> None:
    set_timer(room, "start", seconds=600, lock=True)
    set_timer(room, "pause", at=NOW + timedelta(seconds=10))
    set_timer(room, "start", seconds=120, at=NOW + timedelta(seconds=20))
    timer = current(room)
    assert (timer.seconds, timer.lock, timer.running) == (120, False, True)
    assert timer.left(NOW + timedelta(seconds=20)) == 120


def test_clear_removes_the_timer(room: Room) -> None:
    set_timer(room, "start", seconds=60)
    (event,) = set_timer(room, "clear")
    assert event.data == {"action": "clear", "timer": None}
    assert facilitation.timer(room) is None
    assert room.snapshot(FACILITATOR)["timer"] is None


def test_no_ops_decide_nothing(room: Room) -> None:
    assert facilitation.decide_timer(room, "clear", now=NOW) == []
    set_timer(room, "start", seconds=60)
    assert facilitation.decide_timer(room, "resume", now=NOW) == []  # already running
    set_timer(room, "pause", at=NOW + timedelta(seconds=5))
    assert facilitation.decide_timer(room, "pause", now=NOW + timedelta(seconds=6)) == []


@pytest.mark.parametrize("action", ["stop", "", None, 1, "START", ["start"]])
def test_unknown_action_is_invalid(room: Room, action: object) -> None:
    refused(
        room,
        Invalid,
        "invalid_action",
        lambda: facilitation.decide_timer(room, action, seconds=60, now=NOW),
    )


@pytest.mark.parametrize(
    "seconds", [0, -1, MAX_TIMER_SECONDS + 1, True, False, None, "60", 1.5, 60.0, [60]]
)
def test_bad_seconds_are_invalid(room: Room, seconds: object) -> None:
    refused(
        room,
        Invalid,
        "invalid_seconds",
        lambda: facilitation.decide_timer(room, "start", seconds=seconds, now=NOW),
    )


@pytest.mark.parametrize("lock", ["true", 1, None])
def test_bad_lock_is_invalid(room: Room, lock: object) -> None:
    refused(
        room,
        Invalid,
        "invalid_lock",
        lambda: facilitation.decide_timer(room, "start", seconds=60, lock=lock, now=NOW),
    )


@pytest.mark.parametrize("action", ["pause", "resume", "add"])
def test_pause_resume_add_need_a_timer(room: Room, action: str) -> None:
    refused(room, Conflict, "no_timer", lambda: facilitation.decide_timer(room, action, now=NOW))


def test_adding_past_four_hours_is_invalid(room: Room) -> None:
    set_timer(room, "start", seconds=MAX_TIMER_SECONDS - 30)
    refused(
        room, Invalid, "invalid_seconds", lambda: facilitation.decide_timer(room, "add", now=NOW)
    )
    set_timer(room, "pause", at=NOW)
    refused(
        room,
        Invalid,
        "invalid_seconds",
        lambda: facilitation.decide_timer(room, "add", now=NOW),
    )


def test_timer_refused_once_closed(room: Room) -> None:
    move_to(room, "closed")
    refused(
        room,
        Conflict,
        "room_closed",
        lambda: facilitation.decide_timer(room, "start", seconds=60, now=NOW),
    )


def test_the_timer_belongs_to_its_phase(room: Room) -> None:
    move_to(room, "purpose-write")
    set_timer(room, "start", seconds=60, lock=True, at=LONG_AGO)
    with pytest.raises(Conflict):
        ensure_time_left(room)
    move_to(room, "purpose-sort")
    assert facilitation.timer(room) is None
    assert room.snapshot(FACILITATOR)["timer"] is None
    ensure_time_left(room)  # the old phase's lock does not close this one
    # Nothing to pause, resume or clear here; a new timer starts for this phase.
    with pytest.raises(Conflict):
        facilitation.decide_timer(room, "pause", now=NOW)
    assert facilitation.decide_timer(room, "clear", now=NOW) == []
    set_timer(room, "start", seconds=30)
    assert current(room).phase == "purpose-sort"


def test_replaying_the_events_gives_the_same_timer(workshop: Workshop) -> None:
    def blank() -> Room:
        return Room.create(
            code="K7P2QX",
            title="T",
            setting="",
            workshop=workshop,
            created_at=CREATED,
            limits=LIMITS,
        )

    room = blank()
    log = commit(room, room.decide_phase("purpose-write"))
    log += set_timer(room, "start", seconds=600, lock=True)
    log += set_timer(room, "pause", at=NOW + timedelta(seconds=42))
    log += set_timer(room, "add", at=NOW + timedelta(seconds=50))
    fresh = blank()
    fresh.apply_all(log)
    assert fresh.timer == room.timer
    assert current(fresh).remaining == 618


# ------------------------------------------------------ a locking timer closes writing
def test_a_locking_timer_that_is_up_closes_notes(room: Room) -> None:
    move_to(room, "purpose-write")
    add_note(room, "p1", "a1")
    set_timer(room, "start", seconds=60, lock=True, at=LONG_AGO)
    refused(
        room,
        Conflict,
        "time_up",
        lambda: notes.decide_add(room, author_id="p1", note_id="a2", text="Late", max_length=TEXT),
    )
    refused(
        room,
        Conflict,
        "time_up",
        lambda: notes.decide_edit(room, viewer=P1, note_id="a1", text="Edited", max_length=TEXT),
    )
    # Adding a minute opens writing again; so does clearing the timer.
    set_timer(room, "add", at=NOW)
    add_note(room, "p1", "a2")
    set_timer(room, "start", seconds=60, lock=True, at=LONG_AGO)
    set_timer(room, "clear")
    add_note(room, "p1", "a3")


def test_a_locking_timer_that_is_up_closes_the_grid(room: Room) -> None:
    move_to(room, "grid-write")
    set_timer(room, "start", seconds=1, lock=True, at=LONG_AGO)
    refused(
        room,
        Conflict,
        "time_up",
        lambda: grid.decide_contribute(
            room, row="mission", author_id="p1", contribution_id="c1", text="x", max_length=TEXT
        ),
    )


def test_a_timer_without_lock_or_with_time_left_leaves_writing_open(room: Room) -> None:
    move_to(room, "purpose-write")
    set_timer(room, "start", seconds=60, lock=False, at=LONG_AGO)
    assert current(room).up(NOW)
    add_note(room, "p1", "a1")
    set_timer(room, "start", seconds=3600, lock=True, at=NOW)
    add_note(room, "p1", "a2")
    # Paused with time left: still open, however long the pause.
    set_timer(room, "pause", at=NOW)
    add_note(room, "p2", "b1")


def test_wrong_phase_is_reported_before_time_up(room: Room) -> None:
    move_to(room, "purpose-sort")
    set_timer(room, "start", seconds=1, lock=True, at=LONG_AGO)
    refused(
        room,
        Conflict,
        "wrong_phase",
        lambda: notes.decide_add(room, author_id="p1", note_id="x", text="x", max_length=TEXT),
    )


def test_a_timer_never_ends_early(room: Room) -> None:
    started = NOW + timedelta(microseconds=900_000)
    set_timer(room, "start", seconds=1, lock=True, at=started)
    assert current(room).left(started + timedelta(milliseconds=500)) == 1


# ================================================================= I'm done
@pytest.mark.parametrize("phase", ["purpose-write", "grid-write"])
def test_done_in_a_writing_phase(room: Room, phase: str) -> None:
    move_to(room, phase)
    before = state(room)
    drafts = facilitation.decide_done(room, participant_id="p1", done=True)
    assert state(room) == before
    assert drafts == [
        Draft("participant.done", {"participant_id": "p1", "phase": phase, "done": True}, "p1")
    ]
    commit(room, drafts)
    assert room.done == {phase: {"p1"}}
    assert room.snapshot(P2)["done"] == ["p1"]
    # Saying it again changes nothing; taking it back does.
    assert facilitation.decide_done(room, participant_id="p1", done=True) == []
    done(room, "p1", False)
    assert room.snapshot(FACILITATOR)["done"] == []
    assert facilitation.decide_done(room, participant_id="p1", done=False) == []


@pytest.mark.parametrize(
    "phase", ["lobby", "purpose-sort", "purpose-agree", "grid-agree", "document"]
)
def test_done_outside_writing_is_wrong_phase(room: Room, phase: str) -> None:
    move_to(room, phase)
    refused(
        room,
        Conflict,
        "wrong_phase",
        lambda: facilitation.decide_done(room, participant_id="p1", done=True),
    )


def test_done_refused_once_closed(room: Room) -> None:
    move_to(room, "closed")
    refused(
        room,
        Conflict,
        "room_closed",
        lambda: facilitation.decide_done(room, participant_id="p1", done=True),
    )


@pytest.mark.parametrize("value", ["true", 1, 0, None, [True]])
def test_done_must_be_a_bool(room: Room, value: object) -> None:
    move_to(room, "purpose-write")
    refused(
        room,
        Invalid,
        "invalid_done",
        lambda: facilitation.decide_done(room, participant_id="p1", done=value),
    )


def test_done_for_someone_not_in_the_room(room: Room) -> None:
    move_to(room, "purpose-write")
    refused(
        room,
        NotFound,
        "participant_not_found",
        lambda: facilitation.decide_done(room, participant_id="ghost", done=True),
    )


def test_done_starts_afresh_in_each_phase(room: Room) -> None:
    move_to(room, "purpose-write")
    done(room, "p1")
    done(room, "p2")
    assert room.snapshot(FACILITATOR)["done"] == sorted(["p1", "p2"])
    move_to(room, "grid-write")
    assert room.snapshot(FACILITATOR)["done"] == []
    done(room, "p3")
    assert room.snapshot(FACILITATOR)["done"] == ["p3"]
    assert room.done == {"purpose-write": {"p1", "p2"}, "grid-write": {"p3"}}


def test_removed_participants_are_not_counted_as_done(room: Room) -> None:
    move_to(room, "purpose-write")
    done(room, "p1")
    done(room, "p2")
    commit(room, room.decide_remove("p1"))
    assert room.snapshot(FACILITATOR)["done"] == ["p2"]


# ================================================================== options
def test_options_default_to_named_and_unmoderated(room: Room) -> None:
    assert room.options == Options()
    assert room.snapshot(FACILITATOR)["options"] == {
        "anonymous": False,
        "moderated": False,
        "names_shown": [],
        "hide_responses": False,
        "language": "en",
    }
    assert facilitation.names_visible(room)


def test_options_change_one_setting_at_a_time(room: Room) -> None:
    before = state(room)
    drafts = facilitation.decide_options(room, anonymous=True)
    assert state(room) == before
    assert drafts == [
        Draft(
            "options.changed",
            {
                "anonymous": True,
                "moderated": False,
                "names_shown": [],
                "hide_responses": False,
                "language": "en",
            },
            actor="facilitator",
        )
    ]
    commit(room, drafts)
    set_options(room, moderated=True)
    assert room.options == Options(anonymous=True, moderated=True)
    # None leaves a setting as it is; the same values decide nothing.
    assert facilitation.decide_options(room) == []
    assert facilitation.decide_options(room, anonymous=True, moderated=True) == []
    set_options(room, anonymous=False)
    assert room.options == Options(anonymous=False, moderated=True)


def test_names_shown_is_per_phase(room: Room) -> None:
    set_options(room, anonymous=True)
    assert not facilitation.names_visible(room)
    set_options(room, names_shown=True)
    assert room.options.names_shown == ("lobby",)
    assert facilitation.names_visible(room)
    move_to(room, "document")
    assert not facilitation.names_visible(room)
    set_options(room, names_shown=True)
    assert room.options.names_shown == ("lobby", "document")
    assert facilitation.decide_options(room, names_shown=True) == []
    set_options(room, names_shown=False)
    assert room.options.names_shown == ("lobby",)
    assert not facilitation.names_visible(room)
    move_to(room, "lobby")
    assert facilitation.names_visible(room)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("anonymous", "true"),
        ("anonymous", 1),
        ("moderated", "yes"),
        ("moderated", 0),
        ("names_shown", "true"),
        ("names_shown", ["lobby"]),
    ],
)
def test_options_must_be_bools(room: Room, field: str, value: object) -> None:
    refused(
        room,
        Invalid,
        f"invalid_{field}",
        lambda: facilitation.decide_options(room, **{field: value}),
    )


def test_options_refused_once_closed(room: Room) -> None:
    move_to(room, "closed")
    refused(
        room, Conflict, "room_closed", lambda: facilitation.decide_options(room, anonymous=True)
    )


def test_anonymous_snapshot_hides_other_participants_names(room: Room) -> None:
    set_options(room, anonymous=True)
    assert names(room, P1) == {"p1": "Priya", "p2": None, "p3": None}
    assert names(room, P2) == {"p1": None, "p2": "Eleanor", "p3": None}
    assert names(room, FACILITATOR) == {"p1": "Priya", "p2": "Eleanor", "p3": "Sol"}
    # Perspectives stay visible: the board groups people by them.
    perspectives = {p["id"]: p["perspective"] for p in room.snapshot(P1)["participants"]}
    assert perspectives == {"p1": "health", "p2": "education", "p3": "social-care"}
    set_options(room, names_shown=True)
    assert names(room, P1) == {"p1": "Priya", "p2": "Eleanor", "p3": "Sol"}
    move_to(room, "purpose-write")
    assert names(room, P1) == {"p1": "Priya", "p2": None, "p3": None}
    set_options(room, anonymous=False)
    assert names(room, P1) == {"p1": "Priya", "p2": "Eleanor", "p3": "Sol"}


# =============================================================== moderation
def moderated(room: Room) -> Room:
    set_options(room, moderated=True)
    move_to(room, "purpose-write")
    add_note(room, "p1", "a1", "Priya's first")
    add_note(room, "p1", "a2", "Priya's second")
    add_note(room, "p2", "b1", "Eleanor's")
    return room


def texts(room: Room, viewer: Viewer) -> dict[str, str | None]:
    return {n["id"]: n["text"] for n in room.snapshot(viewer)["notes"]}


def test_moderated_notes_are_readable_by_the_facilitator_only(room: Room) -> None:
    moderated(room)
    assert texts(room, FACILITATOR) == {
        "a1": "Priya's first",
        "a2": "Priya's second",
        "b1": "Eleanor's",
    }
    assert texts(room, P2) == {"a1": None, "a2": None, "b1": "Eleanor's"}
    assert texts(room, P3) == {"a1": None, "a2": None, "b1": None}


def test_unmoderated_notes_are_hidden_from_the_facilitator_too(room: Room) -> None:
    move_to(room, "purpose-write")
    (event,) = add_note(room, "p1", "a1", "Private")
    assert "moderated" not in event.data
    assert event.view_key(FACILITATOR, names_visible=True) == "others"
    assert event.for_viewer(FACILITATOR, names_visible=True)["data"]["note"]["text"] is None
    assert texts(room, FACILITATOR) == {"a1": None}


def test_moderated_note_events_are_the_facilitators_to_read(room: Room) -> None:
    set_options(room, moderated=True)
    move_to(room, "purpose-write")
    (added,) = add_note(room, "p1", "a1", "For the facilitator")
    assert added.data["moderated"] is True
    assert added.private_to == "p1"
    assert added.view_key(FACILITATOR, names_visible=True) == "owner"
    assert added.view_key(P1, names_visible=True) == "owner"
    assert added.view_key(P2, names_visible=True) == "others"
    assert (
        added.for_viewer(FACILITATOR, names_visible=True)["data"]["note"]["text"]
        == "For the facilitator"
    )
    assert added.for_viewer(P2, names_visible=True)["data"]["note"]["text"] is None
    assert added.for_viewer(P2, names_visible=True)["data"]["note"]["author_id"] is None
    (edited,) = commit(
        room,
        notes.decide_edit(room, viewer=P1, note_id="a1", text="Edited", max_length=TEXT),
    )
    assert edited.view_key(FACILITATOR, names_visible=True) == "owner"
    assert edited.for_viewer(P3, names_visible=True)["data"]["note"]["text"] is None


def test_hold_decides_a_private_event_and_does_not_mutate(room: Room) -> None:
    moderated(room)
    before = state(room)
    drafts = notes.decide_hold(room, note_id="a2", held=True)
    assert state(room) == before
    assert drafts == [
        Draft("note.held", {"id": "a2", "held": True}, actor="facilitator", private_to="p1")
    ]
    commit(room, drafts)
    assert room.notes["a2"].held
    assert notes.decide_hold(room, note_id="a2", held=True) == []


def test_a_held_note_skips_the_reveal(room: Room) -> None:
    moderated(room)
    hold(room, "a2", True)
    events = commit(room, room.decide_phase("purpose-sort"))
    assert [e.type for e in events] == ["phase.changed", "notes.revealed"]
    assert [n["id"] for n in events[1].data["notes"]] == ["a1", "b1"]
    assert not room.notes["a2"].revealed
    # It stays private to its author; the moderator still reads it. Others are not told
    # of it at all (a held note would name its perspective, and so its author).
    assert texts(room, P2) == {"a1": "Priya's first", "b1": "Eleanor's"}
    assert texts(room, P1)["a2"] == "Priya's second"
    assert texts(room, FACILITATOR)["a2"] == "Priya's second"
    assert [n.id for n in notes.unrevealed(room)] == ["a2"]


def test_releasing_before_the_reveal_only_unholds(room: Room) -> None:
    moderated(room)
    hold(room, "a2", True)
    (event,) = hold(room, "a2", False)
    assert event.type == "note.held"
    assert not room.notes["a2"].revealed
    events = commit(room, room.decide_phase("purpose-sort"))
    assert [n["id"] for n in events[1].data["notes"]] == ["a1", "a2", "b1"]


def test_releasing_after_the_reveal_puts_it_in_the_inner_circle(room: Room) -> None:
    moderated(room)
    hold(room, "a2", True)
    move_to(room, "purpose-sort")
    held, revealed = hold(room, "a2", False)
    assert (held.type, held.data) == ("note.held", {"id": "a2", "held": False})
    assert revealed.type == "notes.revealed"
    assert revealed.private_to is None
    (note,) = revealed.data["notes"]
    assert (note["id"], note["text"], note["ring"], note["revealed"]) == (
        "a2",
        "Priya's second",
        "inner",
        True,
    )
    assert room.notes["a2"].revealed
    assert texts(room, P3)["a2"] == "Priya's second"
    assert notes.unrevealed(room) == []


def test_hold_refusals(room: Room) -> None:
    move_to(room, "purpose-write")
    add_note(room, "p1", "a1")
    refused(
        room, Conflict, "not_moderated", lambda: notes.decide_hold(room, note_id="a1", held=True)
    )
    set_options(room, moderated=True)
    for value in ("true", 1, None):
        refused(
            room,
            Invalid,
            "invalid_held",
            lambda value=value: notes.decide_hold(room, note_id="a1", held=value),
        )
    refused(
        room, NotFound, "note_not_found", lambda: notes.decide_hold(room, note_id="zz", held=True)
    )
    add_note(room, "p2", "b1")
    commit(room, notes.decide_remove(room, viewer=P2, note_id="b1"))
    refused(
        room, Conflict, "note_removed", lambda: notes.decide_hold(room, note_id="b1", held=True)
    )
    move_to(room, "purpose-sort")
    refused(
        room, Conflict, "note_revealed", lambda: notes.decide_hold(room, note_id="a1", held=True)
    )
    move_to(room, "closed")
    refused(room, Conflict, "room_closed", lambda: notes.decide_hold(room, note_id="a1", held=True))


# ============================================================ note spotlight
def test_spotlight_a_note_on_the_board(room: Room) -> None:
    moderated(room)
    hold(room, "a2", True)
    move_to(room, "purpose-sort")
    before = state(room)
    drafts = decide_spotlight(room, "note:a1")
    assert state(room) == before
    assert drafts == [Draft("spotlight.changed", {"target": "note:a1"}, actor="facilitator")]
    commit(room, drafts)
    assert room.spotlight == "note:a1"
    assert room.snapshot(P2)["spotlight"] == "note:a1"
    assert decide_spotlight(room, "note:a1") == []
    commit(room, decide_spotlight(room, None))
    assert room.spotlight is None

    refused(room, NotFound, "note_not_found", lambda: decide_spotlight(room, "note:zz"))
    refused(room, Conflict, "note_hidden", lambda: decide_spotlight(room, "note:a2"))
    commit(room, notes.decide_merge(room, note_id="b1", into="a1"))
    refused(room, Conflict, "note_merged", lambda: decide_spotlight(room, "note:b1"))
    commit(room, notes.decide_remove(room, viewer=FACILITATOR, note_id="a1"))
    refused(room, Conflict, "note_removed", lambda: decide_spotlight(room, "note:a1"))
    refused(room, Invalid, "invalid_spotlight", lambda: decide_spotlight(room, "a1"))
