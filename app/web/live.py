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

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from markupsafe import escape

from app.domain import grid, notes, ratings
from app.domain.notes import Note
from app.domain.registry import Part
from app.domain.room import Participant, Room
from app.web.tallies import STANCE_LABELS, statements
from app.web.templating import Templates

Render = Callable[["Scene", Part], str]


@dataclass
class Scene:
    """One screen's view of the room, for rendering parts of it."""

    templates: Templates
    room: Room
    page: str
    me: Participant | None
    online: set[str]
    full: Callable[[], dict[str, Any]]
    """The page's whole context (computed only if a fragment needs most of it)."""
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


def cell(fragment: str) -> str:
    """Table rows and cells travel in a <template> of their own: parsed beside other
    elements, they would lose their table context."""
    return f"<template>{fragment}</template>" if fragment.strip() else ""


def svg(fragment: str) -> str:
    """SVG elements travel inside an <svg>, so the page parses them as SVG."""
    return f'<svg data-live-wrap="">{fragment}</svg>' if fragment.strip() else ""


# ------------------------------------------------------------------ notes
def _shown(room: Room, note_id: str) -> Note | None:
    found = room.notes.get(note_id)
    return found if found is not None and found.active and found.revealed else None


def _merged(room: Room, note: Note) -> list[Note]:
    return notes.merged_into(room, note.id)


def board_note(scene: Scene, part: Part) -> str:
    note = _shown(scene.room, part.key)
    if note is None:
        return remove(f"board-note-{part.key}")
    return svg(scene.render("board_note", note=note, merged=_merged(scene.room, note)))


def board_rings(scene: Scene, part: Part) -> str:
    counts = "".join(
        scene.render_full("board_legend_count", p=p) for p in scene.room.workshop.perspectives
    )
    return svg(scene.render_full("board_ring_labels")) + counts


def phone_note(scene: Scene, part: Part) -> str:
    note = _shown(scene.room, part.key)
    if note is None:
        return remove(f"sort-{part.key}")
    return scene.render("phone_note", note=note, merged=_merged(scene.room, note))


def phone_rings(scene: Scene, part: Part) -> str:
    return "".join(
        scene.render("phone_ring_head", ring=ring, count=len(notes.in_ring(scene.room, ring)))
        for ring in notes.RINGS
    )


def control_note(scene: Scene, part: Part) -> str:
    note = _shown(scene.room, part.key)
    html = scene.render_full("control_moderate") if scene.room.options.moderated else ""
    if note is None:
        return html + remove(f"control-note-{part.key}")
    return html + scene.render("control_note", note=note, merged=_merged(scene.room, note))


def control_rings(scene: Scene, part: Part) -> str:
    return "".join(
        scene.render("control_ring_count", ring=ring, count=len(notes.in_ring(scene.room, ring)))
        for ring in notes.RINGS
    )


# ------------------------------------------------------------------ people
def _person(scene: Scene, part: Part) -> Participant | None:
    return scene.room.participants.get(part.key)


def board_person(scene: Scene, part: Part) -> str:
    if not scene.room.names_visible:
        return ""  # numbered by position: the block repaints (see `needs_block`)
    person = _person(scene, part)
    counts = scene.render_full("board_people_counts")
    if person is None:
        return counts + remove(f"person-{part.key}")
    return counts + scene.render("board_person", person=person)


def control_person(scene: Scene, part: Part) -> str:
    person = _person(scene, part)
    counts = scene.render_full("control_people_counts")
    if person is None:
        return counts + remove(f"control-person-{part.key}")
    done = scene.room.done.get(scene.room.phase, set())
    return counts + scene.render(
        "control_person",
        person=person,
        writing=scene.room.current_phase.traits.writing,
        done_ids=done,
    )


def control_done_line(scene: Scene, part: Part) -> str:
    return scene.render_full("control_done_line")


