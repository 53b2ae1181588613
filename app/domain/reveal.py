"""Responses hidden until the facilitator reveals them (against group-think).

In a room with the option `hide_responses`, the board (and everyone but the
facilitator and each responder) sees how many have responded to a statement,
not the tally, until the facilitator reveals that statement's responses; its
objections' reasons then appear as they always do, one update each after the tally.
Editing the draft clears its responses and hides the next round again; agreeing
shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.domain import registry
from app.domain.consent import statement
from app.domain.errors import Conflict
from app.domain.events import Draft, Event
from app.domain.registry import Part

if TYPE_CHECKING:
    from app.domain.room import Room


def decide_reveal(room: Room, *, target: str) -> list[Draft]:
    """The facilitator shows the board and everyone the responses to `target`."""
    room.ensure_open()
    current = statement(room, target)
    if not room.options.hide_responses:
        raise Conflict("responses_shown", "This room shows responses as they come.")
    if not current.hidden(True):
        return []
    responses = current.public()["responses"]
    data = {"target": target, "version": current.version, "responses": responses}
    objectors = sorted(
        (pid for pid in current.objections() if pid in room.participants),
        key=lambda pid: room.participants[pid].seq,
    )
    shown = [
        Draft(
            "objection.revealed",
            {"target": target, "version": current.version, "participant_id": pid},
            actor="facilitator",
        )
        for pid in objectors
    ]
    return [Draft("responses.revealed", data, actor="facilitator"), *shown]


@registry.event(
    "responses.revealed",
    touches=lambda room, event: (Part("revealed", event.data["target"]),),
)
def _revealed(room: Room, event: Event) -> None:
    found = room.statements.get(event.data["target"])
    if found is not None and found.version == event.data["version"]:
        found.revealed = True


@registry.event(
    "objection.revealed",
    touches=lambda room, event: (
        Part("reason", event.data["target"], only=event.data["participant_id"]),
    ),
)
def _objection_revealed(room: Room, event: Event) -> None:
    """One objection's reason joins the revealed tally on the screens (a reveal is the tally,
    then each objection as an update of its own: each stays small however many object).
    The state changed with `responses.revealed`; this one only says what is shown."""
