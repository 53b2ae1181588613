"""A room as a reader in another language sees it: its workshop's texts translated.

People's own words (notes, statements, names) are never translated; only the
workshop file's texts are, from its translation files (app/workshop_translations.py),
or transformed like every message in a pseudo-locale (en-XA).
"""

from __future__ import annotations

import copy
from functools import lru_cache

from app.domain.room import Room
from app.domain.workshop import Workshop
from app.i18n.pseudo import PSEUDO, lengthen
from app.workshop_translations import room_in_language, texts, translated


@lru_cache(maxsize=32)
def _pseudo(workshop: Workshop, code: str) -> Workshop:
    if PSEUDO[code][1] == "rtl":
        return workshop
    words = {
        key: lengthen(value) if isinstance(value, str) else tuple(map(lengthen, value))
        for key, value in texts(workshop).items()
    }
    return translated(workshop, words)


def workshop_in(workshop: Workshop, code: str) -> Workshop:
    """`workshop`'s texts in language `code` (as written when it has no translation)."""
    return _pseudo(workshop, code) if code in PSEUDO else workshop.in_language(code)


_SHOWN: dict[tuple[int, int, str], tuple[Room, Room]] = {}
"""The last few translated views of rooms, by (room, seq, language): every screen in
one language shares one view of a change (and whatever the view caches)."""
KEEP = 16


def room_in(room: Room, code: str) -> Room:
    """`room` with its workshop in language `code` (the room itself when the workshop
    has no translation into it: nothing is copied for English)."""
    if code not in PSEUDO and room.workshop.in_language(code) is room.workshop:
        return room
    key = (id(room), room.seq, code)
    found = _SHOWN.get(key)
    if found is not None and found[0] is room:  # (held: its id is not reused meanwhile)
        return found[1]
    if code in PSEUDO:
        shown = copy.copy(room)
        shown.workshop = workshop_in(room.workshop, code)
    else:
        shown = room_in_language(room, code)
    if len(_SHOWN) >= KEEP:
        _SHOWN.pop(next(iter(_SHOWN)))
    _SHOWN[key] = (room, shown)
    return shown
