"""The public JSON API (shared/api.md, contract v1)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

from app.domain.codes import normalize_code
from app.web.deps import FacilitatorDep, ServiceDep, SettingsDep, ViewerDep
from app.web.errors import ApiError

router = APIRouter(prefix="/api", tags=["api"])


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CreateRoom(Body):
    title: str
    workshop: str = "multi-agency-visioning"
    setting: str | None = None


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


class SetLock(Body):
    locked: bool


def base_url(request: Request, public_url: str | None) -> str:
    """Where phones reach this server: PUBLIC_URL, or the URL this request came in on."""
    return (public_url or str(request.base_url)).rstrip("/")


def check_passcode(settings: Any, given: str | None) -> None:
    expected = settings.facilitator_passcode
    if expected is None:
        return
    if not given or not secrets.compare_digest(given, expected.get_secret_value()):
        raise ApiError(401, "passcode_required", "A valid facilitator passcode is needed.")


@router.get("/workshops")
async def list_workshops(service: ServiceDep) -> list[dict[str, Any]]:
    return [
        {
            "id": w.id,
            "title": w.title,
            "description": w.description,
            "phases": [{"id": p.id, "title": p.title, "kind": p.kind} for p in w.phases],
            "perspectives": [{"id": p.id, "label": p.label} for p in w.perspectives],
            "grid_rows": [{"key": r.key, "prompt": r.prompt} for r in w.grid_rows],
            "notes_per_participant": w.notes_per_participant,
        }
        for w in service.workshops.values()
    ]


@router.post("/rooms", status_code=201)
async def create_room(
    body: CreateRoom, request: Request, service: ServiceDep, settings: SettingsDep
) -> RoomCreated:
    check_passcode(settings, request.headers.get("x-facilitator-passcode"))
    created = await service.create_room(
        title=body.title, setting=body.setting, workshop_id=body.workshop
    )
    base = base_url(request, settings.public_url)
    return RoomCreated(
        code=created.code,
        facilitator_token=created.facilitator_token,
        join_url=f"{base}/j/{created.code}",
        board_url=f"{base}/rooms/{created.code}/board",
        facilitator_url=f"{base}/rooms/{created.code}/control",
    )


@router.get("/rooms/{code}")
async def get_room(code: str, viewer: ViewerDep, service: ServiceDep) -> dict[str, Any]:
    return await service.snapshot(normalize_code(code), viewer)


@router.post("/rooms/{code}/join", status_code=201)
async def join_room(code: str, body: JoinRoom, service: ServiceDep) -> JoinedRoom:
    joined = await service.join(normalize_code(code), name=body.name, perspective=body.perspective)
    return JoinedRoom(participant_id=joined.participant_id, token=joined.token)


@router.post("/rooms/{code}/phase")
async def set_phase(
    code: str, body: SetPhase, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    code = normalize_code(code)
    await service.set_phase(code, viewer, body.phase)
    return await service.snapshot(code, viewer)


@router.post("/rooms/{code}/lock")
async def set_lock(
    code: str, body: SetLock, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, bool]:
    room = await service.set_locked(normalize_code(code), viewer, body.locked)
    return {"locked": room.locked}


@router.delete("/rooms/{code}/participants/{participant_id}", status_code=204)
async def remove_participant(
    code: str, participant_id: str, viewer: FacilitatorDep, service: ServiceDep
) -> Response:
    await service.remove_participant(normalize_code(code), viewer, participant_id)
    return Response(status_code=204)


@router.get("/rooms/{code}/archive")
async def archive(code: str, viewer: FacilitatorDep, service: ServiceDep) -> Response:
    code = normalize_code(code)
    data = await service.archive(code, viewer)
    from fastapi.responses import JSONResponse

    return JSONResponse(
        data,
        headers={"Content-Disposition": f'attachment; filename="common-ground-{code}.json"'},
    )


@router.delete("/rooms/{code}", status_code=204)
async def delete_room(code: str, viewer: FacilitatorDep, service: ServiceDep) -> Response:
    await service.delete_room(normalize_code(code), viewer)
    return Response(status_code=204)
