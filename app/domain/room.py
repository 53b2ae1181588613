"""The room aggregate: its state, the rules that decide events, and `apply`.

Commands never change state. Each `decide_*` method checks the rules against
the current state and returns the `Draft` events that would follow; the
service stores them (which numbers them) and only then calls `apply`. So a
refused or failed command leaves the room exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.domain import consent, document, facilitation, grid, notes, ratings
from app.domain.consent import Statement
from app.domain.errors import Conflict, Invalid, NotFound
from app.domain.events import Draft, Event, Viewer, iso
from app.domain.grid import Contribution
from app.domain.notes import Note
from app.domain.text import clean_text
from app.domain.workshop import Phase, Workshop


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits; the defaults are the contract's, settings may change them."""

    title: int = 120
    setting: int = 120
    name: int = 60
    text: int = 280
    participants: int = 300


@dataclass(slots=True)
class Participant:
    """Someone who joined from a phone."""

    id: str
    name: str
    perspective: str
    joined_at: datetime

    def public(self, online: bool) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "perspective": self.perspective,
            "online": online,
        }


@dataclass(slots=True)
class Room:
    """A workshop session: who is in it, which phase it is in, what was said."""

    code: str
    title: str
    setting: str
    workshop: Workshop
    created_at: datetime
    phase: str = ""
    seq: int = 0
    locked: bool = False
    participants: dict[str, Participant] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    notes: dict[str, Note] = field(default_factory=dict)
    contributions: dict[str, list[Contribution]] = field(default_factory=dict)
    contribution_ids: dict[str, Contribution] = field(default_factory=dict)
    statements: dict[str, Statement] = field(default_factory=dict)
    signatures: dict[str, document.Signature] = field(default_factory=dict)
    spotlight: str | None = None
    """What the board focuses on: a statement target ("grid.mission"), "note:<id>", or None."""
    timer: facilitation.Timer | None = None
    done: dict[str, set[str]] = field(default_factory=dict)
    """Phase id → participants who said "I'm done"."""
    options: facilitation.Options = field(default_factory=facilitation.Options)
    ratings: dict[ratings.Key, dict[str, str]] = field(default_factory=dict)
    """(phase id, item id) → participant id → option id."""

    @classmethod
    def create(
        cls,
        *,
        code: str,
        title: object,
        setting: object,
        workshop: Workshop,
        created_at: datetime,
        limits: Limits,
    ) -> Room:
        """A new, empty room in the workshop's first phase."""
        clean_title = clean_text(title, field="title", max_length=limits.title, single_line=True)
        clean_setting = ""
        if isinstance(setting, str) and setting.strip():
            clean_setting = clean_text(
                setting, field="setting", max_length=limits.setting, single_line=True
            )
        elif setting is not None and not isinstance(setting, str):
            raise Invalid("invalid_setting", "The setting must be text.")
        return cls(
            code=code,
            title=clean_title,
            setting=clean_setting,
            workshop=workshop,
            created_at=created_at,
            phase=workshop.first_phase.id,
        )

    # ------------------------------------------------------------------ queries
    @property
    def current_phase(self) -> Phase:
        return self.workshop.phase(self.phase)

    def participant(self, participant_id: str) -> Participant:
        found = self.participants.get(participant_id)
        if found is None:
            raise NotFound("participant_not_found", "No such participant in this room.")
        return found

    def by_perspective(self) -> dict[str, list[Participant]]:
        """Participants grouped by perspective, in the workshop's order."""
        groups: dict[str, list[Participant]] = {p.id: [] for p in self.workshop.perspectives}
        for participant in self.participants.values():
            groups.setdefault(participant.perspective, []).append(participant)
        return groups

    def snapshot(self, viewer: Viewer, online: Iterable[str] = ()) -> dict[str, Any]:
        """The room's state as the contract shows it to `viewer`."""
        online_ids = set(online)
        names = facilitation.names_visible(self) or viewer.is_facilitator
        moderator = viewer.is_facilitator and self.options.moderated
        people = []
        for p in self.participants.values():
            person = p.public(p.id in online_ids)
            if not names and p.id != viewer.participant_id:
                person["name"] = None
            people.append(person)
        current_timer = facilitation.timer(self)
        return {
            "code": self.code,
            "title": self.title,
            "setting": self.setting,
            "workshop": self.workshop.id,
            "phase": self.phase,
            "seq": self.seq,
            "locked": self.locked,
            "created_at": iso(self.created_at),
            "you": {"role": viewer.role, "participant_id": viewer.participant_id},
            "participants": people,
            "notes": [
                n.public(None if moderator else viewer)
                for n in self.notes.values()
                if not n.removed
            ],
            "grid": {
                row.key: {
                    "contributions": [
                        c.public(viewer, self.workshop.grid_private)
                        for c in self.contributions.get(row.key, [])
                    ]
                }
                for row in self.workshop.grid_rows
            },
            "statements": {target: item.public() for target, item in self.statements.items()},
            "spotlight": self.spotlight,
            "options": self.options.public(),
            "timer": current_timer.public() if current_timer else None,
            "done": sorted(self.done.get(self.phase, set()) & self.participants.keys()),
            "ratings": {
                phase.id: {
                    item.id: (
                        {
                            pid: option
                            for pid, option in self.ratings.get((phase.id, item.id), {}).items()
                            if pid in self.participants
                        }
                    )
                    for item in phase.items
                }
                for phase in self.workshop.phases
                if phase.rated
            },
            "signatures": [
                {"participant_id": pid, "signed_at": iso(sig.at)}
                for pid, sig in self.signatures.items()
            ],
        }

    # ---------------------------------------------------------------- decisions
    def decide_join(
        self, *, participant_id: str, name: object, perspective: object, limits: Limits
    ) -> list[Draft]:
        clean_name = clean_text(name, field="name", max_length=limits.name, single_line=True)
        if not isinstance(perspective, str):
            raise Invalid("invalid_perspective", "Please choose your perspective.")
        chosen = self.workshop.perspective(perspective)
        if self.locked:
            raise Conflict(
                "room_locked", "This room is locked: the facilitator is not admitting anyone new."
            )
        if self.phase == "closed":
            raise Conflict("room_closed", "This session has closed.")
        if len(self.participants) >= limits.participants:
            raise Conflict("room_full", f"This room is full ({limits.participants} participants).")
        participant = {"id": participant_id, "name": clean_name, "perspective": chosen.id}
        if facilitation.names_visible(self):
            return [Draft("participant.joined", {"participant": participant}, actor=participant_id)]
        # Anonymous: the name goes to the person and the facilitator only (see events.redact).
        data = {"participant": participant, "facilitator_reads": True}
        return [Draft("participant.joined", data, actor=participant_id, private_to=participant_id)]

    def decide_phase(self, phase: object, *, actor: str = "facilitator") -> list[Draft]:
        if not isinstance(phase, str):
            raise Invalid("invalid_phase", "The phase must be a phase id.")
        target = self.workshop.phase(phase)
        if target.id == self.phase:
            return []
        drafts = [Draft("phase.changed", {"phase": target.id, "previous": self.phase}, actor=actor)]
        if target.kind == "sort-notes":
            drafts += notes.reveal_drafts(self)
        return drafts

    def decide_spotlight(self, target: object) -> list[Draft]:
        """Focus the board on one statement or note, or back to the overview."""
        self.ensure_open()
        if target in (None, ""):
            target = None
        elif isinstance(target, str) and target.startswith("note:"):
            notes.on_board(self, target.removeprefix("note:"))
        elif not isinstance(target, str) or target not in consent.targets(self):
            raise Invalid("invalid_spotlight", "Spotlight a note, a grid row or a statement.")
        if target == self.spotlight:
            return []
        return [Draft("spotlight.changed", {"target": target}, actor="facilitator")]

    def decide_lock(self, locked: bool) -> list[Draft]:
        self.ensure_open()
        if locked == self.locked:
            return []
        return [Draft("room.locked", {"locked": locked}, actor="facilitator")]

    def decide_remove(self, participant_id: str) -> list[Draft]:
        self.ensure_open()
        self.participant(participant_id)
        return [
            Draft("participant.removed", {"participant_id": participant_id}, actor="facilitator")
        ]

    def ensure_writing_time(self) -> None:
        """Refuse writing once the facilitator's locking timer for this phase is up."""
        facilitation.ensure_time_left(self)

    def ensure_open(self) -> None:
        """Refuse writes once the session has closed."""
        if self.phase == "closed":
            raise Conflict(
                "room_closed", "This session has closed; it can be read but not changed."
            )

    # -------------------------------------------------------------------- apply
    def apply(self, event: Event) -> None:
        """Advance the state by one stored event (which must be the next in order)."""
        if event.seq != self.seq + 1:
            raise ValueError(f"room {self.code}: event {event.seq} applied at seq {self.seq}")
        handler = _HANDLERS.get(event.type)
        if handler is not None:
            handler(self, event)
        self.seq = event.seq

    def apply_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.apply(event)


def _joined(room: Room, event: Event) -> None:
    data = event.data["participant"]
    room.participants[data["id"]] = Participant(
        id=data["id"], name=data["name"], perspective=data["perspective"], joined_at=event.at
    )


def _phase_changed(room: Room, event: Event) -> None:
    room.phase = event.data["phase"]
    room.timer = None  # a timer belongs to its phase


def _spotlight(room: Room, event: Event) -> None:
    room.spotlight = event.data["target"]


def _locked(room: Room, event: Event) -> None:
    room.locked = bool(event.data["locked"])


def _removed(room: Room, event: Event) -> None:
    participant_id = event.data["participant_id"]
    room.participants.pop(participant_id, None)
    room.removed.add(participant_id)


_HANDLERS: dict[str, Callable[[Room, Event], None]] = {
    "participant.joined": _joined,
    "phase.changed": _phase_changed,
    "room.locked": _locked,
    "spotlight.changed": _spotlight,
    "participant.removed": _removed,
    **notes.HANDLERS,
    **grid.HANDLERS,
    **consent.HANDLERS,
    **document.HANDLERS,
    **facilitation.HANDLERS,
    **ratings.HANDLERS,
}
