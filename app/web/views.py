"""What each screen needs from a room, and which of its live blocks an event changes.

The page routes and the live renderer (app/web/renderer.py) build context the same
way, so a fragment pushed over the websocket is byte-for-byte the block of the page.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from app.domain import (
    document,
    facilitation,
    grid,
    note_undo,
    notes,
    ratings,
    registry,
    suggestions,
    votes,
)
from app.domain.document import Signature
from app.domain.events import Event
from app.domain.notes import Note
from app.domain.registry import Part
from app.domain.room import Participant, Room
from app.web import suggested, waiting
from app.web.board_view import board_context
from app.web.tallies import STANCE_LABELS, statements

PAGES = {
    "board": ("board.html", ("board_phase", "board_main")),
    "control": (
        "control.html",
        ("control_phases", "control_task", "control_participants", "control_status"),
    ),
    "phone": ("phone.html", ("phone_phase", "phone_done", "phone_task")),
}

_DISCUSSED = {"note", "notes-progress", "rings", "contribution", "coverage", "statement", "tally"}
SHOWS: dict[str, frozenset[str]] = {
    "board_phase": frozenset({"timer", "done", "people", "board-view"}),
    "board_main": frozenset(
        {*_DISCUSSED, "people", "presence", "rating", "signatures", "signed", "spotlight"}
        | {"lock", "response", "revealed", "reason", "votes", "votes-revealed", "vote-result"}
        | {"dots-gone"}
    ),
    "control_phases": frozenset(),
    "control_task": frozenset(
        {*_DISCUSSED, "people", "done", "rating", "answer", "response", "signatures", "signed"}
        | {"spotlight", "revealed", "suggestion", "removed-note", "merged-notes", "votes"}
        | {"votes-revealed", "vote-result", "dots-gone", "my-votes"}
    ),
    "control_participants": frozenset({"people", "done", "presence"}),
    "control_status": frozenset({"lock", "timer", "people", "board-view"}),
    "phone_phase": frozenset({"timer"}),
    "phone_done": frozenset({"done"}),
    "phone_task": frozenset(
        {"note", "rings", "contribution", "coverage", "statement", "response", "answer", "signed"}
        | {"votes", "my-votes", "votes-revealed", "vote-result", "dots-gone"}
    ),
}
"""The live-update rule, declared with the blocks: the parts (see `registry.Part`)
each block of each page shows. Every block also changes with `SCREEN`."""


def room_context(
    room: Room, online: frozenset[str], me: Participant | None = None
) -> dict[str, Any]:
    """Everything the room's screens show, for one viewer."""
    workshop = room.workshop
    phase = room.current_phase
    index = workshop.phase_index(phase.id)
    inner = notes.in_ring(room, "inner")
    outer = notes.in_ring(room, "outer")
    return {
        "room": room,
        "code": room.code,
        "workshop": workshop,
        "phase": phase,
        "phase_index": index,
        "previous_phase": workshop.phases[index - 1] if index > 0 else None,
        "next_phase": workshop.phases[index + 1] if index + 1 < len(workshop.phases) else None,
        "big_steps_back": {p.id for p in workshop.phases if room.big_step_back(p.id)},
        "perspectives": workshop.perspectives,
        "perspective_labels": {p.id: p for p in workshop.perspectives},
        "groups": room.by_perspective(),
        "online": online,
        "participant_count": len(room.participants),
        "online_count": len(online & set(room.participants)),
        "me": me,
        "notes_limit": workshop.notes_per_participant,
        "written": _written(room),
        "inner_notes": inner,
        "outer_notes": outer,
        "ring_counts": _ring_counts(inner, outer),
        "merged_notes": _merged(room),
        "removed_notes": note_undo.restorable(room),
        "waiting": waiting.Waiting(room),
        "my_notes": _mine(room, me),
        "new_id": str(uuid.uuid4()),
        "statements": statements(room, me),
        "stance_labels": STANCE_LABELS,
        "grid_rows": _grid(room),
        "gaps": _gaps(room),
        "spotlight": room.spotlight,
        "spotlit": _spotlit(room),
        "spotlit_note": _spotlit_note(room),
        **board_context(room),
        "timer": _timer(room),
        "options": room.options,
        "names_visible": room.names_visible,
        "writing": phase.traits.writing,
        **_done(room, me),
        **_ratings(room, me),
        "unrevealed": _unrevealed(room),
        "suggest": _suggester(room),
        "votes_here": votes_here(room, me),
        "group_key": suggestions.group_key,
        "notes_revealed": any(n.revealed for n in room.notes.values()),
        **_document(room),
    }


