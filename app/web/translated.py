"""A room as a reader in another language sees it: its workshop's texts translated.

People's own words (notes, statements, names) are never translated; only the
workshop file's texts are, from its translation files (app/workshop_translations.py).
"""

from __future__ import annotations

import copy

from app.domain.room import Room


def room_in(room: Room, code: str) -> Room:
    """`room` with its workshop in language `code` (the room itself when the workshop
    has no translation into it: nothing is copied for English)."""
    workshop = room.workshop.in_language(code)
    if workshop is room.workshop:
        return room
    shown = copy.copy(room)
    shown.workshop = workshop
    return shown
