"""Who is online in a room, across workers.

Each worker counts its own sockets per participant, and hears the others'
rosters (a heartbeat) and presence changes through the hub. A worker silent
for `EXPIRE` seconds has gone: its participants count as offline.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from app.realtime.messages import Presence, Roster

HEARTBEAT = 15.0
"""Seconds between a worker's roster announcements for a room."""
EXPIRE = 3 * HEARTBEAT
"""A worker silent this long has gone: its participants count as offline."""


class Attendance:
    """The room's online participants: this worker's sockets and the others' rosters."""

    __slots__ = ("_online", "clock", "local", "remote")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        """Seconds, monotonic: when rosters were heard, and whether they have expired."""
        self.local: dict[str, int] = {}
        """Participant id → sockets open on this worker."""
        self.remote: dict[str, tuple[frozenset[str], float]] = {}
        """Worker → (its participants, when last heard, monotonic)."""
        self._online: tuple[frozenset[str], float] | None = None
        """The last answer and until when it holds (a remote roster may expire)."""

    @property
    def online(self) -> frozenset[str]:
        """Participants connected to this worker or, as last heard, to another.

        Kept until something changes: every live message's render asks (1,000 phones
        asking per update made it a fifth of the server's time under fan-out)."""
        now = self.clock()
        if self._online is not None and now <= self._online[1]:
            return self._online[0]
        found = set(self.local)
        until = float("inf")
        for pids, seen in self.remote.values():
            if now - seen <= EXPIRE:
                found |= pids
                until = min(until, seen + EXPIRE)
        self._online = (frozenset(found), until)
        return self._online[0]

    def count(self, participant_id: str, delta: int) -> bool:
        """Add or remove a local socket; whether the participant came or went here."""
        self._online = None
        before = self.local.get(participant_id, 0)
        after = max(0, before + delta)
        if after:
            self.local[participant_id] = after
        else:
            self.local.pop(participant_id, None)
        return (before == 0) != (after == 0)

    def forget(self, participant_id: str) -> None:
        """A participant removed from the room: not online here any more."""
        self._online = None
        self.local.pop(participant_id, None)

    def heard(self, item: Roster | Presence) -> None:
        """Another worker's roster, or one participant coming or going there."""
        self._online = None
        pids, _ = self.remote.get(item.worker, (frozenset(), 0.0))
        if isinstance(item, Roster):
            pids = item.online
        elif item.online:
            pids = pids | {item.participant_id}
        else:
            pids = pids - {item.participant_id}
        self.remote[item.worker] = (pids, self.clock())

    def expire(self) -> None:
        """Forget workers silent for longer than EXPIRE."""
        self._online = None
        now = self.clock()
        for worker in [w for w, (_, seen) in self.remote.items() if now - seen > EXPIRE]:
            del self.remote[worker]
