"""Rating: each participant picks one option per item (rate-items, choose-scale phases).

One mechanism for a checklist rated "in place / partly / not yet" and for a
single question answered on a scale (the ladder of participation): a
choose-scale phase is a rate-items phase with one item. Ratings are public
(the board shows distributions by perspective, never names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.domain import registry
from app.domain.document import Entry
from app.domain.errors import Conflict, Invalid
from app.domain.events import Draft, Event
from app.domain.facilitation import ensure_time_left
from app.domain.registry import DocumentSource, Part, PhaseKind
from app.domain.workshop import Item, Option, Phase, Workshop

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
        raise Invalid(
            "invalid_phase", "The phase “{phase}” has nothing to rate.", phase=phase.title
        )
    return phase


def decide_rate(
    room: Room, *, participant_id: str, item: object, option: object, phase: object = None
) -> list[Draft]:
    """A participant's answer for one item of the current phase (changeable; None clears)."""
    room.ensure_open()
    current = room.current_phase
    if phase not in (None, current.id) or not current.rated:
        raise Conflict(
            "wrong_phase", "Rating is not possible in the phase “{phase}”.", phase=current.title
        )
    ensure_time_left(room)
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


# ---------------------------------------------------------------- kinds
def _check_scale(phase: Mapping[str, Any]) -> None:
    """A scale has at least two options, and no id twice among its options or items."""
    if len(phase.get("options") or ()) < 2:
        raise ValueError(f"a {phase['kind']} phase needs at least two options")
    for what in ("items", "options"):
        ids = [entry["id"] for entry in phase.get(what) or ()]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"{what}: duplicate id {', '.join(twice)}")


def _check_choice(phase: Mapping[str, Any]) -> None:
    if not str(phase.get("question") or "").strip():
        raise ValueError("a choose-scale phase needs a question")
    if phase.get("items"):
        raise ValueError("a choose-scale phase asks one question: use 'question', not items")
    _check_scale(phase)


def _question_as_item(phase: dict[str, Any]) -> dict[str, Any]:
    """A choose-scale phase is a rate-items phase with one item, its question."""
    question = str(phase.pop("question")).strip()
    return {**phase, "items": [{"id": phase["id"], "text": question}]}


RATE_ITEMS = registry.phase_kind(
    PhaseKind(
        "rate-items",
        writing=True,
        rated=True,
        personal_phone=True,
        fields=("items", "options"),
        required=("items",),
        check=_check_scale,
    )
)
CHOOSE_SCALE = registry.phase_kind(
    PhaseKind(
        "choose-scale",
        writing=True,
        rated=True,
        personal_phone=True,
        fields=("question", "options"),
        check=_check_choice,
        prepare=_question_as_item,
        template="rate-items",
    )
)


# ---------------------------------------------------------------- document
def rating_names(workshop: Workshop) -> list[str]:
    """`ratings.<phase>` and `ratings.<phase>.<option>` for every rated phase."""
    names = []
    for phase in workshop.phases:
        if phase.rated:
            names.append(f"ratings.{phase.id}")
            names += [f"ratings.{phase.id}.{o.id}" for o in phase.options]
    return names


def rating_entry(room: Room, source: str) -> Entry:
    """`ratings.<phase>` (every item's answers) or `ratings.<phase>.<option>` (the items
    the group mostly rated with that option: the action list of a health check)."""
    _, phase_id, *rest = source.split(".")
    phase = room.workshop.phase(phase_id)
    results = distributions(room, phase)
    if not any(d.total for d in results):
        return Entry(source, phase.title, "missing")
    if rest:
        option = phase.option(rest[0])
        label = option.label if option else rest[0]
        chosen = tuple(d.item.text for d in results if rest[0] in d.leading)
        if not chosen:
            said = f"No item was rated “{label}”."
            return Entry(source, f"{phase.title}: {label}", "agreed", said, theirs=False)
        return Entry(source, f"{phase.title}: {label}", "agreed", None, chosen, theirs=False)
    labels = {p.id: p.label for p in room.workshop.perspectives}
    if len(results) == 1:
        only = results[0]
        lines = tuple(
            f"{o.label}: {only.counts[o.id]}"
            + (
                " ("
                + ", ".join(
                    f"{labels.get(p, p)} {n}" for p, n in only.by_perspective[o.id].items() if n
                )
                + ")"
                if only.counts[o.id]
                else ""
            )
            for o in only.options
        )
        return Entry(source, only.item.text, "agreed", None, lines, theirs=False)
    lines = tuple(
        f"{d.item.text} — " + ", ".join(f"{o.label} {d.counts[o.id]}" for o in d.options)
        for d in results
    )
    return Entry(source, phase.title, "agreed", None, lines, theirs=False)


registry.document_source(DocumentSource("ratings", rating_names, rating_entry))


# ---------------------------------------------------------------- events
@registry.event(
    "rating.set",
    touches=lambda room, event: (
        Part("rating", event.data["item"]),
        Part("answer", event.data["item"], only=event.data["participant_id"]),
    ),
)
def _set(room: Room, event: Event) -> None:
    data = event.data
    answers_ = room.ratings.setdefault((data["phase"], data["item"]), {})
    if data["option"] is None:
        answers_.pop(data["participant_id"], None)
    else:
        answers_[data["participant_id"]] = data["option"]
