"""The JSON API of issue 18 (beyond contract v1, extending it): revealing responses,
grouping suggestions, dot-votes, and people without a phone."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request, Response

from app.domain.codes import normalize_code
from app.export import pdf
from app.web.deps import FacilitatorDep, ServiceDep, ViewerDep
from app.web.schemas import JoinedRoom, JoinRoom, NoteIds, Votes

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


# ------------------------------------------------------- people without a phone
@router.post("/rooms/{code}/participants", status_code=201)
async def add_participant(
    code: str, body: JoinRoom, viewer: FacilitatorDep, service: ServiceDep
) -> JoinedRoom:
    """Add someone without a phone (name, perspective). The token is for the
    facilitator's entries for them; each is logged as entered by the facilitator."""
    joined = await service.add_proxy(
        normalize_code(code), viewer, name=body.name, perspective=body.perspective
    )
    return JoinedRoom(participant_id=joined.participant_id, token=joined.token)


@router.get("/rooms/{code}/participants/{participant_id}/sheet.pdf")
async def proxy_sheet(
    code: str, participant_id: str, request: Request, viewer: FacilitatorDep, service: ServiceDep
) -> Response:
    """A printable sheet with the session's prompts, for someone to write on paper first."""
    room = await service.room(normalize_code(code))
    person = room.participant(participant_id)
    page = request.app.state.templates.render(
        "proxy_sheet.html",
        {
            "room": room,
            "person": person,
            "workshop": room.workshop,
            "perspective": room.workshop.perspective(person.perspective),
            "notes_limit": room.workshop.notes_per_participant
            if room.workshop.has_kind(private_notes=True)
            else 0,
        },
    )
    body = await to_thread.run_sync(pdf.render, page)
    name = f"sheet-{room.code}-{len(room.participants)}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type="application/pdf", headers=headers)
