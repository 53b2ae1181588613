"""Agreeing a statement: draft, responses (agree / reservations / object), agree.

One mechanism for every target: Task 1.1's `purpose` and `goals`, and each
row's overall agreed statement in Table 1.3 (`grid.<row>`). Editing a draft
clears earlier responses; agreeing over a standing objection needs a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.domain import registry
from app.domain.errors import Conflict, Invalid, NotFound
from app.domain.events import Draft, Event, Viewer
from app.domain.registry import Part, PhaseKind
from app.domain.text import clean_text

if TYPE_CHECKING:
    from app.domain.room import Room
    from app.domain.workshop import Workshop

STANCES = ("agree", "reservations", "object")
MAX_GOALS = 20


@dataclass(slots=True)
class Response:
    stance: str
    reason: str | None
    at: datetime


@dataclass(slots=True)
class Statement:
    """A draft or agreed statement for one target."""

    target: str
    text: str | None = None
    items: list[str] | None = None
    status: str = "draft"
    responses: dict[str, Response] = field(default_factory=dict)
    override_reason: str | None = None
    agreed_at: datetime | None = None
    version: int = 0
    revealed: bool = False
    """The facilitator revealed its responses (in a room that hides them until then)."""

    def public(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "text": self.text,
            "items": list(self.items) if self.items is not None else None,
            "status": self.status,
            "version": self.version,
            "responses": [
                {"participant_id": pid, "stance": r.stance, "reason": r.reason}
                for pid, r in self.responses.items()
            ],
            "override_reason": self.override_reason,
            "revealed": self.revealed,
        }

    def hidden(self, hide_responses: bool) -> bool:
        """Whether its responses are counted, not shown, to all but the facilitator and
        each responder (the room hides them, and they are neither revealed nor agreed)."""
        return hide_responses and not self.revealed and self.status != "agreed"

    def public_for(self, viewer: Viewer, *, hide_responses: bool) -> dict[str, Any]:
        """As `public`, with others' responses left out while they are hidden from `viewer`."""
        data = self.public()
        data["hidden"] = self.hidden(hide_responses)
        data["responded"] = len(self.responses)
        if data["hidden"] and not viewer.is_facilitator:
            mine = viewer.participant_id
            data["responses"] = [r for r in data["responses"] if r["participant_id"] == mine]
        return data

    @property
    def has_content(self) -> bool:
        return bool(self.text) or bool(self.items)

    def objections(self) -> list[str]:
        return [pid for pid, r in self.responses.items() if r.stance == "object"]


def targets_of(workshop: Workshop) -> list[str]:
    """Every statement a workshop can agree, in document order."""
    return ["purpose", "goals", *(f"grid.{row.key}" for row in workshop.grid_rows)]


def targets(room: Room) -> list[str]:
    """Every statement a room can agree, in document order."""
    return targets_of(room.workshop)


def _check_targets(fields: Mapping[str, Any]) -> None:
    for target in fields.get("targets", ()):
        if not isinstance(target, str) or not target:
            raise ValueError("targets must be statement targets (purpose, goals, grid.<row>)")


AGREE = registry.phase_kind(
    PhaseKind(
        "agree",
        discusses_notes=True,
        discusses_rows=True,
        personal_phone=True,
        fields=("targets",),
        check=_check_targets,
    )
)


def check_target(room: Room, target: str) -> None:
    if target not in targets(room):
        raise NotFound(
            "target_not_found", "There is no statement “{target}” in this workshop.", target=target
        )


def statement(room: Room, target: str) -> Statement:
    check_target(room, target)
    found = room.statements.get(target)
    if found is None or not found.has_content:
        raise Conflict("no_draft", "There is no draft for this statement yet.")
    return found


