"""The JSON API's request and response bodies (shared/api.md, contract v1).

Request fields are typed `Any` where the domain checks them: its rules give
the contract's error codes ("invalid_seconds"…), which pydantic's would not.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CreateRoom(Body):
    title: str
    workshop: str = "multi-agency-visioning"
    setting: str | None = None
    anonymous: bool = False
    moderated: bool = False
    language: str | None = None
    """The room's language (`cy`, `en`): its documents' default; else Accept-Language's."""


class DuplicateRoom(Body):
    title: str | None = None
    setting: str | None = None


class SetTimer(Body):
    action: Any = None
    seconds: Any = None
    lock: Any = False


class SetDone(Body):
    done: Any = True


class SetOptions(Body):
    anonymous: Any = None
    moderated: Any = None
    names_shown: Any = None
    hide_responses: Any = None


class RemoveJoinedAfter(Body):
    joined_after: Any = None
    lock: Any = False


class HoldNote(Body):
    held: Any = True


class Rate(Body):
    option: Any = None
    phase: Any = None


class RoomCreated(BaseModel):
    code: str
    facilitator_token: str
    join_url: str
    board_url: str
    facilitator_url: str


class JoinRoom(Body):
    name: str
    perspective: str


class JoinedRoom(BaseModel):
    participant_id: str
    token: str


class SetPhase(Body):
    phase: str
    confirm: bool | None = None
    """`false`: refuse a big step back (409 `confirm_needed`), as the control view does;
    absent or `true`: move as asked (contract v1)."""


class SetLock(Body):
    locked: bool


class SetSpotlight(Body):
    target: str | None = None


class SetBoard(Body):
    """What the board shows: any of a page turn (±n), a page (from 0), the circle whose
    notes it lists, the join panel's size, projector mode."""

    turn: Any = None
    page: Any = None
    notes: Any = None
    join: Any = None
    projector: Any = None


class NewText(Body):
    """A note or grid contribution; `id` (a UUID chosen by the client) makes retries safe."""

    id: uuid.UUID | None = None
    text: Any = None


class EditText(Body):
    text: Any = None


class MoveNote(Body):
    ring: Any = None


class MergeNote(Body):
    into: Any = None


class DraftStatement(Body):
    text: Any = None
    items: Any = None


class Respond(Body):
    stance: Any = None
    reason: Any = None


class Agree(Body):
    override_reason: Any = None


class NoteIds(Body):
    """Notes named together: a suggestion dismissed, a participant's dots."""

    note_ids: Any = None


class Votes(NoteIds):
    """A participant's whole allocation of dots (the facilitator names whose)."""

    participant_id: Any = None


class SignDocument(Body):
    """Optional: how the signatory wants to appear under the document."""

    role: Any = None
    organisation: Any = None