def votes_here(room: Room, me: Participant | None) -> dict[str, Any] | None:
    """The current vote phase as the screens show it (None outside one)."""
    phase = room.current_phase
    if phase.kind != votes.VOTE_NOTES.name:
        return None
    shown = votes.revealed(room, phase.id)
    return {
        "dots": phase.dots,
        "stacking": phase.stacking,
        "voters": len(votes.voters(room, phase.id)),
        "revealed": shown,
        "mine": list(votes.allocation(room, phase.id, me.id)) if me else [],
        "tally": votes.tally(room, phase.id)[: votes.RESULTS_SHOWN] if shown else [],
        "top": votes.top_notes(room, phase.id) if shown else [],
    }


def _suggester(room: Room) -> Callable[[], suggested.Panel]:
    """Grouping suggestions, computed only if a template asks (the control view), once per
    change of the notes per room (`suggested.panel`)."""
    return lambda: suggested.panel(room)


def _timer(room: Room) -> dict[str, Any] | None:
    """The current phase's countdown as the pages show it (app.js ticks it locally)."""
    current = facilitation.timer(room)
    if current is None:
        return None
    left = current.left(datetime.now(UTC))
    return {
        "running": current.running,
        "ends_at": facilitation.precise(current.ends_at) if current.ends_at else "",
        "left": left,
        "clock": f"{left // 60}:{left % 60:02d}",
        "lock": current.lock,
        "up": left == 0,
    }


def _done(room: Room, me: Participant | None) -> dict[str, Any]:
    """Who said "I'm done" in this phase, by perspective."""
    done = room.done.get(room.phase, set()) & room.participants.keys()
    by_perspective = {p.id: 0 for p in room.workshop.perspectives}
    for pid in done:
        perspective = room.participants[pid].perspective
        by_perspective[perspective] = by_perspective.get(perspective, 0) + 1
    return {
        "done_ids": done,
        "done_count": len(done),
        "done_by_perspective": by_perspective,
        "i_am_done": me is not None and me.id in done,
    }


def _ratings(room: Room, me: Participant | None) -> dict[str, Any]:
    """A rating phase's distributions (board, control) and this participant's answers."""
    phase = room.current_phase
    if not phase.rated:
        return {"distributions": [], "my_answers": {}, "raters": 0}
    return {
        "distributions": ratings.distributions(room, phase),
        "my_answers": ratings.answers(room, phase, me.id) if me else {},
        "raters": len(ratings.raters(room, phase)),
    }


def _spotlit_note(room: Room) -> dict[str, Any] | None:
    """The note the facilitator spotlighted, with the notes merged into it."""
    if not room.spotlight or not room.spotlight.startswith("note:"):
        return None
    if not room.current_phase.traits.discusses_notes:
        return None
    found = room.notes.get(room.spotlight.removeprefix("note:"))
    if found is None or not found.active or not found.revealed:
        return None
    return {"note": found, "merged": [n.text for n in notes.merged_into(room, found.id)]}


def _unrevealed(room: Room) -> list[dict[str, Any]]:
    """Moderation: notes written but not yet revealed, with their authors (control only)."""
    if not room.options.moderated:
        return []
    return [
        {"note": n, "author": room.participants.get(n.author_id)} for n in notes.unrevealed(room)
    ]


