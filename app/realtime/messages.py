"""What travels through the hub: stored events and presence changes, as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain.events import Event, iso


@dataclass(frozen=True, slots=True)
class Presence:
    """A participant's connection count on one worker went to or from zero."""

    participant_id: str
    online: bool


def encode_event(event: Event) -> str:
    return json.dumps(
        {
            "kind": "event",
            "seq": event.seq,
            "type": event.type,
            "at": iso(event.at),
            "data": event.data,
            "actor": event.actor,
            "private_to": event.private_to,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def encode_presence(presence: Presence) -> str:
    return json.dumps(
        {"kind": "presence", "participant_id": presence.participant_id, "online": presence.online}
    )


def decode(message: str) -> Event | Presence:
    raw: dict[str, Any] = json.loads(message)
    if raw["kind"] == "presence":
        return Presence(raw["participant_id"], bool(raw["online"]))
    return Event(
        seq=int(raw["seq"]),
        type=raw["type"],
        at=datetime.fromisoformat(raw["at"].replace("Z", "+00:00")),
        data=raw["data"],
        actor=raw["actor"],
        private_to=raw["private_to"],
    )