# ------------------------------------------------------------------ statements
def _statement(scene: Scene, target: str) -> dict[str, Any] | None:
    if target not in scene.room.current_phase.targets:
        return None
    found = statements(scene.room, scene.me, [target])
    return found[0] if found else None


def _by_target(*names: str) -> Render:
    """Renders these elements of the statement the part names (if this phase shows it)."""

    def render(scene: Scene, part: Part) -> str:
        item = _statement(scene, part.key)
        return "" if item is None else "".join(scene.render(name, s=item) for name in names)

    return render


def _response(scene: Scene, part: Part, name: str, prefix: str) -> str:
    """One person's objection or reservation in a statement's lists (or its removal)."""
    item = _statement(scene, part.key)
    person = scene.room.participants.get(part.only or "")
    if item is None or person is None:
        return ""
    found = scene.room.statements.get(part.key)
    response = found.responses.get(person.id) if found is not None else None
    shown = response is not None and (
        response.stance == "object" or (name == "control_response" and bool(response.reason))
    )
    if response is None or response.stance == "agree" or not shown:
        return remove(f"{prefix}-{item['slug']}-{person.id}")
    return scene.render(name, s=item, person=person, reason=response.reason, stance=response.stance)


def board_objection(scene: Scene, part: Part) -> str:
    return _response(scene, part, "board_objection", "board-objection")


def control_response(scene: Scene, part: Part) -> str:
    return _response(scene, part, "control_response", "control-response")


# ------------------------------------------------------------------ grid
def _row_and_perspective(part: Part) -> tuple[str, str]:
    """A contribution's part key: `row/perspective/contribution id`."""
    row, perspective, *_ = [*part.key.split("/"), ""]
    return row, perspective


def board_cell(scene: Scene, part: Part) -> str:
    row_key, perspective = _row_and_perspective(part)
    items = [c for c in scene.room.contributions.get(row_key, []) if c.perspective == perspective]
    label = scene.base["perspective_labels"].get(perspective)
    if label is None:
        return ""
    return cell(scene.render("board_cell", row_key=row_key, p=label, items=items))


def board_overall(scene: Scene, part: Part) -> str:
    if not part.key.startswith("grid."):
        return ""
    found = scene.room.statements.get(part.key)
    statement = found if found is not None and found.has_content else None
    return scene.render(
        "board_overall", row_key=part.key.removeprefix("grid."), statement=statement
    )


def board_gaps(scene: Scene, part: Part) -> str:
    return scene.render_full("board_gaps") if scene.room.current_phase.traits.writing else ""


def phone_contribution(scene: Scene, part: Part) -> str:
    row_key, perspective = _row_and_perspective(part)
    room = scene.room
    found = room.contribution_ids.get(part.key.rsplit("/", 1)[-1])
    mine = scene.me is not None and found is not None and found.author_id == scene.me.id
    if found is None or (room.workshop.grid_private and not mine):
        return ""
    order = [p.id for p in room.workshop.perspectives].index(perspective) * 1_000_000
    return scene.render("phone_contribution", row_key=row_key, c=found, order=order + found.index)


def phone_row_count(scene: Scene, part: Part) -> str:
    counts = grid.coverage(scene.room).get(part.key, {})
    return scene.render("phone_row_count", row_key=part.key, total=sum(counts.values()))


def control_coverage(scene: Scene, part: Part) -> str:
    row = next((r for r in scene.room.workshop.grid_rows if r.key == part.key), None)
    if row is None:
        return ""
    counts = grid.coverage(scene.room)[row.key]
    return cell(scene.render("control_coverage_row", row=row, counts=counts)) + scene.render_full(
        "control_gaps"
    )


