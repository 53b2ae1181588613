"""The room aggregate: its state, the session's own rules, and `apply`.

Commands never change state. Each `decide_*` rule checks the current state
and returns the `Draft` events that would follow; the service stores them
(which numbers them) and only then calls `apply`. So a refused or failed
command leaves the room exactly as it was.

The features (notes, grid, consent, ratings, the document, the facilitator's
tools) keep their rules and their events in their own modules and declare them
in the registry; `apply` reads it. This module declares the session's own:
joining, leaving, phases, the lock, and the lobby and closed phase kinds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.domain import registry
from app.domain.board import BoardView
from app.domain.errors import Conflict, Invalid, NotFound
from app.domain.events import Draft, Event, Viewer, iso
from app.domain.options import Options
from app.domain.registry import SCREEN, Part, PhaseKind
from app.domain.text import clean_text
from app.domain.workshop import Phase, Workshop

if TYPE_CHECKING:
    from app.domain.consent import Statement
    from app.domain.document import Signature
    from app.domain.facilitation import Timer
    from app.domain.grid import Contribution
    from app.domain.notes import Note
    from app.domain.ratings import Key

registry.phase_kind(PhaseKind("lobby"))
registry.phase_kind(PhaseKind("closed", shows_document=True, read_only=True, template="document"))


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits; the defaults are the contract's, settings may change them."""

    title: int = 120
    setting: int = 120
    name: int = 60
    text: int = 280
    """A note, a grid contribution, a reason."""
    participants: int = 300
    statement: int = 2000
    """A statement the facilitator drafts (the purpose, each goal, a row's joint
    statement): long enough to hold every agency's line."""


