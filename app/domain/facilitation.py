"""The facilitator's toolkit: a timer per phase, "I'm done", anonymity and moderation.

Each is a small piece of room state changed by one event type that carries
the whole new state (so `apply` only copies it and a replay cannot drift).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.domain import registry
from app.domain.errors import Conflict, Invalid
from app.domain.events import Draft, Event
from app.domain.options import Options
from app.domain.registry import SCREEN, Part

if TYPE_CHECKING:
    from app.domain.room import Room

MAX_TIMER_SECONDS = 4 * 60 * 60
TIMER_ACTIONS = ("start", "pause", "resume", "add", "clear")
EXTRA_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Timer:
    """A countdown for one phase: running (`ends_at`) or paused (`remaining`)."""

    phase: str
    seconds: int
    ends_at: datetime | None
    remaining: int | None
    lock: bool
    """Refuse new writing in this phase once time is up."""

    @property
    def running(self) -> bool:
        return self.ends_at is not None

    def left(self, now: datetime) -> int:
        """Whole seconds left (0 when up)."""
        if self.ends_at is not None:
            return max(0, int((self.ends_at - now).total_seconds() + 0.999))
        return self.remaining or 0

    def up(self, now: datetime) -> bool:
        return self.left(now) == 0

    def public(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "seconds": self.seconds,
            "ends_at": precise(self.ends_at) if self.ends_at else None,
            "remaining": self.remaining,
            "lock": self.lock,
        }


def precise(moment: datetime) -> str:
    """UTC with microseconds: a countdown must not end a second early."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def timer(room: Room) -> Timer | None:
    """The current phase's timer, if it has one."""
    return room.current_timer


def decide_timer(
    room: Room,
    action: object,
    *,
    seconds: object = None,
    lock: object = False,
    now: datetime | None = None,
) -> list[Draft]:
    """Start (seconds), pause, resume, add a minute, or clear the current phase's timer."""
    room.ensure_open()
    now = now or datetime.now(UTC)
    current = timer(room)
    if action not in TIMER_ACTIONS:
        raise Invalid("invalid_action", f"action must be one of {', '.join(TIMER_ACTIONS)}.")
    if action == "start":
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise Invalid("invalid_seconds", "seconds must be a whole number.")
        if not 1 <= seconds <= MAX_TIMER_SECONDS:
            raise Invalid("invalid_seconds", "A timer runs from 1 second to 4 hours.")
        if not isinstance(lock, bool):
            raise Invalid("invalid_lock", "lock must be true or false.")
        new = Timer(room.phase, seconds, now + timedelta(seconds=seconds), None, lock)
    elif action == "clear":
        if current is None:
            return []
        return [Draft("timer.changed", {"action": "clear", "timer": None}, actor="facilitator")]
    elif current is None:
        raise Conflict("no_timer", "There is no timer running in this phase; start one first.")
    elif action == "pause":
        if not current.running:
            return []
        new = Timer(current.phase, current.seconds, None, current.left(now), current.lock)
    elif action == "resume":
        if current.running:
            return []
        left = current.remaining or 0
        new = Timer(
            current.phase, current.seconds, now + timedelta(seconds=left), None, current.lock
        )
    else:  # add a minute
        if current.left(now) + EXTRA_SECONDS > MAX_TIMER_SECONDS:
            raise Invalid("invalid_seconds", "A timer runs for at most 4 hours.")
        seconds_ = current.seconds + EXTRA_SECONDS
        if current.running:
            base = max(current.ends_at or now, now)
            new = Timer(
                current.phase, seconds_, base + timedelta(seconds=EXTRA_SECONDS), None, current.lock
            )
        else:
            new = Timer(
                current.phase,
                seconds_,
                None,
                (current.remaining or 0) + EXTRA_SECONDS,
                current.lock,
            )
    return [Draft("timer.changed", {"action": action, "timer": new.public()}, actor="facilitator")]


def ensure_time_left(room: Room, now: datetime | None = None) -> None:
    """Refuse writing once a locking timer of the current phase is up."""
    current = timer(room)
    if current is not None and current.lock and current.up(now or datetime.now(UTC)):
        raise Conflict("time_up", "Time is up for this task: the facilitator closed writing.")


