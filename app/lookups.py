"""What a request found out about rooms, for the guard against guessing room codes.

A lookup that names a room which does not exist, or presents a token that is not
valid, is an answer someone guessing codes learns from. The rooms repository and
the token check note them here; `app.web.edge.GuessGuard` reads them for the
request it is guarding (a context variable: each request, each task, its own).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class Findings:
    unknown_room: bool = False
    """Some room this request named does not exist."""
    bad_token: bool = False
    """The token it presented is not valid for the room it named."""


current: ContextVar[Findings | None] = ContextVar("room_lookups", default=None)


def unknown_room() -> None:
    found = current.get()
    if found is not None:
        found.unknown_room = True


def bad_token() -> None:
    found = current.get()
    if found is not None:
        found.bad_token = True