# ------------------------------------------------------------------ ratings
def rating_row(scene: Scene, part: Part) -> str:
    phase = scene.room.current_phase
    item = phase.item(part.key)
    if item is None or not phase.rated:
        return ""
    found = ratings.distribution(scene.room, phase, item)
    index = [i.id for i in phase.items].index(item.id)
    raters = len(ratings.raters(scene.room, phase))
    summary = scene.render(
        "ratings_summary", raters=raters, participant_count=len(scene.room.participants)
    )
    if phase.kind == "choose-scale":
        return summary + scene.render("ratings_ladder", d=found)
    return summary + cell(scene.render("ratings_row", d=found, index=index))


def my_answer(scene: Scene, part: Part) -> str:
    phase = scene.room.current_phase
    item = phase.item(part.key)
    if item is None or scene.me is None:
        return ""
    answers = ratings.answers(scene.room, phase, scene.me.id)
    if phase.kind == "choose-scale":
        return scene.render("rate_scale", item=item, my_answers=answers)
    return scene.render("rate_progress", my_answers=answers) + scene.render(
        "rate_item", item=item, my_answers=answers, index=[i.id for i in phase.items].index(item.id)
    )


# ------------------------------------------------------------------ document
def board_signatures(scene: Scene, part: Part) -> str:
    """The counts, a new signer's name in their column, and the document's list."""
    html = [scene.render_full("board_signed_count")]
    html += [scene.render_full("board_signed_group", p=p) for p in scene.room.workshop.perspectives]
    signer = scene.room.signatures.get(part.key) if part.name == "signed" else None
    if signer is not None and scene.room.names_visible:
        html.append(scene.render("board_signer", signature=signer))
    return "".join(html) + doc_signers(scene, part)


def control_signatures(scene: Scene, part: Part) -> str:
    return scene.render_full("control_signed") + doc_signers(scene, part)


def doc_signers(scene: Scene, part: Part) -> str:
    """The document's list of signatories: the new signer's row, or the list whole
    (while it is short, or names are hidden)."""
    doc = scene.context().get("doc")
    signed = part.name == "signed" and part.key in scene.room.signatures
    if doc is None or not signed or not scene.room.names_visible or len(doc.signatories) < 2:
        return scene.render_full("doc_signatories")
    position = len(doc.signatories)
    return cell(scene.render("doc_signer", s=doc.signatories[-1], position=position))


def phone_signed(scene: Scene, part: Part) -> str:
    signed = scene.me is not None and scene.me.id in scene.room.signatures
    return scene.render("phone_sign", signed=signed)


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
}
ELEMENTS: dict[tuple[str, str], dict[str, Render]] = {
    ("board", "lobby"): {"people": board_person, "presence": board_person, "lock": NOTHING},
    ("board", "sort-notes"): _BOARD_NOTES,
    ("board", "agree"): {
        "tally": _by_target("board_tally"),
        "response": board_objection,
        "statement": _by_target("board_statement"),
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
    ("phone", "sort-notes"): {"note": phone_note, "rings": phone_rings},
    ("phone", "agree"): {
        "response": _by_target("phone_response"),
        "statement": _by_target("phone_statement"),
        "contribution": NOTHING,
        "coverage": NOTHING,
    },
    ("phone", "grid-write"): {"contribution": phone_contribution, "coverage": phone_row_count},
    ("phone", "rate-items"): {"answer": my_answer},
    ("phone", "document"): {"signed": phone_signed},
    ("control", "sort-notes"): {
        "note": control_note,
        "rings": control_rings,
        "notes-progress": NOTHING,
        "people": NOTHING,
        "done": NOTHING,
    },
    ("control", "agree"): {
        "tally": _by_target("control_badge", "control_tally", "control_agree_form"),
        "response": control_response,
        "people": NOTHING,
        "done": NOTHING,
        "contribution": NOTHING,
        "coverage": NOTHING,
    },
    ("control", "grid-write"): {
        "coverage": control_coverage,
        "contribution": NOTHING,
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
    if page == "board" and part.name in ("people", "presence") and block == "board_main":
        return room.current_phase.traits.partial == "lobby" and not room.names_visible
    return False