def decide_done(room: Room, *, participant_id: str, done: object) -> list[Draft]:
    """A participant says they have finished (or not yet) the current writing phase."""
    room.ensure_open()
    if not isinstance(done, bool):
        raise Invalid("invalid_done", "done must be true or false.")
    if not room.current_phase.traits.writing:
        raise Conflict("wrong_phase", "“I'm done” is for tasks people work on alone.")
    room.participant(participant_id)
    if (participant_id in room.done.get(room.phase, set())) == done:
        return []
    data = {"participant_id": participant_id, "phase": room.phase, "done": done}
    return [Draft("participant.done", data, actor=participant_id)]


def decide_options(
    room: Room,
    *,
    anonymous: object = None,
    moderated: object = None,
    names_shown: object = None,
    hide_responses: object = None,
    language: object = None,
) -> list[Draft]:
    """Change how the room treats names and notes; None leaves a setting as it is.
    `language` (a language code: which ones exist is the caller's to check)."""
    room.ensure_open()
    if language is not None and not is_language(language):
        raise Invalid("invalid_language", "language must be a language code, e.g. cy or en.")
    toggles = (
        ("anonymous", anonymous),
        ("moderated", moderated),
        ("hide_responses", hide_responses),
    )
    for name, value in toggles:
        if value is not None and not isinstance(value, bool):
            raise Invalid(f"invalid_{name}", "{name} must be true or false.", name=name)
    shown = list(room.options.names_shown)
    if names_shown is not None:
        if not isinstance(names_shown, bool):
            raise Invalid("invalid_names_shown", "names_shown must be true or false.")
        # Per phase: shows (or hides again) names in the current phase.
        shown = [p for p in shown if p != room.phase] + ([room.phase] if names_shown else [])
    new = Options(
        anonymous=room.options.anonymous if anonymous is None else bool(anonymous),
        moderated=room.options.moderated if moderated is None else bool(moderated),
        names_shown=tuple(shown),
        hide_responses=(
            room.options.hide_responses if hide_responses is None else bool(hide_responses)
        ),
        language=room.options.language if language is None else str(language),
    )
    if new == room.options:
        return []
    return [Draft("options.changed", new.public(), actor="facilitator")]


def decide_remove_joined_after(
    room: Room, joined_after: object, *, lock: object = False
) -> list[Draft]:
    """The way out of a room filled from the projector's code: remove everyone who
    joined after a moment (and, with `lock`, let nobody new in), in one decision."""
    room.ensure_open()
    if isinstance(joined_after, str):
        try:
            joined_after = datetime.fromisoformat(joined_after.replace("Z", "+00:00"))
        except ValueError:
            joined_after = None
    if not isinstance(joined_after, datetime):
        raise Invalid("invalid_joined_after", "joined_after must be a time (ISO 8601).")
    if joined_after.tzinfo is None:
        joined_after = joined_after.replace(tzinfo=UTC)
    if not isinstance(lock, bool):
        raise Invalid("invalid_lock", "lock must be true or false.")
    drafts = room.decide_lock(True) if lock else []
    for person in list(room.participants.values()):
        if person.joined_at > joined_after:
            drafts += room.decide_remove(person.id)
    return drafts


def names_visible(room: Room) -> bool:
    """Whether the board and other participants see names in the current phase."""
    return room.names_visible


# ---------------------------------------------------------------- events
@registry.event("timer.changed", touches=lambda room, event: (Part("timer"),))
def _timer(room: Room, event: Event) -> None:
    data = event.data["timer"]
    if data is None:
        room.timer = None
        return
    ends_at = data["ends_at"]
    room.timer = Timer(
        data["phase"],
        data["seconds"],
        datetime.fromisoformat(ends_at) if ends_at else None,
        data["remaining"],
        data["lock"],
    )


@registry.event(
    "participant.done",
    touches=lambda room, event: (
        Part("done", event.data["participant_id"], only=event.data["participant_id"]),
    ),
)
def _done(room: Room, event: Event) -> None:
    data = event.data
    people = room.done.setdefault(data["phase"], set())
    if data["done"]:
        people.add(data["participant_id"])
    else:
        people.discard(data["participant_id"])


LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


def is_language(value: object) -> bool:
    """A language code's shape (`cy`, `en`, `pt-BR`), nothing more."""
    return (
        isinstance(value, str)
        and re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", value) is not None
    )


@registry.event("options.changed", touches=lambda room, event: (SCREEN,))
def _options(room: Room, event: Event) -> None:
    data = event.data
    room.options = Options(
        data["anonymous"],
        data["moderated"],
        tuple(data["names_shown"]),
        bool(data.get("hide_responses", False)),  # (not in events written before it existed)
        data["language"] if is_language(data.get("language")) else "en",  # (likewise)
    )