def _document(room: Room) -> dict[str, Any]:
    """The merged document and who signed it, in the phases that show it."""
    if not room.current_phase.traits.shows_document:
        return {
            "doc": None,
            "signed_by": {},
            "signers": {},
            "signed_count": 0,
            "earlier_count": 0,
            "with_appendix": False,
        }
    doc = document.build(room, today=room.created_at)
    signed_by: dict[str, list[str]] = {p.id: [] for p in room.workshop.perspectives}
    signers: dict[str, list[Signature]] = {p.id: [] for p in room.workshop.perspectives}
    earlier = 0
    for signature in room.signatures.values():
        if signature.participant_id in room.participants:  # "N of M" counts people here
            signers.setdefault(signature.perspective, []).append(signature)
            if signature.version == doc.version:  # a signature stands for the text it was given to
                signed_by.setdefault(signature.perspective, []).append(signature.name)
            else:
                earlier += 1
    return {
        "doc": doc,
        "signed_by": signed_by,
        "signers": signers,
        "signed_count": sum(len(names) for names in signed_by.values()),
        "earlier_count": earlier,
        "with_appendix": False,
    }


def _grid(room: Room) -> list[dict[str, Any]]:
    """Table 1.3: each row's contributions by perspective, and its overall statement."""
    coverage = grid.coverage(room)
    rows = []
    for index, row in enumerate(room.workshop.grid_rows):
        cells: dict[str, list[Any]] = {p.id: [] for p in room.workshop.perspectives}
        for item in room.contributions.get(row.key, []):
            cells.setdefault(item.perspective, []).append(item)
        statement = room.statements.get(f"grid.{row.key}")
        rows.append(
            {
                "row": row,
                "index": index,
                "target": f"grid.{row.key}",
                "cells": cells,
                "counts": coverage[row.key],
                "total": sum(coverage[row.key].values()),
                "statement": statement if statement is not None and statement.has_content else None,
            }
        )
    return rows


def _gaps(room: Room) -> list[tuple[Any, Any]]:
    """(perspective, row) pairs with no contribution yet, for perspectives in the room."""
    present = {p.perspective for p in room.participants.values()}
    coverage = grid.coverage(room)
    return [
        (perspective, row)
        for row in room.workshop.grid_rows
        for perspective in room.workshop.perspectives
        if perspective.id in present and coverage[row.key][perspective.id] == 0
    ]


def _spotlit(room: Room) -> dict[str, Any] | None:
    """The spotlighted grid row with its statement tally, if the board should focus on one."""
    if not room.spotlight or not room.spotlight.startswith("grid."):
        return None
    if not room.current_phase.traits.discusses_rows:
        return None
    for row in _grid(room):
        if row["target"] == room.spotlight:
            tallies = {item["target"]: item for item in statements(room, None, [room.spotlight])}
            return {**row, "consent": tallies.get(room.spotlight)}
    return None


def _ring_counts(inner: list[Note], outer: list[Note]) -> dict[str, tuple[int, int]]:
    """Each perspective's notes in the inner and in the outer circle (the board's legend:
    counted once here, not by a filter over every note for each perspective)."""
    ins, outs = Counter(n.perspective for n in inner), Counter(n.perspective for n in outer)
    return {p: (ins[p], outs[p]) for p in ins.keys() | outs.keys()}


def _written(room: Room) -> dict[str, Any]:
    """Counts for the writing phase: notes per perspective, notes per person."""
    live = [n for n in room.notes.values() if not n.removed]
    per_perspective = Counter(n.perspective for n in live)
    per_person = Counter(n.author_id for n in live)
    limit = room.workshop.notes_per_participant
    return {
        "total": len(live),
        "by_perspective": per_perspective,
        "by_person": per_person,
        "finished": sum(1 for pid in room.participants if per_person[pid] >= limit),
    }


def _merged(room: Room) -> dict[str, list[Note]]:
    absorbed: dict[str, list[Note]] = {}
    for item in room.notes.values():
        if item.merged_into and not item.removed:
            absorbed.setdefault(item.merged_into, []).append(item)
    return absorbed


def _mine(room: Room, me: Participant | None) -> list[Note]:
    if me is None:
        return []
    return [n for n in room.notes.values() if n.author_id == me.id and not n.removed]


def changes(event: Event, room: Room) -> tuple[Part, ...]:
    """The parts of the screens that `event` changes (declared with its type)."""
    return tuple(registry.touched(room, event))


def presence(participant_id: str) -> tuple[Part, ...]:
    """Someone's screens came online or all went away (not an event)."""
    return (Part("presence", participant_id),)