@dataclass(slots=True)
class Participant:
    """Someone who joined from a phone."""

    id: str
    name: str
    perspective: str
    joined_at: datetime
    seq: int = 0
    """The event that brought them in: people are listed in the order they came."""
    proxy: bool = False
    """Added by the facilitator: someone without a phone, whose entries the facilitator
    makes (see `proxies`)."""

    def public(self, online: bool) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "perspective": self.perspective,
            "online": online,
        }
        if self.proxy:
            found["proxy"] = True
        return found


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
    signatures: dict[str, Signature] = field(default_factory=dict)
    spotlight: str | None = None
    """What the board focuses on: a statement target ("grid.mission"), "note:<id>", or None."""
    board: BoardView = field(default_factory=BoardView)
    """The board's page, listed circle, join panel and projector mode (app/domain/board.py)."""
    timer: Timer | None = None
    done: dict[str, set[str]] = field(default_factory=dict)
    """Phase id → participants who said "I'm done"."""
    options: Options = field(default_factory=Options)
    ratings: dict[Key, dict[str, str]] = field(default_factory=dict)
    """(phase id, item id) → participant id → option id."""
    apart: set[frozenset[str]] = field(default_factory=set)
    """Pairs of notes the facilitator said do not belong together (suggestions)."""
    votes: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """Phase id → participant id → the notes their dots are on (dot-voting)."""
    votes_revealed: set[str] = field(default_factory=set)
    """Vote phases whose dots the facilitator revealed."""

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

    @property
    def names_visible(self) -> bool:
        """Whether the board and other participants see names in the current phase."""
        return self.options.names_visible(self.phase)

    @property
    def current_timer(self) -> Timer | None:
        """The current phase's timer, if it has one."""
        found = self.timer
        return found if found is not None and found.phase == self.phase else None

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
        names = self.names_visible or viewer.is_facilitator
        people = []
        for p in self.participants.values():
            person = p.public(p.id in online_ids)
            if not names and p.id != viewer.participant_id:
                person["name"] = None
            people.append(person)
        current_timer = self.current_timer
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
                n.public(viewer)
                for n in self.notes.values()
                if not n.removed and n.shown_to(viewer)
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
            "statements": {
                target: item.public_for(viewer, hide_responses=self.options.hide_responses)
                for target, item in self.statements.items()
            },
            "spotlight": self.spotlight,
            "board": self.board.public(),
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
            "votes": _votes(self, viewer),
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
        if self.current_phase.traits.read_only:
            raise Conflict("room_closed", "This session has closed.")
        if len(self.participants) >= limits.participants:
            raise Conflict(
                "room_full", "This room is full ({limit} participants).", limit=limits.participants
            )
        participant = {"id": participant_id, "name": clean_name, "perspective": chosen.id}
        if self.names_visible:
            return [Draft("participant.joined", {"participant": participant}, actor=participant_id)]
        # Anonymous: the name goes to the person and the facilitator only (see events.redact).
        data = {"participant": participant, "facilitator_reads": True}
        return [Draft("participant.joined", data, actor=participant_id, private_to=participant_id)]

    def decide_phase(
        self, phase: object, *, actor: str = "facilitator", confirmed: bool = True
    ) -> list[Draft]:
        """Move the room to `phase`; a big step back (see `big_step_back`) needs
        `confirmed` (409 `confirm_needed` without it: nothing changes)."""
        if not isinstance(phase, str):
            raise Invalid("invalid_phase", "The phase must be a phase id.")
        target = self.workshop.phase(phase)
        if target.id == self.phase:
            return []
        if not confirmed and self.big_step_back(target.id):
            raise Conflict(
                "confirm_needed",
                "Going back to “{title}” changes every screen in the room: confirm it to go back.",
                title=target.title,
            )
        drafts = [Draft("phase.changed", {"phase": target.id, "previous": self.phase}, actor=actor)]
        entering = target.traits.on_enter
        if entering is not None:
            drafts += entering(self)
        return drafts

    def big_step_back(self, phase: str) -> bool:
        """Going back more than one step, or back from the document or the closed
        session: a stray key or click must not do it without asking."""
        here = self.workshop.phase_index(self.phase)
        there = self.workshop.phase_index(phase)
        return there < here - 1 or (there < here and self.current_phase.traits.shows_document)

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

    def ensure_open(self) -> None:
        """Refuse writes once the session has closed."""
        if self.current_phase.traits.read_only:
            raise Conflict(
                "room_closed", "This session has closed; it can be read but not changed."
            )

    # -------------------------------------------------------------------- apply
    def apply(self, event: Event) -> None:
        """Advance the state by one stored event (which must be the next in order)."""
        if event.seq != self.seq + 1:
            raise ValueError(f"room {self.code}: event {event.seq} applied at seq {self.seq}")
        registry.event_type(event.type).apply(self, event)
        self.seq = event.seq

    def apply_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.apply(event)


def _votes(room: Room, viewer: Viewer) -> dict[str, Any]:
    from app.domain import votes  # (a feature module: it declares its kind after the session's)

    return votes.public(room, viewer)


def _hide_name(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "participant": {**data["participant"], "name": None}}


@registry.event(
    "participant.joined",
    touches=lambda room, event: (Part("people", event.data["participant"]["id"]),),
    redact=_hide_name,
    names=True,
)
def _joined(room: Room, event: Event) -> None:
    data = event.data["participant"]
    room.participants[data["id"]] = Participant(
        id=data["id"],
        name=data["name"],
        perspective=data["perspective"],
        joined_at=event.at,
        seq=event.seq,
        proxy=bool(data.get("proxy", False)),
    )


@registry.event("phase.changed", touches=lambda room, event: (SCREEN,))
def _phase_changed(room: Room, event: Event) -> None:
    room.phase = event.data["phase"]
    room.timer = None  # a timer belongs to its phase
    room.spotlight = None  # and so does a spotlight: the next phase starts on the overview


@registry.event("room.locked", touches=lambda room, event: (Part("lock"),))
def _locked(room: Room, event: Event) -> None:
    room.locked = bool(event.data["locked"])


@registry.event(
    "participant.removed",
    touches=lambda room, event: (Part("people", event.data["participant_id"]),),
)
def _removed(room: Room, event: Event) -> None:
    participant_id = event.data["participant_id"]
    room.participants.pop(participant_id, None)
    room.removed.add(participant_id)
