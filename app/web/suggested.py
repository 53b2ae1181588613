"""The control view's grouping suggestions, live (issue 18).

The suggestions are computed once per change of the notes per room (`panel`: memoised by
what they depend on, the notes on the board and the pairs dismissed), never per socket.
The panel is keyed elements: each group (`suggestion-<key>`: a group keeps its key and its
place in the list while it holds a note it held in the last panel), its heading, one row
per note (`sg-<note>`), the count, the status line and the themes. Each control view's
socket remembers which panel its page shows (`Connection.view`); an update sends only the
elements that differ from it — a moved note leaves one group's rows and joins another's —
so it costs what changed, not the size of the room. It is an update of its own, sent
right after the change to the notes (whose own update is already most of the budget).
Rows show a note's text cut to `EXCERPT` characters (all of it is in the circles).

The order of rows is the notes' places in their circles; a group's is its circle's and its
first note's place when it appeared (stable: a group does not jump when another's likeness
changes, nor when it loses its first note), and no likeness figure is shown (the figures
move a little with every note: the groups come most-alike first in the API).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.domain import notes, suggestions
from app.domain.notes import Note
from app.domain.room import Room
from app.realtime.connection import Connection
from app.web.scene import Scene, remove

EXCERPT = 48
"""Characters of a note's text a suggestion's row shows (all of it is in the circles)."""
SHORT = 13
"""The first characters of a note's id that name its elements here (48 random bits of a
UUID: unique among a room's notes; the forms post the whole id)."""
_RING_ORDER = 10**12
"""A group's order is its ring's (inner first), then its first note's place."""


@dataclass(frozen=True, slots=True)
class Row:
    note: Note
    text: str
    group: str
    order: int


@dataclass(frozen=True, slots=True)
class Card:
    """One group of notes that look alike, as the panel shows it."""

    key: str
    label: str
    rows: tuple[Row, ...]
    order: int


@dataclass(frozen=True)
class Panel:
    """The panel for one state of the notes: its groups, and what each keyed element
    shows (`elements`: id → (what it shows, the id of the element it is in)). (The broader
    themes are listed when the facilitator opens them: see `pages.suggested_themes`.)"""

    cards: tuple[Card, ...]
    elements: dict[str, tuple[object, str]] = field(default_factory=dict)


_PANELS: dict[str, tuple[int, object, Panel]] = {}
"""The last panel of each room (by code): the seq it was asked for, its inputs, the panel."""
KEEP = 64


def panel(room: Room) -> Panel:
    """The room's suggestions as the control view shows them (computed once per change)."""
    found = _PANELS.get(room.code)
    if found is not None and found[0] == room.seq:
        return found[2]
    inputs = _inputs(room)
    if found is not None and found[1] == inputs:
        _PANELS[room.code] = (room.seq, inputs, found[2])
        return found[2]
    made = _make(room, found[2] if found is not None else None)
    if len(_PANELS) >= KEEP and room.code not in _PANELS:
        _PANELS.pop(next(iter(_PANELS)))
    _PANELS[room.code] = (room.seq, inputs, made)
    return made


def _inputs(room: Room) -> object:
    shown = [(n.id, n.ring, n.place, n.text, n.perspective) for n in _on_board(room)]
    return (tuple(shown), len(room.apart))


def _on_board(room: Room) -> Iterable[Note]:
    for ring in notes.RINGS:
        yield from notes.in_ring(room, ring)


def _make(room: Room, before: Panel | None) -> Panel:
    groups = suggestions.analyse(room)[0]
    rings = {ring: index for index, ring in enumerate(notes.RINGS)}
    kept = _Identities(before)
    cards = []
    for group in sorted(groups, key=lambda g: -len(g.note_ids)):  # (the largest keep theirs)
        members = sorted((room.notes[i] for i in group.note_ids), key=lambda n: n.place)
        key, order = kept.claim(members, rings[members[0].ring] * _RING_ORDER)
        rows = tuple(Row(n, _excerpt(n.text or ""), key, n.place) for n in members)
        cards.append(Card(key, group.label, rows, order))
    cards.sort(key=lambda card: card.order)
    made = Panel(tuple(cards))
    made.elements.update(_elements(made))
    return made


