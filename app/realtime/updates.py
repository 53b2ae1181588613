"""What one change means for a live page: the parts of the screens it touched, and
the marker that tells the page (and tests, and the benchmark) which seq it shows."""

from __future__ import annotations

from app.domain import registry
from app.domain.events import Event
from app.domain.registry import Part
from app.domain.room import Room

SMALL_CATCH_UP = 2048
"""A catch-up within one update's budget is sent as it is: rendering the whole page
to see whether it is smaller would cost more than the bytes it might save."""


def touched(room: Room, events: list[Event]) -> tuple[Part, ...]:
    """Every part of the screens these events change, once each, in order."""
    found: dict[Part, None] = {}
    for event in events:
        for part in registry.touched(room, event):
            found[part] = None
    return tuple(found)


def seq_marker(seq: int) -> str:
    """Tells a live page (and tests, and the benchmark) which event it now reflects."""
    return f'<span id="live-seq" data-seq="{seq}" hidden></span>'
