"""Dependencies: the service, settings, and who the caller is (in one place)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from app.config import Settings
from app.domain.codes import normalize_code
from app.domain.events import Viewer
from app.services import Service
from app.web.errors import ApiError

COOKIE_PREFIX = "cg_"


def cookie_name(code: str) -> str:
    """Browsers keep one token per room, so one person can be in several rooms."""
    return f"{COOKIE_PREFIX}{code}"


def get_service(conn: HTTPConnection) -> Service:
    service: Service = conn.app.state.service
    return service


def get_settings(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.settings
    return settings


def bearer_of(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer …` header ("" for an empty one); None when
    the header is absent or uses another scheme (Basic, from an auth proxy)."""
    scheme, _, value = authorization.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def presented_token(conn: HTTPConnection, code: str) -> str | None:
    """The Bearer token of an API client, or else the browser's cookie for this room.

    A request that sends Bearer is never read for a cookie (the same-origin check
    exempts exactly those requests: a cookie riding along must not count)."""
    token = bearer_of(conn.headers.get("authorization", ""))
    if token is not None:
        return token or None
    return conn.cookies.get(cookie_name(code))


async def optional_viewer(conn: HTTPConnection, code: str) -> Viewer | None:
    service = get_service(conn)
    return await service.viewer(normalize_code(code), presented_token(conn, normalize_code(code)))


async def current_viewer(request: Request, code: str) -> Viewer:
    """The caller's role in room `code`; 404 for an unknown room, 401 without a valid token."""
    code = normalize_code(code)
    service = get_service(request)
    await service.room(code)
    token = presented_token(request, code)
    if not token:
        raise ApiError(401, "unauthorized", "Sign in to this room first (no token was sent).")
    viewer = await service.viewer(code, token)
    if viewer is None:
        raise ApiError(401, "unauthorized", "This token is not valid for this room.")
    return viewer


async def current_facilitator(viewer: Annotated[Viewer, Depends(current_viewer)]) -> Viewer:
    if not viewer.is_facilitator:
        raise ApiError(403, "facilitator_only", "Only the facilitator can do that.")
    return viewer


async def current_participant(viewer: Annotated[Viewer, Depends(current_viewer)]) -> Viewer:
    if viewer.participant_id is None:
        raise ApiError(403, "participant_only", "Only participants can do that.")
    return viewer


ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ViewerDep = Annotated[Viewer, Depends(current_viewer)]
FacilitatorDep = Annotated[Viewer, Depends(current_facilitator)]
ParticipantDep = Annotated[Viewer, Depends(current_participant)]
