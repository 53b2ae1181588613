"""One screen's view of a room, for rendering parts of it; and how elements travel.

A fragment is rendered from the room's state with a small context (`base`),
or the page's whole context when it needs most of it (`context`, computed at
most once per screen and change).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from markupsafe import escape

from app.domain.registry import Part
from app.domain.room import Participant, Room
from app.i18n import DEFAULT, Locale, get
from app.web.tallies import STANCE_LABELS
from app.web.templating import Templates
from app.web.waiting import Waiting

Render = Callable[["Scene", Part], str]


@dataclass
class Scene:
    """One screen's view of the room, for rendering parts of it."""

    templates: Templates
    room: Room
    page: str
    me: Participant | None
    online: frozenset[str]
    full: Callable[[], dict[str, Any]]
    """The page's whole context (computed only if a fragment needs most of it)."""
    locale: Locale = field(default_factory=lambda: get(DEFAULT))
    """The language this screen reads."""
    _full: dict[str, Any] | None = field(default=None, repr=False)

    @cached_property
    def base(self) -> dict[str, Any]:
        """What every fragment needs: the room, the phase, the viewer, the labels."""
        room = self.room
        return {
            "room": room,
            "code": room.code,
            "workshop": room.workshop,
            "phase": room.current_phase,
            "perspectives": room.workshop.perspectives,
            "perspective_labels": {p.id: p for p in room.workshop.perspectives},
            "me": self.me,
            "online": self.online,
            "options": room.options,
            "names_visible": room.names_visible,
            "spotlight": room.spotlight,
            "stance_labels": STANCE_LABELS,
            "notes_limit": room.workshop.notes_per_participant,
            "i18n": self.locale,
            "waiting": Waiting(room),
        }

    def context(self) -> dict[str, Any]:
        if self._full is None:
            self._full = self.full()
        return self._full

    def render(self, name: str, **extra: Any) -> str:
        return self.templates.render(f"parts/{name}.html", {**self.base, **extra})

    def render_full(self, name: str, **extra: Any) -> str:
        return self.templates.render(f"parts/{name}.html", {**self.context(), **extra})


def remove(*ids: str) -> str:
    """Tell the page to drop these elements (if it has them)."""
    return f'<template data-remove="{escape(" ".join(ids))}"></template>'


def move_items(source: str, into: str) -> str:
    """Tell the page to move the items of one list it has (those marked data-in="source",
    wherever they are now) into another list, each unchanged and in order."""
    return f'<template data-move-items="{escape(source)}" data-in="{escape(into)}"></template>'


def cell(fragment: str) -> str:
    """Table rows and cells travel in a <template> of their own: parsed beside other
    elements, they would lose their table context."""
    return f"<template>{fragment}</template>" if fragment.strip() else ""


def svg(fragment: str) -> str:
    """SVG elements travel inside an <svg>, so the page parses them as SVG."""
    return f'<svg data-live-wrap="">{fragment}</svg>' if fragment.strip() else ""
