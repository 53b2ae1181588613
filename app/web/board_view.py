"""The board's presentation state on the screens: the board's own marker element
(page, listed circle, join panel, projector mode) and the control view's controls.

Both are small keyed elements, re-rendered whole when `board.changed` touches them.
"""

from __future__ import annotations

from typing import Any

from app.domain.board import BOARD_VIEW, MAX_PAGE
from app.domain.registry import Part
from app.domain.room import Room
from app.web.scene import Render, Scene


def board_context(room: Room) -> dict[str, Any]:
    """What the board marker and the control view's board controls show."""
    view = room.board
    return {
        "board_view": view,
        "board_page": view.page_in(room.phase),
        "board_join": view.join_in(room.current_phase.kind == "lobby"),
        "max_board_page": MAX_PAGE + 1,
    }


def board_marker(scene: Scene, part: Part) -> str:
    return scene.render("board_view", **board_context(scene.room))


def board_controls(scene: Scene, part: Part) -> str:
    return scene.render("board_controls", **board_context(scene.room))


BOARD_PARTS: dict[str, Render] = {BOARD_VIEW.name: board_marker}
"""The board's phase block, when only the board's presentation changed."""
