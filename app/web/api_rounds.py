"""The JSON API of issue 18 (beyond contract v1, extending it): revealing responses,
grouping suggestions, dot-votes, and people without a phone."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.domain.codes import normalize_code
from app.web.deps import FacilitatorDep, ServiceDep, ViewerDep
from app.web.schemas import NoteIds, Votes

router = APIRouter(prefix="/api", tags=["api"])


@router.post("/rooms/{code}/statements/{target}/reveal")
async def reveal_responses(
    code: str, target: str, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    """Show the board and everyone the responses to `target` (when the room hides them)."""
    return await service.reveal_responses(normalize_code(code), viewer, target)


# ------------------------------------------------------- grouping suggestions
@router.get("/rooms/{code}/notes/suggestions")
async def suggestions(code: str, viewer: FacilitatorDep, service: ServiceDep) -> dict[str, Any]:
    """Notes that look alike, computed on this server (no outside service): `groups`
    (each note in at most one; merged, removed and held notes left out) and, for a
    large inner circle, broader `themes`. Nothing is merged: see `…/merge`."""
    return await service.suggestions(normalize_code(code), viewer)


@router.post("/rooms/{code}/notes/suggestions/dismiss")
async def dismiss_suggestion(
    code: str, body: NoteIds, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, list[str]]:
    """These notes are not alike: they are not suggested together again (room state)."""
    dismissed = await service.dismiss_suggestion(normalize_code(code), viewer, body.note_ids)
    return {"dismissed": dismissed}


# ------------------------------------------------------------------ dot-voting
@router.put("/rooms/{code}/votes")
async def vote(code: str, body: Votes, viewer: ViewerDep, service: ServiceDep) -> dict[str, Any]:
    """Set the caller's whole allocation of dots in the current vote phase (idempotent);
    the facilitator sets it for someone without a phone (`participant_id`)."""
    return await service.vote(normalize_code(code), viewer, body.note_ids, body.participant_id)


@router.post("/rooms/{code}/votes/reveal")
async def reveal_votes(code: str, viewer: FacilitatorDep, service: ServiceDep) -> dict[str, Any]:
    """Show where the dots went (voting closes): the notes in order of dots, by perspective."""
    return await service.reveal_votes(normalize_code(code), viewer)
