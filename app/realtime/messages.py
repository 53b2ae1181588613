"""What travels through the hub: stored events and presence changes, as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain.events import Event, iso

RESYNC = '{"kind":"resync"}'
"""Handed to subscribers after the broker lost messages: catch up from the database."""


@dataclass(frozen=True, slots=True)
class Presence:
    """A participant's connection count on one worker went to or from zero."""

    worker: str
    participant_id: str
    online: bool


@dataclass(frozen=True, slots=True)
class Roster:
    """Everyone connected to one worker in a room (a heartbeat, or an answer to Hello)."""

    worker: str
    online: frozenset[str]


@dataclass(frozen=True, slots=True)
class Hello:
    """A worker started listening to a room: others answer with their roster."""

    worker: str


@dataclass(frozen=True, slots=True)
class Resync:
    """The broker may have lost messages: catch up from the database."""


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
        {
            "kind": "presence",
            "worker": presence.worker,
            "participant_id": presence.participant_id,
            "online": presence.online,
        }
    )


def encode_roster(roster: Roster) -> str:
    return json.dumps({"kind": "roster", "worker": roster.worker, "online": sorted(roster.online)})


def encode_hello(hello: Hello) -> str:
    return json.dumps({"kind": "hello", "worker": hello.worker})


Message = Event | Presence | Roster | Hello | Resync


def decode(message: str) -> Message:
    raw: dict[str, Any] = json.loads(message)
    kind = raw["kind"]
    if kind == "presence":
        return Presence(raw["worker"], raw["participant_id"], bool(raw["online"]))
    if kind == "roster":
        return Roster(raw["worker"], frozenset(raw["online"]))
    if kind == "hello":
        return Hello(raw["worker"])
    if kind == "resync":
        return Resync()
    return Event(
        seq=int(raw["seq"]),
        type=raw["type"],
        at=datetime.fromisoformat(raw["at"].replace("Z", "+00:00")),
        data=raw["data"],
        actor=raw["actor"],
        private_to=raw["private_to"],
    )
