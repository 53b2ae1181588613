"""Live updates that cost what they change: keyed fragments for the parts an event touches.

A phase change repaints a screen's blocks whole (`views.SHOWS`). Anything
else repaints only the elements that show a part it touched: one note, one
tally, one cell, one person. Each element carries a stable id; one that lives
in a list says which (`data-in`) and where (`data-order`), so the page puts it
in place, replacing its old copy wherever that was (app.js, `applyLive`). An
element that is no longer shown is removed (`<template data-remove="ids">`).

Fragments are rendered from the room's state, not from the event: the same
parts give the same fragments, so a page that missed some updates catches up
by receiving the union of the parts they touched, rendered now.

`ELEMENTS[(page, partial)]` maps a part name to the function that renders its
elements on that page while it shows that phase kind's partial; a part the
table does not name repaints the block it is in (small blocks, rare events).
"""

from __future__ import annotations

from app.domain.registry import Part
from app.domain.room import Room
from app.web.board_view import BOARD_PARTS, board_controls
from app.web.fragments import (
    board_cell,
    board_gaps,
    board_note,
    board_overall,
    board_person,
    board_reason,
    board_response,
    board_revealed,
    board_rings,
    board_signatures,
    control_contribution,
    control_coverage,
    control_done_line,
    control_note,
    control_person,
    control_remerged,
    control_response,
    control_rings,
    control_signatures,
    control_unremoved,
    my_answer,
    phone_contribution,
    phone_note,
    phone_rings,
    phone_row_count,
    phone_signed,
    rating_row,
    statement_element,
)
from app.web.fragments_rounds import (
    dots_gone,
    my_dots,
    proxy_dots,
    proxy_list,
    vote_count,
    vote_panel,
    vote_result,
)
from app.web.fragments_writing import still_writing, written_note, written_person, written_progress
from app.web.scene import Render, Scene

__all__ = ["ELEMENTS", "Scene", "elements", "needs_block"]

NOTHING: Render = lambda scene, part: ""  # noqa: E731  (a part this screen does not show)

