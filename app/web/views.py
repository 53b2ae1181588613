"""What each screen needs from a room, as template context.

The page routes and the live renderer build context the same way, so a
fragment pushed over the websocket is byte-for-byte the block of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain.room import Participant, Room
from app.realtime.channels import Connection

PAGES = {
    "board": ("board.html", ("board_phase", "board_participants")),
    "control": ("control.html", ("control_phases", "control_participants", "control_status")),
    "phone": ("phone.html", ("phone_header", "phone_phase")),
}


def room_context(room: Room, online: set[str], me: Participant | None = None) -> dict[str, Any]:
    """Everything the room's screens show, for one viewer."""
    workshop = room.workshop
    phase = room.current_phase
    index = workshop.phase_index(phase.id)
    groups = room.by_perspective()
    return {
        "room": room,
        "code": room.code,
        "workshop": workshop,
        "phase": phase,
        "phase_index": index,
        "previous_phase": workshop.phases[index - 1] if index > 0 else None,
        "next_phase": workshop.phases[index + 1] if index + 1 < len(workshop.phases) else None,
        "perspectives": workshop.perspectives,
        "perspective_labels": {p.id: p for p in workshop.perspectives},
        "groups": groups,
        "online": online,
        "participant_count": len(room.participants),
        "online_count": len(online & set(room.participants)),
        "me": me,
    }


@dataclass(frozen=True, slots=True)
class HtmlRenderer:
    """Renders the live blocks of each page (the channel's `Renderer`)."""

    templates: Any

    def audience(self, connection: Connection, room: Room) -> str:
        if connection.page == "phone":
            return f"phone:{connection.viewer.participant_id}"
        return connection.page

    def initial(self, connection: Connection, room: Room, online: set[str]) -> str:
        return self._blocks(connection, room, online)

    def update(self, connection: Connection, room: Room, online: set[str], event: object) -> str:
        return self._blocks(connection, room, online)

    def _blocks(self, connection: Connection, room: Room, online: set[str]) -> str:
        name, blocks = PAGES[connection.page]
        me = None
        if connection.viewer.participant_id is not None:
            me = room.participants.get(connection.viewer.participant_id)
            if me is None:
                return ""
        context = room_context(room, online, me)
        return "".join(self.templates.block(name, block, context) for block in blocks)
