"""A property-based state machine over the room aggregate.

Hypothesis drives a "server" room through random sequences of commands (joins,
phase changes, notes, statements, the grid, signing, locking, removals). Every
command goes through the domain's `decide_*` rules; a refusal must leave the room
exactly as it was, and accepted drafts are numbered after `room.seq` and applied,
as the store does. After every step the invariants below must hold, and a client
rebuilding the room from the log (from the start, or from an earlier checkpoint)
must see exactly what the live room shows.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from app.domain import consent, document, grid, notes
from app.domain.errors import DomainError
from app.domain.events import FACILITATOR, Draft, Event, Viewer
from app.domain.room import Limits, Room
from app.domain.spotlight import decide_spotlight
from app.workshops import load_workshop
from tests.conftest import PHASES
from tests.domain.support import CREATED, state
from tests.support import WORKSHOP_FILE

WORKSHOP = load_workshop(WORKSHOP_FILE)
LIMITS = Limits(participants=5)
"""A small room, so the state machine reaches the participant limit."""

PERSPECTIVES = [p.id for p in WORKSHOP.perspectives]
ROWS = [row.key for row in WORKSHOP.grid_rows]
TARGETS = ["purpose", "goals", *(f"grid.{row}" for row in ROWS)]

AWKWARD = [
    "",
    "   ",
    "\n\t \r\n",
    "\u200b\u200b",  # zero-width spaces only
    "\x00\x07",  # control characters only
    "<b>bold</b> & <script>alert('x')</script>",
    "{{ 7*7 }} ${x} %s",
    "Robert'); DROP TABLE rooms;--",
    "Zoë Ærøskøbing 😀 مرحبا 你好",
    "e\u0301",  # decomposed é, cleaned to NFC
    "x" * 280,
    "x" * 281,
    " " + "y" * 280 + " ",
]
WORDS = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=60)
"""Mostly acceptable text, so the machine gets past validation into the interesting states."""
TEXTS = st.one_of(WORDS, st.sampled_from(AWKWARD), st.text(max_size=300))
NAMES = st.one_of(WORDS, st.sampled_from([*AWKWARD, "n" * 60, "n" * 61]), st.text(max_size=70))
PICK = st.integers(min_value=0, max_value=40)
"""An index into whatever exists right now (modulo its length): shrinks well."""
STRANGERS_FROM = 34
"""`PICK`s from here name someone not in the room (removed, or never joined)."""


def pick(options: list[str], index: int) -> str:
    return options[index % len(options)]


def stored(event: Event) -> Event:
    """The event as it comes back from the store: its data through JSON and back."""
    return Event(
        seq=event.seq,
        type=event.type,
        at=event.at,
        data=json.loads(json.dumps(event.data, ensure_ascii=False)),
        actor=event.actor,
        private_to=event.private_to,
    )


def fresh_room() -> Room:
    """A room as the service builds it before replaying the log."""
    return Room(
        code="K7P2QX",
        title="Oakfield partnership",
        setting="Oakfield Primary",
        workshop=WORKSHOP,
        created_at=CREATED,
        phase=WORKSHOP.first_phase.id,
    )


class RoomMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.room = fresh_room()
        self.log: list[Event] = []
        self.checkpoints: list[Room] = [copy.deepcopy(self.room)]
        self.joined = 0
        self.fresh_ids = 0

    # ------------------------------------------------------------ helpers
    def viewers(self) -> list[Viewer]:
        """The facilitator, every participant (current or removed) and a stranger."""
        ids = [*self.room.participants, *sorted(self.room.removed), "stranger"]
        return [FACILITATOR, *(Viewer("participant", pid) for pid in ids)]

    def snapshots(self, room: Room) -> list[dict[str, Any]]:
        return [room.snapshot(viewer) for viewer in self.viewers()]

    def person(self, index: int) -> str:
        """A current participant, usually; sometimes a removed one or a stranger."""
        if index < STRANGERS_FROM and self.room.participants:
            return pick(list(self.room.participants), index)
        return pick([*sorted(self.room.removed), "stranger"], index)

    def note_id(self, index: int) -> str:
        return pick([*self.room.notes, "no-such-note"], index)

    def target(self, index: int) -> str:
        """A statement that has a draft, usually; sometimes one without, or none at all."""
        return pick([*self.room.statements, "purpose", "grid.one-year", "grid.nope"], index)

    def new_id(self, prefix: str) -> str:
        self.fresh_ids += 1
        return f"{prefix}-{self.fresh_ids}"

    def attempt(self, decide: Callable[[], list[Draft]]) -> list[Event]:
        """Run a rule: refused or not, deciding must not change the room."""
        before, seen = state(self.room), self.snapshots(self.room)
        try:
            drafts = decide()
        except DomainError:
            assert state(self.room) == before, "a refused command changed the room"
            assert self.snapshots(self.room) == seen
            return []
        assert state(self.room) == before, "deciding changed the room before any event"
        return self.commit(drafts)

    def commit(self, drafts: list[Draft]) -> list[Event]:
        """Do what the store does: number the drafts after `room.seq`, then apply them."""
        events = [
            Event(
                seq=self.room.seq + offset,
                type=draft.type,
                at=CREATED + timedelta(seconds=self.room.seq + offset),
                data=draft.data,
                actor=draft.actor,
                private_to=draft.private_to,
            )
            for offset, draft in enumerate(drafts, start=1)
        ]
        for event in events:
            self.room.apply(event)
            self.log.append(event)
        if events:
            self.checkpoints.append(copy.deepcopy(self.room))
        return events

    def rebuilt(self, start: Room | None = None) -> Room:
        """A client's room: a checkpoint (or nothing), then the rest of the stored log."""
        client = copy.deepcopy(start) if start is not None else fresh_room()
        client.apply_all(stored(e) for e in self.log[client.seq :])
        return client

    def assert_same_view(self, client: Room) -> None:
        assert client.seq == self.room.seq
        for viewer in self.viewers():
            assert client.snapshot(viewer) == self.room.snapshot(viewer), viewer

    # -------------------------------------------------------------- rules
    @initialize(
        people=st.lists(st.tuples(WORDS, st.sampled_from(PERSPECTIVES)), min_size=1, max_size=4),
        written=st.lists(st.tuples(PICK, WORDS), max_size=8),
        drafted=st.lists(st.tuples(st.sampled_from(TARGETS), WORDS), max_size=3),
        phase=st.sampled_from(PHASES),
    )
    def warm_up(
        self,
        people: list[tuple[str, str]],
        written: list[tuple[int, str]],
        drafted: list[tuple[str, str]],
        phase: str,
    ) -> None:
        """Start somewhere realistic: people joined, notes written, drafts up, a phase under way."""
        for name, perspective in people:
            self.join(name, perspective)
        if written:
            self.change_phase("purpose-write")
            for who, text in written:
                self.add_note(who, text, None)
        self.change_phase(phase)
        for goal, text in drafted:
            self.draft_statement(goal, text, [text])

    @rule()
    def next_phase(self) -> None:
        """The facilitator's usual move: on to the next phase."""
        index = PHASES.index(self.room.phase)
        self.change_phase(PHASES[min(index + 1, len(PHASES) - 1)])

    @rule(name=NAMES, perspective=st.sampled_from([*PERSPECTIVES, "nurse", ""]))
    def join(self, name: str, perspective: str) -> None:
        self.joined += 1
        pid = f"p{self.joined}"
        self.attempt(
            lambda: self.room.decide_join(
                participant_id=pid, name=name, perspective=perspective, limits=LIMITS
            )
        )

    @rule(phase=st.sampled_from([*PHASES, "no-such-phase"]))
    def change_phase(self, phase: str) -> None:
        self.attempt(lambda: self.room.decide_phase(phase))

    @rule(who=PICK, text=TEXTS, reuse=st.none() | PICK)
    def add_note(self, who: int, text: str, reuse: int | None) -> None:
        author = self.person(who)
        note_id = self.new_id("n") if reuse is None else self.note_id(reuse)
        self.attempt(
            lambda: notes.decide_add(
                self.room, author_id=author, note_id=note_id, text=text, max_length=LIMITS.text
            )
        )

    @rule(who=PICK, note=PICK, text=TEXTS)
    def edit_note(self, who: int, note: int, text: str) -> None:
        viewer = Viewer("participant", self.person(who))
        note_id = self.note_id(note)
        self.attempt(
            lambda: notes.decide_edit(
                self.room, viewer=viewer, note_id=note_id, text=text, max_length=LIMITS.text
            )
        )

    @rule(
        who=st.none() | PICK, note=PICK, ring=st.sampled_from(["outer", "inner", "outer", "middle"])
    )
    def move_note(self, who: int | None, note: int, ring: str) -> None:
        viewer = FACILITATOR if who is None else Viewer("participant", self.person(who))
        note_id = self.note_id(note)
        self.attempt(
            lambda: notes.decide_move(self.room, viewer=viewer, note_id=note_id, ring=ring)
        )

    @rule(note=PICK, into=PICK)
    def merge(self, note: int, into: int) -> None:
        note_id, into_id = self.note_id(note), self.note_id(into)
        self.attempt(lambda: notes.decide_merge(self.room, note_id=note_id, into=into_id))

    @rule(who=st.none() | PICK, note=PICK)
    def remove_note(self, who: int | None, note: int) -> None:
        viewer = FACILITATOR if who is None else Viewer("participant", self.person(who))
        note_id = self.note_id(note)
        self.attempt(lambda: notes.decide_remove(self.room, viewer=viewer, note_id=note_id))

    @rule(
        goal=st.sampled_from([*TARGETS, "grid.no-such-row"]),
        text=TEXTS,
        items=st.lists(TEXTS, max_size=3) | st.just(["goal"] * (consent.MAX_GOALS + 1)),
    )
    def draft_statement(self, goal: str, text: str, items: list[str]) -> None:
        self.attempt(
            lambda: consent.decide_draft(
                self.room, target=goal, text=text, items=items, max_length=LIMITS.text
            )
        )

    @rule(
        goal=PICK,
        who=PICK,
        stance=st.sampled_from([*consent.STANCES, "maybe"]),
        reason=st.none() | TEXTS,
    )
    def respond(self, goal: int, who: int, stance: str, reason: str | None) -> None:
        pid, target = self.person(who), self.target(goal)
        self.attempt(
            lambda: consent.decide_respond(
                self.room,
                target=target,
                participant_id=pid,
                stance=stance,
                reason=reason,
                max_length=LIMITS.text,
            )
        )

    @rule(goal=PICK, override=st.none() | TEXTS)
    def agree(self, goal: int, override: str | None) -> None:
        target = self.target(goal)
        self.attempt(
            lambda: consent.decide_agree(
                self.room, target=target, override_reason=override, max_length=LIMITS.text
            )
        )

    @rule(goal=PICK, who=PICK, reason=WORDS, override=st.none() | TEXTS)
    def agree_over_an_objection(
        self, goal: int, who: int, reason: str, override: str | None
    ) -> None:
        """Someone objects, and the facilitator tries to agree straight away."""
        self.respond(goal, who, "object", reason)
        self.agree(goal, override)

    @rule(
        row=st.sampled_from([*ROWS, "no-such-row"]),
        who=PICK,
        text=TEXTS,
        reuse=st.none() | PICK,
    )
    def contribute(self, row: str, who: int, text: str, reuse: int | None) -> None:
        author = self.person(who)
        existing = [*self.room.contribution_ids, "c-none"]
        contribution_id = self.new_id("c") if reuse is None else pick(existing, reuse)
        self.attempt(
            lambda: grid.decide_contribute(
                self.room,
                row=row,
                author_id=author,
                contribution_id=contribution_id,
                text=text,
                max_length=LIMITS.text,
            )
        )

    @rule(who=PICK)
    def sign(self, who: int) -> None:
        pid = self.person(who)
        self.attempt(lambda: document.decide_sign(self.room, pid))

    @rule(locked=st.booleans())
    def lock(self, locked: bool) -> None:
        self.attempt(lambda: self.room.decide_lock(locked))

    @rule(focus=st.sampled_from([None, "", *TARGETS, "nowhere"]))
    def spotlight(self, focus: str | None) -> None:
        self.attempt(lambda: decide_spotlight(self.room, focus))

    @rule(who=PICK)
    def remove_participant(self, who: int) -> None:
        pid = self.person(who)
        self.attempt(lambda: self.room.decide_remove(pid))

    @precondition(lambda self: len(self.checkpoints) > 1)
    @rule(point=st.none() | PICK)
    def client_reconnects(self, point: int | None) -> None:
        """A client rebuilds the room from the log, from 0 or from an earlier checkpoint."""
        start = None if point is None else self.checkpoints[point % len(self.checkpoints)]
        self.assert_same_view(self.rebuilt(start))

    # --------------------------------------------------------- invariants
    @invariant()
    def log_is_gap_free(self) -> None:
        assert self.room.seq == len(self.log)
        assert [e.seq for e in self.log] == list(range(1, len(self.log) + 1))

    @invariant()
    def replay_rebuilds_the_room(self) -> None:
        client = self.rebuilt()
        assert state(client) == state(self.room)
        self.assert_same_view(client)

    @invariant()
    def notes_per_participant(self) -> None:
        kept = Counter(n.author_id for n in self.room.notes.values() if not n.removed)
        assert all(count <= WORKSHOP.notes_per_participant for count in kept.values()), kept

    @invariant()
    def unrevealed_notes_stay_private(self) -> None:
        hidden = {n.id: n for n in self.room.notes.values() if not n.revealed}
        for viewer in self.viewers():
            for shown in self.room.snapshot(viewer)["notes"]:
                note = hidden.get(shown["id"])
                if note is None or viewer.participant_id == note.author_id:
                    continue
                assert shown["text"] is None, (viewer, shown)
                assert shown["author_id"] is None, (viewer, shown)
        # …and the events a viewer receives do not give them away either.
        for event in self.log:
            items = event.data.get("notes", [event.data.get("note")])
            for item in items:
                note = hidden.get(item["id"]) if isinstance(item, dict) else None
                if note is None:
                    continue
                assert event.private_to == note.author_id, event
                for viewer in self.viewers():
                    if viewer.participant_id != note.author_id:
                        seen = event.for_viewer(viewer, names_visible=True)["data"]["note"]
                        assert seen["text"] is None, (viewer, event)

    @invariant()
    def no_agreement_over_a_standing_objection(self) -> None:
        for statement in self.room.statements.values():
            if statement.status != "agreed":
                continue
            assert statement.has_content
            standing = [p for p in statement.objections() if p in self.room.participants]
            if standing:
                assert statement.override_reason, statement

    @invariant()
    def room_size_is_limited(self) -> None:
        assert len(self.room.participants) <= LIMITS.participants
        assert not set(self.room.participants) & self.room.removed


RoomMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None, database=None
)
TestRoomStateMachine = RoomMachine.TestCase