def decide_draft(
    room: Room, *, target: str, text: object = None, items: object = None, max_length: int
) -> list[Draft]:
    """The facilitator writes (or rewrites) the draft; earlier responses are cleared."""
    room.ensure_open()
    check_target(room, target)
    clean_text_value: str | None = None
    clean_items: list[str] | None = None
    if target == "goals":  # a list; every other statement is one text
        if not isinstance(items, list) or not items:
            raise Invalid("invalid_items", "Give the goals as a list of one or more items.")
        if len(items) > MAX_GOALS:
            raise Invalid("invalid_items", "At most {limit} goals.", limit=MAX_GOALS)
        clean_items = [clean_text(i, field="goal", max_length=max_length) for i in items]
    else:
        clean_text_value = clean_text(text, field="text", max_length=max_length)
    current = room.statements.get(target)
    if (
        current is not None
        and current.text == clean_text_value
        and current.items == clean_items
        and current.status == "draft"
    ):
        return []
    data = {
        "target": target,
        "text": clean_text_value,
        "items": clean_items,
        "status": "draft",
        "version": (current.version if current else 0) + 1,
        "responses": [],
        "override_reason": None,
    }
    return [Draft("statement.updated", {"statement": data}, actor="facilitator")]


def decide_respond(
    room: Room, *, target: str, participant_id: str, stance: object, reason: object, max_length: int
) -> list[Draft]:
    """A participant agrees, has reservations, or objects (with a reason)."""
    room.ensure_open()
    room.participant(participant_id)
    current = statement(room, target)
    if current.status == "agreed":
        raise Conflict("already_agreed", "This statement has already been agreed.")
    if stance not in STANCES:
        raise Invalid("invalid_stance", "stance must be agree, reservations or object.")
    clean_reason: str | None = None
    if reason is not None and not (isinstance(reason, str) and not reason.strip()):
        clean_reason = clean_text(reason, field="reason", max_length=max_length)
    if stance == "object" and clean_reason is None:
        raise Invalid("invalid_reason", "Please say why you object, so the group can respond.")
    previous = current.responses.get(participant_id)
    if previous is not None and previous.stance == stance and previous.reason == clean_reason:
        return []
    data: dict[str, Any] = {
        "target": target,
        "participant_id": participant_id,
        "stance": stance,
        "reason": clean_reason,
    }
    if current.hidden(room.options.hide_responses):  # others learn that, not what
        data["facilitator_reads"] = True
        return [Draft("response.set", data, actor=participant_id, private_to=participant_id)]
    return [Draft("response.set", data, actor=participant_id)]


def decide_agree(
    room: Room, *, target: str, override_reason: object, max_length: int
) -> list[Draft]:
    """The facilitator marks the statement agreed; over an objection only with a reason."""
    room.ensure_open()
    current = statement(room, target)
    clean_override: str | None = None
    if isinstance(override_reason, str) and override_reason.strip():
        clean_override = clean_text(override_reason, field="override_reason", max_length=max_length)
    elif override_reason is not None and not isinstance(override_reason, str):
        raise Invalid("invalid_override_reason", "override_reason must be text.")
    objections = [pid for pid in current.objections() if pid in room.participants]
    if objections and clean_override is None:
        raise Conflict(
            "objection_stands",
            "{count} objection(s) stand. Record an override reason to agree anyway.",
            count=len(objections),
        )
    kept_override = clean_override if objections else None
    if current.status == "agreed" and kept_override == current.override_reason:
        return []
    data = {
        **current.public(),
        "status": "agreed",
        "override_reason": kept_override,
    }
    return [Draft("statement.agreed", {"statement": data}, actor="facilitator")]


# ---------------------------------------------------------------- events
def _statement_parts(room: Room, event: Event) -> tuple[Part, ...]:
    target = event.data["statement"]["target"]
    return (Part("statement", target), Part("tally", target))


@registry.event("statement.updated", touches=_statement_parts)
def _updated(room: Room, event: Event) -> None:
    data = event.data["statement"]
    room.statements[data["target"]] = Statement(
        target=data["target"], text=data["text"], items=data["items"], version=data["version"]
    )


def _hide_stance(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "stance": None, "reason": None}


@registry.event(
    "response.set",
    redact=_hide_stance,
    touches=lambda room, event: (
        Part("tally", event.data["target"]),
        Part("response", event.data["target"], only=event.data["participant_id"]),
    ),
)
def _response(room: Room, event: Event) -> None:
    data = event.data
    room.statements[data["target"]].responses[data["participant_id"]] = Response(
        data["stance"], data["reason"], event.at
    )


@registry.event("statement.agreed", touches=_statement_parts)
def _agreed(room: Room, event: Event) -> None:
    data = event.data["statement"]
    current = room.statements[data["target"]]
    current.status = "agreed"
    current.override_reason = data["override_reason"]
    current.agreed_at = event.at
