"""Events: every change to a room is one, numbered by a per-room, gap-free `seq`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from app.domain import registry

Role = Literal["facilitator", "participant"]


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking: decides what each event and snapshot shows them."""

    role: Role
    participant_id: str | None = None

    @property
    def is_facilitator(self) -> bool:
        return self.role == "facilitator"


FACILITATOR = Viewer("facilitator")


@dataclass(frozen=True, slots=True)
class Draft:
    """An event decided by a rule but not yet numbered or stored."""

    type: str
    data: dict[str, Any]
    actor: str | None = None
    private_to: str | None = None
    """If set, only this participant sees the event's private fields (see `redact`)."""


@dataclass(frozen=True, slots=True)
class Event:
    """A stored event: `seq` is its place in the room's log, from 1, with no gaps."""

    seq: int
    type: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None
    private_to: str | None = None
    raw: str | None = field(default=None, compare=False, repr=False)
    """`data` as stored (JSON text), when known: sent as is, not encoded again."""

    def view_key(self, viewer: Viewer, *, names_visible: bool) -> str:
        """Viewers with the same key see the same bytes for this event.

        Decided as the event is read. `names_visible`: whether the room shows names
        to the board and other participants now (its options as they are, not as
        they were when the event was written), which decides events that carry names.
        """
        if registry.event_type(self.type).names:
            if names_visible:
                return "all"
            mine = viewer.participant_id is not None and viewer.participant_id == self.actor
            return "owner" if viewer.is_facilitator or mine else "others"
        if self.private_to is None:
            return "all"
        if viewer.participant_id == self.private_to:
            return "owner"
        # A note written in a moderated room is read by the facilitator as it is written
        # (moderation applies to the notes written while it is on).
        readable = self.data.get("moderated") or self.data.get("facilitator_reads")
        return "owner" if viewer.is_facilitator and readable else "others"

    def for_viewer(self, viewer: Viewer, *, names_visible: bool) -> dict[str, Any]:
        """The event as the contract shows it to `viewer`."""
        data = self.data
        if self.view_key(viewer, names_visible=names_visible) == "others":
            data = redact(self.type, data)
        return {"seq": self.seq, "type": self.type, "at": iso(self.at), "data": data}


def wire(event: Event, viewer: Viewer, *, names_visible: bool) -> str:
    """The event as the JSON text the contract sends to `viewer`, the room showing names
    to others or not (`names_visible`) as it does when the event is sent."""
    if event.raw is not None and event.view_key(viewer, names_visible=names_visible) != "others":
        return (
            f'{{"seq":{event.seq},"type":{json.dumps(event.type)},'
            f'"at":"{iso(event.at)}","data":{event.raw}}}'
        )
    shown = event.for_viewer(viewer, names_visible=names_visible)
    return json.dumps(shown, ensure_ascii=False, separators=(",", ":"))


def redact(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Hide the private fields of an event from people it is not private to.

    Each event type declares its own rule in the registry; an event type that
    nothing declared is an error here, never passed through unread.
    """
    hide = registry.event_type(event_type).redact
    return hide(data) if hide is not None else data


def iso(moment: datetime) -> str:
    """UTC timestamp as the contract writes it: 2026-11-24T10:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
