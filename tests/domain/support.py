"""What the domain tests share: a room as the store builds it, and the store's part
(numbering drafts into events) done by hand. The `workshop` fixture is tests/conftest.py's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.domain import consent, document, grid
from app.domain.errors import DomainError
from app.domain.events import Draft, Event, Viewer
from app.domain.room import Limits, Room
from app.domain.workshop import Workshop

CREATED = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LIMITS = Limits()
TEXT = LIMITS.text
GRID_ROWS = ["means", "mission", "outcomes", "effective", "barriers", "overcome", "one-year"]
GRID_TARGETS = [f"grid.{row}" for row in GRID_ROWS]
PEOPLE = [  # participant id, name, perspective: new_room joins the first few
    ("p1", "Priya", "health"),
    ("p2", "Eleanor", "education"),
    ("p3", "Sol", "social-care"),
    ("p4", "Val", "vcs-other"),
    ("p5", "Hamid", "health"),
]
P1, P2, P3 = (Viewer("participant", pid) for pid in ("p1", "p2", "p3"))

LOGS: dict[int, list[Event]] = {}
"""Every event `commit` applied to a room (by the room's id), to replay it."""


# ------------------------------------------------------------------ rooms
def create_room(
    workshop: Workshop, *, title: str = "Oakfield partnership", setting: str = "Oakfield Primary"
) -> Room:
    """Room K7P2QX, created at CREATED: nobody in it yet, in the workshop's first phase."""
    room = Room.create(
        code="K7P2QX",
        title=title,
        setting=setting,
        workshop=workshop,
        created_at=CREATED,
        limits=LIMITS,
    )
    LOGS[id(room)] = []  # ids are reused once a room is gone
    return room


def new_room(
    workshop: Workshop,
    phase: str | None = None,
    *,
    people: int = 3,
    title: str = "Oakfield partnership",
) -> Room:
    """A room with the first `people` of PEOPLE joined (Priya, health; Eleanor, education;
    Sol, social care; Val, VCS; Hamid, health), then moved to `phase` if one is given."""
    room = create_room(workshop, title=title)
    for pid, name, perspective in PEOPLE[:people]:
        join(room, pid, name=name, perspective=perspective)
    if phase is not None:
        move_to(room, phase)
    return room


# ------------------------------------------------------------------ the store's part
def commit(room: Room, drafts: Iterable[Draft]) -> list[Event]:
    """Do what the store does: number the drafts after `room.seq`, then apply them."""
    events = []
    for offset, draft in enumerate(drafts, start=1):
        seq = room.seq + offset
        events.append(
            Event(
                seq=seq,
                type=draft.type,
                at=CREATED + timedelta(seconds=seq),
                data=draft.data,
                actor=draft.actor,
                private_to=draft.private_to,
            )
        )
    room.apply_all(events)
    LOGS.setdefault(id(room), []).extend(events)
    return events


def state(room: Room) -> dict[str, Any]:
    """Every field of the room but its (frozen) workshop, deep-copied for comparison."""
    return {
        f.name: copy.deepcopy(getattr(room, f.name)) for f in fields(room) if f.name != "workshop"
    }


def refused(
    room: Room, error: type[DomainError], code: str, decide: Callable[..., object]
) -> DomainError:
    """`decide()` raises `error` with `code` and leaves the room exactly as it was.

    (`decide` is called without arguments; a loop binds its variable as a lambda default.)"""
    before = state(room)
    with pytest.raises(error) as caught:
        decide()
    assert caught.value.code == code, caught.value
    assert caught.value.message
    assert state(room) == before
    return caught.value


# ------------------------------------------------------------------ commands
def join(room: Room, participant_id: str, name: str = "Priya", perspective: str = "health") -> None:
    drafts = room.decide_join(
        participant_id=participant_id, name=name, perspective=perspective, limits=LIMITS
    )
    commit(room, drafts)


def move_to(room: Room, phase: str) -> None:
    commit(room, room.decide_phase(phase))


def contribute(room: Room, author: str, row: str, cid: str, text: str) -> list[Event]:
    drafts = grid.decide_contribute(
        room, row=row, author_id=author, contribution_id=cid, text=text, max_length=TEXT
    )
    return commit(room, drafts)


def draft(room: Room, target: str, text: object = None, items: object = None) -> list[Event]:
    return commit(
        room, consent.decide_draft(room, target=target, text=text, items=items, max_length=TEXT)
    )


def respond(
    room: Room, target: str, pid: str, stance: object, reason: object = None
) -> list[Event]:
    drafts = consent.decide_respond(
        room, target=target, participant_id=pid, stance=stance, reason=reason, max_length=TEXT
    )
    return commit(room, drafts)


def agree(room: Room, target: str, override_reason: object = None) -> list[Event]:
    drafts = consent.decide_agree(
        room, target=target, override_reason=override_reason, max_length=TEXT
    )
    return commit(room, drafts)


def sign(room: Room, pid: str) -> list[Event]:
    return commit(room, document.decide_sign(room, pid))
