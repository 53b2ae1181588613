"""The facilitator's undo for Post-its (beyond contract v1, extending it): the JSON API
and the control view's form posts, which call the same use cases."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from app.domain.codes import normalize_code
from app.domain.events import Viewer
from app.services import Service
from app.web.actions import Action, Submitted, act
from app.web.deps import FacilitatorDep, ServiceDep
from app.web.schemas import EditText

router = APIRouter(prefix="/api", tags=["api"])
forms = APIRouter(include_in_schema=False)


@router.post("/rooms/{code}/notes/{note_id}/unmerge")
async def unmerge_note(
    code: str, note_id: str, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    """A note merged into another goes back on the board, in its own circle."""
    return await service.unmerge_note(normalize_code(code), viewer, note_id)


@router.post("/rooms/{code}/notes/{note_id}/undo-move")
async def undo_move(
    code: str, note_id: str, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    """The note's last move is undone: back to the circle and place it came from."""
    return await service.undo_move(normalize_code(code), viewer, note_id)


@router.post("/rooms/{code}/notes/{note_id}/restore")
async def restore_note(
    code: str, note_id: str, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    """A note the facilitator removed comes back where it was."""
    return await service.restore_note(normalize_code(code), viewer, note_id)


@router.post("/rooms/{code}/notes/{note_id}/correct")
async def correct_note(
    code: str, note_id: str, body: EditText, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    """Fix a typo in a note's `text` (the log says the facilitator did; the note shows it)."""
    return await service.correct_note(normalize_code(code), viewer, note_id, body.text)


# ------------------------------------------------------------ the control view's forms
async def _unmerge(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.unmerge_note(code, viewer, form["note_id"])


async def _undo_move(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.undo_move(code, viewer, form["note_id"])


async def _restore(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.restore_note(code, viewer, form["note_id"])


async def _correct(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.correct_note(code, viewer, form["note_id"], form["text"])


def _form(name: str, action: Action) -> None:
    """The form post `/rooms/{code}/notes/{note_id}/<name>`, answered as every form is."""

    async def endpoint(code: str, request: Request, service: ServiceDep) -> Response:
        return await act(request, service, code, action)

    endpoint.__name__ = f"form_{name.replace('-', '_')}"
    path = "/rooms/{code}/notes/{note_id}/" + name
    forms.add_api_route(path, endpoint, methods=["POST"], response_model=None)


for _name, _action in (
    ("unmerge", _unmerge),
    ("undo-move", _undo_move),
    ("restore", _restore),
    ("correct", _correct),
):
    _form(_name, _action)
