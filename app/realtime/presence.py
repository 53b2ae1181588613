"""Who is online in a room, across workers.

Each worker counts its own sockets per participant, and hears the others'
rosters (a heartbeat) and presence changes through the hub. A worker silent
for `EXPIRE` seconds has gone: its participants count as offline.
"""

from __future__ import annotations

import time

from app.realtime.messages import Presence, Roster

HEARTBEAT = 15.0
"""Seconds between a worker's roster announcements for a room."""
EXPIRE = 3 * HEARTBEAT
"""A worker silent this long has gone: its participants count as offline."""


class Attendance:
    """The room's online participants: this worker's sockets and the others' rosters."""

    __slots__ = ("local", "remote")

    def __init__(self) -> None:
        self.local: dict[str, int] = {}
        """Participant id → sockets open on this worker."""
        self.remote: dict[str, tuple[frozenset[str], float]] = {}
        """Worker → (its participants, when last heard, monotonic)."""

    @property
    def online(self) -> set[str]:
        """Participants connected to this worker or, as last heard, to another."""
        now = time.monotonic()
        found = set(self.local)
        for pids, seen in self.remote.values():
            if now - seen <= EXPIRE:
                found |= pids
        return found

    def count(self, participant_id: str, delta: int) -> bool:
        """Add or remove a local socket; whether the participant came or went here."""
        before = self.local.get(participant_id, 0)
        after = max(0, before + delta)
        if after:
            self.local[participant_id] = after
        else:
            self.local.pop(participant_id, None)
        return (before == 0) != (after == 0)

    def forget(self, participant_id: str) -> None:
        """A participant removed from the room: not online here any more."""
        self.local.pop(participant_id, None)

    def heard(self, item: Roster | Presence) -> None:
        """Another worker's roster, or one participant coming or going there."""
        pids, _ = self.remote.get(item.worker, (frozenset(), 0.0))
        if isinstance(item, Roster):
            pids = item.online
        elif item.online:
            pids = pids | {item.participant_id}
        else:
            pids = pids - {item.participant_id}
        self.remote[item.worker] = (pids, time.monotonic())

    def expire(self) -> None:
        """Forget workers silent for longer than EXPIRE."""
        now = time.monotonic()
        for worker in [w for w, (_, seen) in self.remote.items() if now - seen > EXPIRE]:
            del self.remote[worker]
