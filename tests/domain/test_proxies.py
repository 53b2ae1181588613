"""People without a phone: what the facilitator enters for them is attributed so."""

from __future__ import annotations

from app.domain import notes, proxies
from app.domain.workshop import Workshop
from tests.domain.support import LIMITS, TEXT, commit, move_to, new_room


def test_an_added_person_is_marked_and_entries_for_them_are_the_facilitators(
    workshop: Workshop,
) -> None:
    room = new_room(workshop)
    drafts = proxies.decide_add(
        room, participant_id="px", name="Dorcas", perspective="health", limits=LIMITS
    )
    (joined,) = commit(room, drafts)
    assert joined.actor == "facilitator"
    assert joined.data["participant"]["proxy"] is True
    assert room.participants["px"].proxy
    move_to(room, "purpose-write")
    decided = notes.decide_add(room, author_id="px", note_id="n1", text="Heard", max_length=TEXT)
    (event,) = commit(room, proxies.attribute(room, decided))
    assert event.actor == "facilitator"
    assert event.data["entered_by"] == "facilitator"
    assert event.data["entered_for"] == "px"
    assert event.data["facilitator_reads"] is True


def test_others_entries_are_left_as_they_are(workshop: Workshop) -> None:
    room = new_room(workshop, "purpose-write")
    decided = notes.decide_add(room, author_id="p1", note_id="n1", text="Mine", max_length=TEXT)
    assert proxies.attribute(room, decided) == decided
