"""HTML pages: home, join, phone, board and control, plus their form posts.

Forms work without JavaScript (post, then redirect); with htmx they post in
the background and the page updates over its websocket. Refused input
re-shows the form with the message and what was typed.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from app.config import Settings
from app.domain.codes import normalize_code
from app.domain.errors import DomainError
from app.domain.events import Viewer
from app.domain.room import Room
from app.i18n import N_
from app.ratelimit import RateLimited
from app.services import Service
from app.startup import unreachable_join
from app.web.api import base_url
from app.web.deps import ServiceDep, SettingsDep, cookie_name, optional_viewer, presented_token
from app.web.edge import client_key
from app.web.errors import STATUS, say
from app.web.language import page_locale, room_language
from app.web.translated import room_in, workshop_in
from app.web.views import PAGES, room_context

router = APIRouter(include_in_schema=False)
MAX_FORM_FIELD = 2000


def _templates(request: Request) -> Any:
    return request.app.state.templates


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value[:MAX_FORM_FIELD] if isinstance(value, str) else ""


def _set_token_cookie(
    request: Request, response: Response, settings: Settings, code: str, token: str
) -> None:
    secure = settings.cookie_secure
    if secure is None:  # automatic: Secure whenever the page was served over HTTPS
        secure = request.url.scheme == "https"
    response.set_cookie(
        cookie_name(code),
        token,
        max_age=60 * 60 * 24 * 30,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def error_page(request: Request, status: int, heading: str, message: str) -> HTMLResponse:
    """An error as a page, in the reader's language (`heading` and `message` are
    catalogue messages, or already translated)."""
    locale = page_locale(request)
    context = {"heading": locale.gettext(heading), "message": locale.gettext(message)}
    return _templates(request).page(  # type: ignore[no-any-return]
        request, "error.html", context, status_code=status
    )


# -------------------------------------------------------------------- home
def _home(
    request: Request,
    service: Service,
    settings: Settings,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    code = page_locale(request).code
    return _templates(request).page(  # type: ignore[no-any-return]
        request,
        "home.html",
        {
            "workshops": [workshop_in(w, code) for w in service.workshops.values()],
            "values": values or {},
            "errors": errors or {},
            "limits": service.limits,
            "passcode_required": settings.facilitator_passcode is not None,
        },
        status_code=status,
    )


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, service: ServiceDep, settings: SettingsDep) -> HTMLResponse:
    return _home(request, service, settings)


@router.post("/rooms", response_model=None)
async def create_room_form(
    request: Request, service: ServiceDep, settings: SettingsDep
) -> Response:
    form = await request.form()
    values = {k: _field(form, k) for k in ("title", "setting", "workshop")}
    expected = settings.facilitator_passcode
    if expected is not None and not secrets.compare_digest(
        _field(form, "passcode").encode(), expected.get_secret_value().encode()
    ):
        errors = {"passcode": say(request, N_("That passcode is not right."))}
        return _home(request, service, settings, values=values, errors=errors, status=401)
    try:
        created = await service.create_room(
            title=values["title"],
            setting=values["setting"],
            workshop_id=values["workshop"],
            anonymous=_field(form, "anonymous") == "true",
            moderated=_field(form, "moderated") == "true",
            language=room_language(page_locale(request)),
        )
    except DomainError as exc:
        field = exc.code.removeprefix("invalid_")
        errors = {field if field in values else "form": say(request, exc.template, **exc.params)}
        return _home(
            request, service, settings, values=values, errors=errors, status=STATUS[exc.kind]
        )
    response = RedirectResponse(f"/rooms/{created.code}/control", status_code=303)
    _set_token_cookie(request, response, settings, created.code, created.facilitator_token)
    return response


# -------------------------------------------------------------------- join
def _join_page(
    request: Request,
    service: Service,
    *,
    room: Room | None,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    workshop = room.workshop if room else next(iter(service.workshops.values()))
    workshop = workshop_in(workshop, page_locale(request).code)
    return _templates(request).page(  # type: ignore[no-any-return]
        request,
        "join.html",
        {
            "room": room,
            "values": values,
            "errors": errors or {},
            "perspectives": workshop.perspectives,
            "limits": service.limits,
        },
        status_code=status,
    )


@router.get("/join", response_class=HTMLResponse)
async def join_page(request: Request, service: ServiceDep, code: str = "") -> HTMLResponse:
    room = await service.find_room(code) if code else None
    values = {"code": room.code if room else normalize_code(code)[:12]}
    if code and not room:
        errors = {"code": say(request, N_("We could not find a room with that code."))}
        return _join_page(request, service, room=None, values=values, errors=errors, status=404)
    return _join_page(request, service, room=room, values=values)


@router.get("/j/{code}", include_in_schema=False)
async def short_join(code: str) -> RedirectResponse:
    return RedirectResponse(f"/join?code={quote(normalize_code(code)[:12])}", status_code=303)


@router.post("/join", response_model=None)
async def join_form(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    form = await request.form()
    values = {k: _field(form, k) for k in ("code", "name", "perspective")}
    room = await service.find_room(values["code"])
    if room is None:
        errors = {
            "code": say(
                request, N_("We could not find a room with that code. Check the big screen.")
            )
        }
        return _join_page(request, service, room=None, values=values, errors=errors, status=404)
    values["code"] = room.code
    try:
        joined = await service.join(
            room.code,
            name=values["name"],
            perspective=values["perspective"],
            source=client_key(request.scope),
        )
    except DomainError as exc:
        field = exc.code.removeprefix("invalid_")
        errors = {field if field in values else "form": say(request, exc.template, **exc.params)}
        return _join_page(
            request, service, room=room, values=values, errors=errors, status=STATUS[exc.kind]
        )
    except RateLimited as exc:
        page = _join_page(
            request,
            service,
            room=room,
            values=values,
            errors={"form": say(request, exc.message)},
            status=429,
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse(f"/rooms/{room.code}/phone", status_code=303)
    _set_token_cookie(request, response, settings, room.code, joined.token)
    return response


# ------------------------------------------------------------------ screens
async def _room_and_viewer(
    request: Request, service: Service, code: str
) -> tuple[Room | None, Viewer | None]:
    room = await service.find_room(code)
    if room is None:
        return None, None
    return room, await optional_viewer(request, room.code)


def _not_found(request: Request) -> HTMLResponse:
    return error_page(
        request,
        404,
        N_("Room not found"),
        N_("There is no room with that code. It may have been deleted, or the code was mistyped."),
    )


def _removed_page(request: Request) -> HTMLResponse:
    """A removed phone reloading its page is told why (as its live page was, 4403)."""
    return error_page(
        request,
        403,
        N_("You were removed from this room by the facilitator"),
        N_(
            "This phone no longer takes part. If that was a mistake, ask the facilitator "
            "to let you join again."
        ),
    )


async def _screen(
    request: Request, service: Service, settings: Settings, code: str, page: str
) -> Response:
    room, viewer = await _room_and_viewer(request, service, code)
    if room is None:
        return _not_found(request)
    if page == "phone":
        token = presented_token(request, room.code)
        if viewer is None and await service.was_removed(room.code, token):
            return _removed_page(request)
        if viewer is None or viewer.participant_id is None:
            return RedirectResponse(f"/join?code={room.code}", status_code=303)
        me = room.participants.get(viewer.participant_id)
        if me is None:
            return RedirectResponse(f"/join?code={room.code}", status_code=303)
    else:
        me = None
        if viewer is None or not viewer.is_facilitator:
            return error_page(
                request,
                403,
                N_("This screen is for the facilitator"),
                N_("Open it from the browser that created the room. Participants join at /join."),
            )
    base = base_url(request, settings.public_url)
    context = room_context(room_in(room, page_locale(request).code), service.online(room.code), me)
    context["join_url"] = f"{base}/j/{room.code}"
    context["join_host"] = urlsplit(base).netloc
    # Without PUBLIC_URL, a board opened on 127.0.0.1 would show a QR code no phone can
    # use: it warns instead. (A PUBLIC_URL set by the operator is trusted.)
    context["join_unreachable"] = not settings.public_url and unreachable_join(base)
    return _templates(request).page(request, PAGES[page][0], context)  # type: ignore[no-any-return]


@router.get("/rooms/{code}/board", response_model=None)
async def board(
    code: str, request: Request, service: ServiceDep, settings: SettingsDep
) -> Response:
    return await _screen(request, service, settings, code, "board")


@router.get("/rooms/{code}/control", response_model=None)
async def control(
    code: str, request: Request, service: ServiceDep, settings: SettingsDep
) -> Response:
    return await _screen(request, service, settings, code, "control")


@router.get("/rooms/{code}/phone", response_model=None)
async def phone(
    code: str, request: Request, service: ServiceDep, settings: SettingsDep
) -> Response:
    return await _screen(request, service, settings, code, "phone")


@router.get("/rooms/{code}/suggestions/themes", response_model=None)
async def suggested_themes(code: str, request: Request, service: ServiceDep) -> Response:
    """The control view's suggested themes, listed when the facilitator opens them (they
    shift a little with every note: they are not pushed live; the groups are)."""
    room, viewer = await _room_and_viewer(request, service, code)
    if room is None or viewer is None or not viewer.is_facilitator:
        return HTMLResponse("", status_code=403)
    try:
        found = await service.suggestions(room.code, viewer)
    except DomainError:
        found = {"themes": []}
    context = {"themes": found["themes"], "i18n": page_locale(request)}
    html = _templates(request).render("parts/control_suggestion_theme.html", context)
    return HTMLResponse(html)


@router.get("/rooms/{code}", response_model=None)
async def room_home(code: str, request: Request, service: ServiceDep) -> Response:
    room, viewer = await _room_and_viewer(request, service, code)
    if room is None:
        return _not_found(request)
    if viewer is not None and viewer.is_facilitator:
        return RedirectResponse(f"/rooms/{room.code}/control", status_code=303)
    if viewer is not None:
        return RedirectResponse(f"/rooms/{room.code}/phone", status_code=303)
    return RedirectResponse(f"/join?code={room.code}", status_code=303)


@router.post("/rooms/{code}/duplicate", response_model=None)
async def duplicate_room(
    code: str, request: Request, service: ServiceDep, settings: SettingsDep
) -> Response:
    """The same setup (workshop, options) for the next school: a new room, its control view."""
    room = await service.find_room(code)
    if room is None:
        return _not_found(request)
    viewer = await optional_viewer(request, room.code)
    if viewer is None or not viewer.is_facilitator:
        return error_page(
            request, 403, N_("Facilitator only"), N_("Only the facilitator can do that.")
        )
    form = await request.form()
    title, setting = _field(form, "title"), _field(form, "setting")
    try:
        created = await service.duplicate_room(
            room.code, viewer, title=title or None, setting=setting or None
        )
    except DomainError as exc:
        return error_page(
            request,
            STATUS[exc.kind],
            N_("That did not work"),
            say(request, exc.template, **exc.params),
        )
    response = RedirectResponse(f"/rooms/{created.code}/control", status_code=303)
    _set_token_cookie(request, response, settings, created.code, created.facilitator_token)
    return response


# ------------------------------------------------------ facilitator sign-in
@router.get("/rooms/{code}/facilitate", response_class=HTMLResponse)
async def facilitate_page(code: str, request: Request, service: ServiceDep) -> HTMLResponse:
    """Sign in as the facilitator with the room's token (another laptop, or an imported room)."""
    room = await service.find_room(code)
    if room is None:
        return _not_found(request)
    return _templates(request).page(  # type: ignore[no-any-return]
        request, "facilitate.html", {"room": room, "errors": {}}
    )


@router.post("/rooms/{code}/facilitate", response_model=None)
async def facilitate(
    code: str, request: Request, service: ServiceDep, settings: SettingsDep
) -> Response:
    room = await service.find_room(code)
    if room is None:
        return _not_found(request)
    key = _field(await request.form(), "key").strip()
    viewer = await service.viewer(room.code, key)
    if viewer is None or not viewer.is_facilitator:
        errors = {"key": say(request, N_("That is not this room's facilitator token."))}
        return _templates(request).page(  # type: ignore[no-any-return]
            request, "facilitate.html", {"room": room, "errors": errors}, status_code=401
        )
    response = RedirectResponse(f"/rooms/{room.code}/control", status_code=303)
    _set_token_cookie(request, response, settings, room.code, key)
    return response
