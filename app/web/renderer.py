"""The live renderer: what one change sends to each page, rendered once for every
screen that sees the same.

Blocks are rendered once per audience (shared blocks once per event, personal ones
once per participant they concern), elements once per part, and a whole answer once
per page and language where no block is personal: 1,000 phones cost one render.
The context is built as the page routes build it (`views.room_context`), so a
fragment pushed over the websocket is byte-for-byte the block of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app import i18n
from app.domain.registry import SCREEN, Part
from app.domain.room import Room
from app.realtime.connection import Connection
from app.web import live, suggested
from app.web.templating import Templates
from app.web.translated import room_in
from app.web.views import PAGES, SHOWS, room_context


def affected(page: str, block: str, parts: tuple[Part, ...], me: str | None) -> bool:
    """Whether a change to `parts` changes `block` of `page` for viewer `me`."""
    shows = SHOWS[block]
    for part in parts:
        if part == SCREEN:
            return True
        if part.name in shows and (page != "phone" or part.only in (None, me)):
            return True
    return False


def personal(page: str, block: str, room: Room) -> bool:
    """Whether a block differs between participants (else one render serves all)."""
    if page != "phone":
        return False
    traits = room.current_phase.traits
    if block == "phone_done":  # empty (the same for all) outside individual work
        return traits.writing
    return block == "phone_task" and traits.is_personal(room.workshop)


@dataclass(frozen=True, slots=True)
class HtmlRenderer:
    """Renders each page's live blocks, or just the elements a change touched
    (the channel's `Renderer`). Each render is cached per audience and language:
    the same bytes go to every screen that would see the same."""

    templates: Templates

    def initial(
        self, connection: Connection, room: Room, online: frozenset[str], cache: dict[str, str]
    ) -> str:
        """Every live block of the page, whole."""
        return self.update(connection, room, online, (SCREEN,), cache)

    def update(
        self,
        connection: Connection,
        room: Room,
        online: frozenset[str],
        parts: tuple[Part, ...],
        cache: dict[str, str],
    ) -> str:
        """What changes on this connection's page when `parts` change."""
        page = connection.page
        name, blocks = PAGES[page]
        me_id = connection.viewer.participant_id
        me = room.participants.get(me_id) if me_id else None
        if me_id and me is None:
            return ""
        whole = SCREEN in parts
        changed = [
            (block, mine)
            for block in blocks
            if (mine := [p for p in parts if whole or affected(page, block, (p,), me_id)])
        ]
        if not changed:  # most sockets, for presence and for the facilitator's own views
            return ""
        # One answer for every screen of this page and language that sees the same: no
        # personal block and no part meant for one person. 1,000 phones, one render. (A
        # control view remembers what its page shows: see `suggested`.)
        shared = page == "board" or (
            page == "phone"
            and not any(p.only is not None for p in parts)
            and not any(personal(page, b, room) for b, _ in changed)
        )
        answer = f"{page}:{connection.lang}:{parts!r}" if shared else ""
        if answer and answer in cache:
            return cache[answer]
        locale = i18n.get(connection.lang)
        room = room_in(room, locale.code)
        context: list[dict[str, Any]] = []

        def full() -> dict[str, Any]:
            if not context:
                context.append({**room_context(room, online, me), "i18n": locale})
            return context[0]

        scene = live.Scene(self.templates, room, page, me, online, full, locale)
        html = []
        repainted: set[str] = set()
        for block, mine in changed:
            audience = me_id if personal(page, block, room) else "*"
            renders = None if whole else live.elements(page, block, room)
            if renders is not None and not any(
                p.name not in renders or live.needs_block(page, block, room, p) for p in mine
            ):
                for part in mine:
                    key = f"{page}:{block}:{part}:{audience}:{locale.code}"
                    if key not in cache:
                        cache[key] = renders[part.name](scene, part)
                    html.append(cache[key])
                continue
            key = f"{page}:{block}:{audience}:{locale.code}"
            if key not in cache:
                cache[key] = self.templates.block(name, block, full())
            html.append(cache[key])
            repainted.add(block)
        if page == "control" and "control_task" in repainted:
            suggested.shown(connection, room)  # (its grouping suggestions, whole)
        if answer:
            cache[answer] = "".join(html)
            return cache[answer]
        return "".join(html)

    def follow(
        self, connection: Connection, room: Room, online: frozenset[str], cache: dict[str, str]
    ) -> str:
        """A control view's grouping suggestions, where they changed since its page's: an
        update of its own, after the change to the notes (see `suggested`)."""
        if connection.page != "control" or (connection.view is None and connection.last_seq):
            return ""
        locale = i18n.get(connection.lang)
        shown = room_in(room, locale.code)
        scene = live.Scene(self.templates, shown, "control", None, online, dict, locale)
        return suggested.follow(connection, shown, scene, cache)