_BOARD_NOTES: dict[str, Render] = {
    "note": board_note,
    "rings": board_rings,
    "notes-progress": NOTHING,
    "people": NOTHING,
    "presence": NOTHING,
    "lock": NOTHING,
}
_GRID_BOARD: dict[str, Render] = {
    "contribution": board_cell,
    "coverage": board_gaps,
    "people": board_gaps,
    "presence": NOTHING,
    "lock": NOTHING,
    "statement": board_overall,
    "tally": NOTHING,
    "response": NOTHING,
    "revealed": NOTHING,
    "reason": NOTHING,
}
ELEMENTS: dict[tuple[str, str], dict[str, Render]] = {
    ("board", "lobby"): {"people": board_person, "presence": board_person, "lock": NOTHING},
    ("board", "sort-notes"): _BOARD_NOTES,
    ("board", "agree"): {
        "tally": NOTHING,  # a response's own part carries its row
        "response": board_response,
        "statement": statement_element("board_statement"),
        "revealed": board_revealed,
        "reason": board_reason,
        "people": NOTHING,
        "presence": NOTHING,
        "lock": NOTHING,
        "contribution": NOTHING,
        "coverage": NOTHING,
    },
    ("board", "grid-write"): _GRID_BOARD,
    ("board", "rate-items"): {
        "rating": rating_row,
        "people": NOTHING,
        "presence": NOTHING,
        "lock": NOTHING,
    },
    ("board", "document"): {
        "signatures": NOTHING,  # with the signer's own part, below
        "signed": board_signatures,
        "people": board_signatures,
        "presence": NOTHING,
        "lock": NOTHING,
    },
    ("board", "vote-notes"): {
        "votes": vote_count("board"),
        "dots-gone": dots_gone("board"),
        "votes-revealed": vote_panel("board"),
        "vote-result": vote_result("board"),
        "people": NOTHING,
        "presence": NOTHING,
        "lock": NOTHING,
    },
    ("phone", "vote-notes"): {
        "votes": vote_count("phone"),
        "dots-gone": dots_gone("phone"),
        "my-votes": my_dots,
        "votes-revealed": vote_panel("phone"),
        "vote-result": vote_result("phone"),
    },
    ("control", "vote-notes"): {
        "votes": vote_count("control"),
        "my-votes": proxy_dots,  # (someone without a phone: their name in the form)
        "dots-gone": dots_gone("control"),
        "votes-revealed": vote_panel("control"),
        "vote-result": vote_result("control"),
        "people": NOTHING,
        "done": NOTHING,
    },
    ("phone", "sort-notes"): {"note": phone_note, "rings": phone_rings},
    ("phone", "agree"): {
        "response": statement_element("phone_response"),
        "statement": statement_element("phone_statement"),
        "contribution": NOTHING,
        "coverage": NOTHING,
    },
    ("phone", "grid-write"): {"contribution": phone_contribution, "coverage": phone_row_count},
    ("phone", "rate-items"): {"answer": my_answer},
    ("phone", "document"): {"signed": phone_signed},
    ("control", "sort-notes"): {
        "suggestion": NOTHING,  # the suggestions follow the notes (see `views`, `suggested`)
        "note": control_note,
        "removed-note": control_unremoved,
        "merged-notes": control_remerged,
        "rings": control_rings,
        "notes-progress": NOTHING,
        "people": NOTHING,
        "done": NOTHING,
    },
    ("control", "agree"): {
        "tally": NOTHING,  # a response's own part carries its row
        "response": control_response,
        "statement": statement_element("control_statement", "control_to_respond"),
        "revealed": statement_element("control_badge", "control_reveal"),
        "people": NOTHING,
        "done": NOTHING,
        "contribution": NOTHING,
        "coverage": NOTHING,
    },
    ("control", "write-notes"): {
        "note": written_note,
        "notes-progress": written_progress,
        "people": written_person,
        "done": still_writing,
    },
    ("control", "grid-write"): {
        "coverage": control_coverage,
        "contribution": control_contribution,
        "people": NOTHING,
        "done": control_done_line,
    },
    ("control", "rate-items"): {
        "rating": rating_row,
        "answer": NOTHING,
        "people": NOTHING,
        "done": control_done_line,
    },
    ("control", "document"): {
        "signatures": NOTHING,  # with the signer's own part
        "signed": control_signatures,
        "people": control_signatures,
        "done": NOTHING,
    },
}
STATUS: dict[str, Render] = {
    "timer": lambda scene, part: scene.render_full("control_timer"),
    "board-view": board_controls,
    "people": proxy_list,  # people without a phone, listed with the tools
}
"""The control view's status card: the timer alone when only it changed."""
PEOPLE: dict[str, Render] = {
    "people": control_person,
    "presence": control_person,
    "done": control_person,
}
"""The control view's participants block, person by person."""


def elements(page: str, block: str, room: Room) -> dict[str, Render] | None:
    """The element renderers of a block while the room is in its current phase, or None
    when the block repaints whole."""
    if block == "control_participants":
        return PEOPLE
    if block == "control_status":
        return STATUS
    if block == "board_phase":
        return BOARD_PARTS
    if block not in ("board_main", "phone_task", "control_task"):
        return None
    if page == "board" and room.spotlight is not None:
        return None  # the board shows the spotlit note or row, large
    phase = room.current_phase
    if page == "board" and phase.traits.partial == "agree" and _grid_targets(room):
        return _GRID_BOARD
    return ELEMENTS.get((page, phase.traits.partial))


def _grid_targets(room: Room) -> bool:
    targets = room.current_phase.targets
    return bool(targets) and targets[0].startswith("grid.")


def needs_block(page: str, block: str, room: Room, part: Part) -> bool:
    """A part whose elements cannot be updated alone here: the block repaints."""
    if page == "control" and room.options.moderated and part.name == "note":
        return room.current_phase.traits.partial == "write-notes"  # (its queue to read)
    if page == "board" and part.name in ("people", "presence") and block == "board_main":
        return room.current_phase.traits.partial == "lobby" and not room.names_visible
    return False
