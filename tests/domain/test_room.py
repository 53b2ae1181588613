"""The room aggregate: rules decide drafts, `apply` folds stored events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain.errors import Conflict, Invalid, NotFound
from app.domain.events import FACILITATOR, Draft, Event, Viewer
from app.domain.registry import UnknownName
from app.domain.room import Limits, Room
from app.domain.workshop import Workshop
from tests.conftest import PHASES
from tests.domain.support import (
    CREATED,
    GRID_ROWS,
    LIMITS,
    commit,
    create_room,
    join,
    move_to,
    state,
)

SNAPSHOT_KEYS = {
    "code",
    "title",
    "setting",
    "workshop",
    "phase",
    "seq",
    "you",
    "participants",
    "notes",
    "grid",
    "statements",
}


@pytest.fixture
def room(workshop: Workshop) -> Room:
    return create_room(workshop)


# ------------------------------------------------------------------ create
def test_create_starts_in_the_lobby(room: Room) -> None:
    assert room.phase == "lobby"
    assert room.current_phase.kind == "lobby"
    assert room.seq == 0
    assert not room.locked
    assert room.participants == {}
    assert room.removed == set()
    assert room.title == "Oakfield partnership"
    assert room.setting == "Oakfield Primary"
    assert room.code == "K7P2QX"
    assert room.created_at == CREATED


def test_create_cleans_title_and_setting(workshop: Workshop) -> None:
    room = Room.create(
        code="K7P2QX",
        title="  Oakfield \n partnership ",
        setting=" Oakfield\tPrimary ",
        workshop=workshop,
        created_at=CREATED,
        limits=LIMITS,
    )
    assert room.title == "Oakfield partnership"
    assert room.setting == "Oakfield Primary"


@pytest.mark.parametrize("setting", [None, "", "   "])
def test_setting_is_optional(workshop: Workshop, setting: object) -> None:
    room = Room.create(
        code="K7P2QX",
        title="T",
        setting=setting,
        workshop=workshop,
        created_at=CREATED,
        limits=LIMITS,
    )
    assert room.setting == ""


@pytest.mark.parametrize("title", ["", "   ", None, 5, "x" * 121])
def test_create_refuses_a_bad_title(workshop: Workshop, title: object) -> None:
    with pytest.raises(Invalid) as caught:
        Room.create(
            code="K7P2QX",
            title=title,
            setting="",
            workshop=workshop,
            created_at=CREATED,
            limits=LIMITS,
        )
    assert caught.value.code == "invalid_title"


def test_title_limit_boundary(workshop: Workshop) -> None:
    room = Room.create(
        code="K7P2QX",
        title="x" * 120,
        setting="y" * 120,
        workshop=workshop,
        created_at=CREATED,
        limits=LIMITS,
    )
    assert room.title == "x" * 120
    assert room.setting == "y" * 120


@pytest.mark.parametrize("setting", [5, ["Oakfield"], "x" * 121])
def test_create_refuses_a_bad_setting(workshop: Workshop, setting: object) -> None:
    with pytest.raises(Invalid) as caught:
        Room.create(
            code="K7P2QX",
            title="T",
            setting=setting,
            workshop=workshop,
            created_at=CREATED,
            limits=LIMITS,
        )
    assert caught.value.code == "invalid_setting"


def test_limits_defaults_are_the_contract() -> None:
    assert Limits() == Limits(title=120, setting=120, name=60, text=280, participants=300)


# ------------------------------------------------------------------ decide_* purity
def test_decide_join_returns_a_draft_and_does_not_mutate(room: Room) -> None:
    before = state(room)
    drafts = room.decide_join(
        participant_id="p1", name=" Priya ", perspective="health", limits=LIMITS
    )
    assert state(room) == before
    assert drafts == [
        Draft(
            "participant.joined",
            {"participant": {"id": "p1", "name": "Priya", "perspective": "health"}},
            actor="p1",
        )
    ]


def test_decide_phase_returns_a_draft_and_does_not_mutate(room: Room) -> None:
    before = state(room)
    drafts = room.decide_phase("purpose-write")
    assert state(room) == before
    assert drafts == [
        Draft("phase.changed", {"phase": "purpose-write", "previous": "lobby"}, actor="facilitator")
    ]


def test_decide_lock_returns_a_draft_and_does_not_mutate(room: Room) -> None:
    before = state(room)
    drafts = room.decide_lock(True)
    assert state(room) == before
    assert drafts == [Draft("room.locked", {"locked": True}, actor="facilitator")]
    assert room.decide_lock(False) == []


def test_decide_remove_returns_a_draft_and_does_not_mutate(room: Room) -> None:
    join(room, "p1")
    before = state(room)
    drafts = room.decide_remove("p1")
    assert state(room) == before
    assert drafts == [Draft("participant.removed", {"participant_id": "p1"}, actor="facilitator")]


def test_refused_commands_do_not_mutate(room: Room) -> None:
    join(room, "p1")
    before = state(room)
    with pytest.raises(Invalid):
        room.decide_join(participant_id="p2", name="A", perspective="police", limits=LIMITS)
    with pytest.raises(Invalid):
        room.decide_phase("nope")
    with pytest.raises(NotFound):
        room.decide_remove("ghost")
    assert state(room) == before


# ------------------------------------------------------------------ apply
def test_apply_advances_seq(room: Room) -> None:
    events = commit(room, room.decide_phase("purpose-write"))
    assert [e.seq for e in events] == [1]
    assert room.seq == 1
    assert room.phase == "purpose-write"


@pytest.mark.parametrize("seq", [0, 2, 5, -1])
def test_apply_requires_the_next_seq(room: Room, seq: int) -> None:
    event = Event(seq=seq, type="phase.changed", at=CREATED, data={"phase": "grid-write"})
    with pytest.raises(ValueError, match="K7P2QX"):
        room.apply(event)
    assert room.seq == 0
    assert room.phase == "lobby"


def test_apply_refuses_a_replayed_event(room: Room) -> None:
    events = commit(room, room.decide_phase("purpose-write"))
    with pytest.raises(ValueError, match="applied at seq 1"):
        room.apply(events[0])
    assert room.seq == 1


def test_apply_refuses_an_event_type_nothing_declared(room: Room) -> None:
    before = state(room)
    with pytest.raises(UnknownName, match=r"unknown event type 'test\.unknown'"):
        room.apply(Event(seq=1, type="test.unknown", at=CREATED, data={}))
    assert state(room) == before  # never a silent no-op, never half applied


def test_replaying_the_log_rebuilds_the_state(room: Room, workshop: Workshop) -> None:
    log: list[Event] = []
    log += commit(
        room, room.decide_join(participant_id="p1", name="A", perspective="health", limits=LIMITS)
    )
    log += commit(
        room,
        room.decide_join(participant_id="p2", name="B", perspective="education", limits=LIMITS),
    )
    log += commit(room, room.decide_phase("grid-write"))
    log += commit(room, room.decide_lock(True))
    log += commit(room, room.decide_remove("p1"))
    assert [e.seq for e in log] == [1, 2, 3, 4, 5]

    fresh = Room(
        code=room.code,
        title=room.title,
        setting=room.setting,
        workshop=workshop,
        created_at=CREATED,
        phase=workshop.first_phase.id,
    )
    fresh.apply_all(log)
    assert state(fresh) == state(room)


# ------------------------------------------------------------------ phases
def test_phase_moves_forwards_through_every_phase(room: Room) -> None:
    for phase in PHASES[1:]:
        move_to(room, phase)
        assert room.phase == phase
        assert room.current_phase.id == phase
    assert room.seq == len(PHASES) - 1


def test_phase_moves_backwards(room: Room) -> None:
    move_to(room, "grid-agree")
    drafts = room.decide_phase("purpose-write")
    assert drafts[0].data == {"phase": "purpose-write", "previous": "grid-agree"}
    commit(room, drafts)
    assert room.phase == "purpose-write"
    move_to(room, "lobby")
    assert room.phase == "lobby"


def test_phase_can_reopen_a_closed_room(room: Room) -> None:
    move_to(room, "closed")
    move_to(room, "document")
    assert room.phase == "document"


def test_phase_to_the_same_phase_decides_nothing(room: Room) -> None:
    assert room.decide_phase("lobby") == []
    move_to(room, "grid-write")
    assert room.decide_phase("grid-write") == []


@pytest.mark.parametrize("phase", ["nope", "", "LOBBY", "grid"])
def test_unknown_phase_is_invalid(room: Room, phase: str) -> None:
    with pytest.raises(Invalid) as caught:
        room.decide_phase(phase)
    assert caught.value.code == "invalid_phase"


@pytest.mark.parametrize("phase", [None, 3, ["lobby"]])
def test_non_text_phase_is_invalid(room: Room, phase: object) -> None:
    with pytest.raises(Invalid) as caught:
        room.decide_phase(phase)
    assert caught.value.code == "invalid_phase"


def test_ensure_open(room: Room) -> None:
    room.ensure_open()
    move_to(room, "closed")
    with pytest.raises(Conflict) as caught:
        room.ensure_open()
    assert caught.value.code == "room_closed"


# ------------------------------------------------------------------ join
def test_join_adds_the_participant(room: Room) -> None:
    join(room, "p1", name="  Priya  Shah ", perspective="social-care")
    participant = room.participant("p1")
    assert participant.name == "Priya Shah"
    assert participant.perspective == "social-care"
    assert participant.joined_at == CREATED + timedelta(seconds=1)


@pytest.mark.parametrize("perspective", ["police", "", "Health", None, 1])
def test_join_with_unknown_perspective_is_invalid(room: Room, perspective: object) -> None:
    with pytest.raises(Invalid) as caught:
        room.decide_join(participant_id="p1", name="Priya", perspective=perspective, limits=LIMITS)
    assert caught.value.code == "invalid_perspective"


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 61])
def test_join_with_a_bad_name_is_invalid(room: Room, name: object) -> None:
    with pytest.raises(Invalid) as caught:
        room.decide_join(participant_id="p1", name=name, perspective="health", limits=LIMITS)
    assert caught.value.code == "invalid_name"


def test_join_name_limit_boundary(room: Room) -> None:
    join(room, "p1", name="x" * 60)
    assert room.participant("p1").name == "x" * 60


def test_join_a_locked_room_is_a_conflict(room: Room) -> None:
    commit(room, room.decide_lock(True))
    assert room.locked
    with pytest.raises(Conflict) as caught:
        room.decide_join(participant_id="p1", name="Priya", perspective="health", limits=LIMITS)
    assert caught.value.code == "room_locked"
    assert caught.value.kind == "conflict"
    commit(room, room.decide_lock(False))
    join(room, "p1")
    assert "p1" in room.participants


def test_join_a_full_room_is_a_conflict(room: Room) -> None:
    two = Limits(participants=2)
    for pid in ("p1", "p2"):
        commit(
            room,
            room.decide_join(participant_id=pid, name="A", perspective="health", limits=two),
        )
    with pytest.raises(Conflict) as caught:
        room.decide_join(participant_id="p3", name="C", perspective="health", limits=two)
    assert caught.value.code == "room_full"
    # Removing someone makes room again.
    commit(room, room.decide_remove("p1"))
    assert room.decide_join(participant_id="p3", name="C", perspective="health", limits=two)


def test_join_a_closed_room_is_a_conflict(room: Room) -> None:
    move_to(room, "closed")
    with pytest.raises(Conflict) as caught:
        room.decide_join(participant_id="p1", name="Priya", perspective="health", limits=LIMITS)
    assert caught.value.code == "room_closed"


@pytest.mark.parametrize("phase", PHASES[:-1])
def test_join_is_allowed_in_every_open_phase(room: Room, phase: str) -> None:
    move_to(room, phase)
    join(room, "p1")
    assert "p1" in room.participants


# ------------------------------------------------------------------ removal
def test_removal_deletes_the_participant_and_remembers_the_id(room: Room) -> None:
    join(room, "p1")
    join(room, "p2", perspective="education")
    commit(room, room.decide_remove("p1"))
    assert "p1" not in room.participants
    assert "p2" in room.participants
    assert room.removed == {"p1"}
    with pytest.raises(NotFound) as caught:
        room.participant("p1")
    assert caught.value.code == "participant_not_found"


def test_removing_an_unknown_participant_is_not_found(room: Room) -> None:
    with pytest.raises(NotFound) as caught:
        room.decide_remove("ghost")
    assert caught.value.code == "participant_not_found"
    assert caught.value.kind == "not_found"


# ------------------------------------------------------------------ grouping
def test_by_perspective_groups_in_workshop_order(room: Room) -> None:
    join(room, "v1", name="Val", perspective="vcs-other")
    join(room, "h1", name="Hana", perspective="health")
    join(room, "e1", name="Ed", perspective="education")
    join(room, "h2", name="Hugo", perspective="health")
    groups = room.by_perspective()
    assert list(groups) == ["education", "health", "social-care", "vcs-other"]
    assert [p.id for p in groups["education"]] == ["e1"]
    assert [p.id for p in groups["health"]] == ["h1", "h2"]
    assert groups["social-care"] == []
    assert [p.id for p in groups["vcs-other"]] == ["v1"]


def test_by_perspective_of_an_empty_room(room: Room) -> None:
    assert room.by_perspective() == {
        "education": [],
        "health": [],
        "social-care": [],
        "vcs-other": [],
    }


# ------------------------------------------------------------------ snapshot
def test_snapshot_has_the_contract_shape(room: Room) -> None:
    snapshot = room.snapshot(FACILITATOR)
    assert set(snapshot) >= SNAPSHOT_KEYS
    assert snapshot["code"] == "K7P2QX"
    assert snapshot["title"] == "Oakfield partnership"
    assert snapshot["setting"] == "Oakfield Primary"
    assert snapshot["workshop"] == "multi-agency-visioning"
    assert snapshot["phase"] == "lobby"
    assert snapshot["seq"] == 0
    assert snapshot["you"] == {"role": "facilitator", "participant_id": None}
    assert snapshot["participants"] == []
    assert snapshot["notes"] == []
    assert snapshot["statements"] == {}
    assert list(snapshot["grid"]) == GRID_ROWS
    assert all(cell == {"contributions": []} for cell in snapshot["grid"].values())


def test_snapshot_follows_the_state(room: Room) -> None:
    join(room, "p1", name="Priya", perspective="health")
    move_to(room, "purpose-write")
    snapshot = room.snapshot(Viewer("participant", "p1"))
    assert snapshot["phase"] == "purpose-write"
    assert snapshot["seq"] == 2
    assert snapshot["you"] == {"role": "participant", "participant_id": "p1"}
    assert snapshot["participants"] == [
        {"id": "p1", "name": "Priya", "perspective": "health", "online": False}
    ]


def test_snapshot_online_flags_come_from_the_argument(room: Room) -> None:
    join(room, "p1", name="A")
    join(room, "p2", name="B")
    join(room, "p3", name="C")
    snapshot = room.snapshot(FACILITATOR, online=iter(["p2", "p3", "not-a-member"]))
    assert {p["id"]: p["online"] for p in snapshot["participants"]} == {
        "p1": False,
        "p2": True,
        "p3": True,
    }
    offline = room.snapshot(FACILITATOR)
    assert not any(p["online"] for p in offline["participants"])


def test_snapshot_does_not_list_removed_participants(room: Room) -> None:
    join(room, "p1")
    join(room, "p2")
    commit(room, room.decide_remove("p1"))
    ids = [p["id"] for p in room.snapshot(FACILITATOR, online=["p1", "p2"])["participants"]]
    assert ids == ["p2"]