class _Identities:
    """Which group of the last panel each new group is (its key and place in the list), so
    that a group which loses its first note, or gains one, keeps its element: the update
    is its rows that changed, not the group whole."""

    def __init__(self, before: Panel | None) -> None:
        self.held = (
            {row.note.id: card for card in before.cards for row in card.rows} if before else {}
        )
        self.taken: set[str] = set()

    def claim(self, members: list[Note], ring_order: int) -> tuple[str, int]:
        shared: dict[str, int] = {}
        cards: dict[str, Card] = {}
        for note in members:
            card = self.held.get(note.id)
            if card is not None and card.key not in self.taken:
                shared[card.key] = shared.get(card.key, 0) + 1
                cards[card.key] = card
        if shared:
            key = max(shared, key=lambda k: (shared[k], -cards[k].order))
            order = cards[key].order
            if order // _RING_ORDER * _RING_ORDER == ring_order:  # (the same circle)
                self.taken.add(key)
                return key, order
        key = next((k for n in members if (k := n.id[:SHORT]) not in self.taken), "")
        key = key or f"{members[0].id[:SHORT]}-{len(self.taken)}"
        self.taken.add(key)
        return key, ring_order + members[0].place


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _elements(found: Panel) -> Iterable[tuple[str, tuple[object, str]]]:
    yield "suggestions-status", (bool(found.cards), "")
    for card in found.cards:
        yield f"suggestion-{card.key}", (card.order, "")
        yield f"sgh-{card.key}", ((card.label, len(card.rows)), f"suggestion-{card.key}")
        for row in card.rows:
            what = (row.text, row.note.perspective, row.order, row.group)
            yield f"sg-{row.note.id[:SHORT]}", (what, f"suggestion-{card.key}")


# ------------------------------------------------------------------ live
def shown(connection: Connection, room: Room) -> None:
    """This control view's page was just sent its sort view whole, the panel in it."""
    if room.current_phase.traits.partial == "sort-notes":
        connection.view = {**(connection.view or {}), "suggestions": panel(room)}


def follow(connection: Connection, room: Room, scene: Scene, cache: dict[str, str]) -> str:
    """What changed in the suggestions since this control view's page last showed them."""
    view = connection.view = connection.view or {}
    if room.current_phase.traits.partial != "sort-notes":
        view.pop("suggestions", None)
        return ""
    if connection.last_seq == 0:
        # The socket's first message (a page opening its socket, or a reconnect's
        # catch-up): what its page shows is unknown, so the panel goes whole.
        view["suggestions"] = now = panel(room)
        return _cached(cache, f"suggestions:whole:{id(now)}:{scene.locale.code}", scene, now)
    before = view.get("suggestions")
    if before is None:  # (a page in another phase)
        return ""
    view["suggestions"] = now = panel(room)
    if before is now:
        return ""
    key = f"suggestions:{id(before)}:{id(now)}:{scene.locale.code}"
    if key not in cache:
        cache[key] = changes(scene, before, now)
    return cache[key]


def _cached(cache: dict[str, str], key: str, scene: Scene, now: Panel) -> str:
    if key not in cache:
        cache[key] = scene.render("control_suggestions", found=now)
    return cache[key]


def changes(scene: Scene, before: Panel, now: Panel) -> str:
    """The elements that differ between two panels: those gone removed first, then each
    changed element (a new or moved group whole, with its rows)."""
    old, new = before.elements, now.elements
    whole = {
        ident
        for ident, (what, parent) in new.items()
        if not parent and old.get(ident) != (what, parent)
    }
    inside = {ident for ident, (_, parent) in new.items() if parent in whole}
    gone = {ident for ident in old if ident not in new}
    dropped = [ident for ident in gone if old[ident][1] not in gone]  # (with what holds it)
    # An element a whole group brings must not meet its old copy elsewhere on the page.
    dropped += [i for i in inside if i in old and old[i][1] != new[i][1] and old[i][1] not in gone]
    html = [remove(*dropped)] if dropped else []
    cards = {f"suggestion-{card.key}": card for card in now.cards}
    rows = {f"sg-{row.note.id[:SHORT]}": row for card in now.cards for row in card.rows}
    for ident, shown in new.items():
        if ident in inside or (ident not in whole and old.get(ident) == shown):
            continue
        html.append(_render(scene, ident, now, cards, rows))
    return "".join(html)


def _render(
    scene: Scene,
    ident: str,
    now: Panel,
    cards: dict[str, Card],
    rows: dict[str, Row],
) -> str:
    context: dict[str, Any] = {"found": now}
    if ident == "suggestions-status":
        return scene.render("control_suggestions_status", **context)
    if ident in cards:
        return scene.render("control_suggestion", card=cards[ident])
    if ident.startswith("sgh-"):
        return scene.render("control_suggestion_head", card=cards[f"suggestion-{ident[4:]}"])
    row = rows[ident]
    return scene.render("control_suggestion_row", row=row, card=cards[f"suggestion-{row.group}"])
