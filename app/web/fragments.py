"""The elements each part of the screens is shown by, page by page.

Each function renders, from the room as it is now, the elements that show one
part (see `registry.Part`) on one page: a note, a tally row, a cell, a name;
or removes them when they are no longer shown.
"""

from __future__ import annotations

from typing import Any

from app.domain import grid, note_undo, notes, ratings
from app.domain.notes import Note
from app.domain.registry import Part
from app.domain.room import Participant, Room
from app.web.scene import Render, Scene, cell, move_items, remove, svg
from app.web.tallies import statements


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
    """A note in its circle; or, merged, one item in its host's list of merged notes
    (the host's own element keeps the items it has: a merge sends one)."""
    note = _shown(scene.room, part.key)
    html = scene.render_full("control_moderate") if scene.room.options.moderated else ""
    if note is None:
        gone = scene.room.notes.get(part.key)
        host = _shown(scene.room, gone.merged_into) if gone and gone.merged_into else None
        if gone is not None and host is not None and not gone.removed:
            return html + scene.render("control_merged_note", m=gone)
        if gone is not None and gone in note_undo.restorable(scene.room):
            html += scene.render("control_removed_note", note=gone)  # what Restore lists
        return html + remove(f"control-note-{part.key}")
    merged = _merged(scene.room, note)
    return html + scene.render("control_note", note=note, merged=merged, keep_items=True)


def control_remerged(scene: Scene, part: Part) -> str:
    """A note holding merged notes was merged into another: the page moves the items it
    lists to the new host's list (their text and all unchanged), in one directive however
    many they are."""
    found = scene.room.notes.get(part.key)
    host = _shown(scene.room, found.merged_into) if found and found.merged_into else None
    if found is None or found.removed or host is None:
        return ""
    return move_items(f"control-merged-{found.id}", f"control-merged-{host.id}")


def control_unremoved(scene: Scene, part: Part) -> str:
    """A restored note leaves the control view's list of removed notes."""
    return remove(f"control-removed-{part.key}")


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
    if person is None:
        return scene.render_full("control_people_counts") + remove(f"control-person-{part.key}")
    counts = scene.render_full("control_people_counts", only=person.perspective)
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


def statement_element(*names: str) -> Render:
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


def _tally_row(scene: Scene, part: Part, name: str) -> str:
    """The responder's perspective's row of the tally (the only row a response changes)."""
    item = _statement(scene, part.key)
    person = scene.room.participants.get(part.only or "")
    if item is None or person is None or item["statement"] is None:
        return ""
    label = scene.base["perspective_labels"].get(person.perspective)
    return cell(scene.render(name, s=item, p=label)) if label is not None else ""


def board_response(scene: Scene, part: Part) -> str:
    item = _statement(scene, part.key)
    if item is not None and item["hidden"]:  # counted, not shown, until revealed
        return scene.render("board_responded", s=item)
    found = _tally_row(scene, part, "board_tally_row")
    return found + _response(scene, part, "board_objection", "board-objection")


def board_revealed(scene: Scene, part: Part) -> str:
    """A reveal: the statement's tally, its objections' list left for their own updates
    (`objection.revealed`, one each: see `board_reason`)."""
    item = _statement(scene, part.key)
    return "" if item is None else scene.render("board_responses", s=item, objections_later=True)


def board_reason(scene: Scene, part: Part) -> str:
    """One revealed objection's reason, in its place in the list."""
    return _response(scene, part, "board_objection", "board-objection")


def control_response(scene: Scene, part: Part) -> str:
    found = _tally_row(scene, part, "control_tally_row")
    item = _statement(scene, part.key)
    names = ("control_badge", "control_save_draft", "control_agree_form", "control_reveal")
    extra = "" if item is None else "".join(scene.render(name, s=item) for name in names)
    if item is not None:  # who has yet to respond
        extra += scene.render("control_to_respond", s=item)
    return found + extra + _response(scene, part, "control_response", "control-response")


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


def control_contribution(scene: Scene, part: Part) -> str:
    """A new contribution in the control view's lists of what each agency wrote."""
    found = scene.room.contribution_ids.get(part.key.rsplit("/", 1)[-1])
    if found is None or scene.room.workshop.grid_private:
        return ""
    return scene.render("control_contribution", c=found)


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
    (while it is short, names are hidden, or some signed an earlier version)."""
    doc = scene.context().get("doc")
    signed = part.name == "signed" and part.key in scene.room.signatures
    if doc is None or not signed or not scene.room.names_visible:
        return scene.render_full("doc_signatories")
    current = doc.current_signatories
    if len(current) < 2 or doc.earlier_signatories:  # (the earlier version's list changes too)
        return scene.render_full("doc_signatories")
    return cell(scene.render("doc_signer", s=current[-1], position=len(current)))


def phone_signed(scene: Scene, part: Part) -> str:
    signed = scene.me is not None and scene.me.id in scene.room.signatures
    return scene.render("phone_sign", signed=signed)
