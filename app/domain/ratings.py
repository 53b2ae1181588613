"""Rating: each participant picks one option per item (rate-items, choose-scale phases).

One mechanism for a checklist rated "in place / partly / not yet" and for a
single question answered on a scale (the ladder of participation): a
choose-scale phase is a rate-items phase with one item. Ratings are public
(the board shows distributions by perspective, never names).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.domain.errors import Conflict, Invalid
from app.domain.events import Draft, Event
from app.domain.workshop import Item, Option, Phase

if TYPE_CHECKING:
    from app.domain.room import Room

Key = tuple[str, str]
"""(phase id, item id)."""


@dataclass(frozen=True, slots=True)
class Distribution:
    """How the room rated one item: counts per option, and per option per perspective."""

    item: Item
    options: tuple[Option, ...]
    counts: dict[str, int]
    by_perspective: dict[str, dict[str, int]]
    """option id → perspective id → count."""
    total: int

    @property
    def leading(self) -> tuple[str, ...]:
        """The most chosen option(s): ties are all leading; none when no one rated."""
        if not self.total:
            return ()
        best = max(self.counts.values())
        return tuple(o.id for o in self.options if self.counts[o.id] == best)

    def share(self, option_id: str) -> float:
        return self.counts[option_id] / self.total if self.total else 0.0


def rated_phase(room: Room, phase_id: str) -> Phase:
    phase = room.workshop.phase(phase_id)
    if not phase.rated:
        raise Invalid("invalid_phase", f"The phase “{phase.title}” has nothing to rate.")
    return phase


def decide_rate(
    room: Room, *, participant_id: str, item: object, option: object, phase: object = None
) -> list[Draft]:
    """A participant's answer for one item of the current phase (changeable; None clears)."""
    room.ensure_open()
    current = room.current_phase
    if phase not in (None, current.id) or not current.rated:
        raise Conflict("wrong_phase", f"Rating is not possible in the phase “{current.title}”.")
    room.ensure_writing_time()
    if not isinstance(item, str) or current.item(item) is None:
        known = ", ".join(i.id for i in current.items)
        raise Invalid("invalid_item", f"Unknown item. Items in this phase: {known}.")
    if option is not None and (not isinstance(option, str) or current.option(option) is None):
        known = ", ".join(o.id for o in current.options)
        raise Invalid("invalid_option", f"Unknown option. Choose one of: {known}.")
    room.participant(participant_id)
    if room.ratings.get((current.id, item), {}).get(participant_id) == option:
        return []
    data = {
        "phase": current.id,
        "item": item,
        "option": option,
        "participant_id": participant_id,
    }
    return [Draft("rating.set", data, actor=participant_id)]


def distribution(room: Room, phase: Phase, item: Item) -> Distribution:
    counts = {o.id: 0 for o in phase.options}
    by_perspective = {o.id: {p.id: 0 for p in room.workshop.perspectives} for o in phase.options}
    for participant_id, option in room.ratings.get((phase.id, item.id), {}).items():
        person = room.participants.get(participant_id)
        if person is None or option not in counts:
            continue
        counts[option] += 1
        by_perspective[option][person.perspective] = (
            by_perspective[option].get(person.perspective, 0) + 1
        )
    return Distribution(item, phase.options, counts, by_perspective, sum(counts.values()))


def distributions(room: Room, phase: Phase) -> list[Distribution]:
    return [distribution(room, phase, item) for item in phase.items]


def answers(room: Room, phase: Phase, participant_id: str) -> dict[str, str]:
    """One participant's answers in a phase: item id → option id."""
    return {
        item.id: chosen
        for item in phase.items
        if (chosen := room.ratings.get((phase.id, item.id), {}).get(participant_id)) is not None
    }


def raters(room: Room, phase: Phase) -> set[str]:
    """Participants (still in the room) who rated at least one item of the phase."""
    return {
        pid
        for item in phase.items
        for pid in room.ratings.get((phase.id, item.id), {})
        if pid in room.participants
    }


def _set(room: Room, event: Event) -> None:
    data = event.data
    answers_ = room.ratings.setdefault((data["phase"], data["item"]), {})
    if data["option"] is None:
        answers_.pop(data["participant_id"], None)
    else:
        answers_[data["participant_id"]] = data["option"]


HANDLERS: dict[str, Callable[[Room, Event], None]] = {"rating.set": _set}
