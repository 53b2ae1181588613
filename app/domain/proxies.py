"""People without a phone: the facilitator adds them and enters what they say.

A participant added by the facilitator (`proxy`) is like anyone else in every rule
and privacy (their name is hidden where names are); what is entered for them is
attributed in the log to the facilitator, for that person (`entered_by`, with the
event's `actor` the facilitator), and the document says their signature was given
on paper and entered by the facilitator.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from app.domain.events import Draft

if TYPE_CHECKING:
    from app.domain.room import Limits, Room

FACILITATOR = "facilitator"


def decide_add(
    room: Room, *, participant_id: str, name: object, perspective: object, limits: Limits
) -> list[Draft]:
    """Add someone without a phone (as a join, marked as the facilitator's entry)."""
    drafts = room.decide_join(
        participant_id=participant_id, name=name, perspective=perspective, limits=limits
    )
    marked = []
    for draft in drafts:
        person = {**draft.data["participant"], "proxy": True}
        data = {**draft.data, "participant": person, "entered_by": FACILITATOR}
        marked.append(dataclasses.replace(draft, data=data, actor=FACILITATOR))
    return marked


def attribute(room: Room, drafts: Iterable[Draft]) -> list[Draft]:
    """What is decided for a person without a phone is the facilitator's entry for them:
    the log's actor is the facilitator, the event says for whom, and the facilitator
    (who wrote it) reads it as its author does."""
    found = []
    for draft in drafts:
        person = room.participants.get(draft.actor or "")
        if person is not None and person.proxy:
            data = {
                **draft.data,
                "entered_by": FACILITATOR,
                "entered_for": person.id,
                "facilitator_reads": True,
            }
            draft = dataclasses.replace(draft, actor=FACILITATOR, data=data)
        found.append(draft)
    return found
