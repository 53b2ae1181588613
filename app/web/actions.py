"""Form posts from the live pages (htmx, or plain forms without JavaScript).

Each action calls the same service function as the JSON API. With htmx the
response is what the post changed on the caller's page, as the live channel
sends it (keyed elements, marked `X-Live: keyed`, which app.js puts in place;
whole blocks, swapped out of band, when the screen changed), so the page is
right even before the websocket pushes; a refusal answers with the contract's
JSON error (shown as a toast, the typed text stays in the form). Without
htmx it redirects back to the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from app.domain.board import MAX_PAGE
from app.domain.errors import DomainError, Invalid
from app.domain.events import Viewer
from app.domain.registry import SCREEN
from app.i18n import N_
from app.ratelimit import RateLimited
from app.realtime.connection import Connection
from app.realtime.updates import touched
from app.services import Service
from app.web.deps import ServiceDep, optional_viewer
from app.web.errors import STATUS, error_response, rate_limited, say
from app.web.language import page_locale
from app.web.pages import error_page
from app.web.renderer import HtmlRenderer

router = APIRouter(include_in_schema=False)
MAX_FIELD = 4000


@dataclass(frozen=True, slots=True)
class Submitted:
    """A posted form and the path's parameters (note id, target…)."""

    form: FormData
    path: dict[str, str]

    def __getitem__(self, name: str) -> str:
        if name in self.path:
            return self.path[name]
        value = self.form.get(name)
        return value[:MAX_FIELD] if isinstance(value, str) else ""

    def __contains__(self, name: str) -> bool:
        return name in self.form

    def all(self, name: str) -> list[str]:
        """Every value of a field posted more than once (ticked boxes)."""
        return [v[:MAX_FIELD] for v in self.form.getlist(name) if isinstance(v, str)][:100]


Action = Callable[[Service, str, Viewer, Submitted], Awaitable[Any]]


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _refuse(request: Request, status: int, code: str, message: str) -> Response:
    """A refused form post: the message (a catalogue message) in the page's language."""
    message = say(request, message)
    if _is_htmx(request):
        return error_response(status, code, message)
    return error_page(request, status, N_("That did not work"), message)


async def act(request: Request, service: Service, code: str, action: Action) -> Response:
    """Authenticate by cookie, run `action`, answer with the caller's updated page."""
    room = await service.find_room(code)
    if room is None:
        return _refuse(request, 404, "room_not_found", N_("There is no room with that code."))
    viewer = await optional_viewer(request, room.code)
    if viewer is None:
        return _refuse(request, 401, "unauthorized", N_("Please join the room again."))
    submitted = Submitted(await request.form(), dict(request.path_params))
    before = room.seq
    try:
        await action(service, room.code, viewer, submitted)
    except DomainError as exc:
        message = say(request, exc.template, **exc.params)
        return _refuse(request, STATUS[exc.kind], exc.code, message)
    except RateLimited as exc:
        return rate_limited(exc, request)
    page = "control" if viewer.is_facilitator else "phone"
    if not _is_htmx(request):
        return RedirectResponse(f"/rooms/{room.code}/{page}", status_code=303)
    renderer = HtmlRenderer(request.app.state.templates)
    connection = Connection(room.code, viewer, "html", page=page, lang=page_locale(request).code)
    online = service.online(room.code)
    latest = await service.room(room.code)
    # What the post changed (and anything else since it began), as the live channel
    # sends it: keyed elements the page puts in place, or whole blocks when the
    # screen changed (swapped out of band by htmx).
    parts = touched(latest, await service.events_after(room.code, before))
    html = renderer.update(connection, latest, online, parts, {})
    return HTMLResponse(html, headers=None if SCREEN in parts else {"X-Live": "keyed"})


def _post(path: str) -> Callable[[Action], Action]:
    """Register `action` as the form post at `path`."""

    def register(action: Action) -> Action:
        async def endpoint(code: str, request: Request, service: ServiceDep) -> Response:
            return await act(request, service, code, action)

        endpoint.__name__ = action.__name__
        router.add_api_route(path, endpoint, methods=["POST"], response_model=None)
        return action

    return register


# ------------------------------------------------------------------ facilitator
@_post("/rooms/{code}/phase")
async def set_phase(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    """A big step back needs `confirm=true` (the control view asks first)."""
    await service.set_phase(code, viewer, form["phase"], confirmed=form["confirm"] == "true")


@_post("/rooms/{code}/lock")
async def set_lock(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.set_locked(code, viewer, form["locked"] == "true")


@_post("/rooms/{code}/participants/{participant_id}/remove")
async def remove_participant(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.remove_participant(code, viewer, form["participant_id"])


@_post("/rooms/{code}/participants/remove-recent")
async def remove_recent(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    """Lock the room and remove everyone who joined in the last N minutes."""
    try:
        minutes = float(form["minutes"] or "0")
    except ValueError:
        minutes = -1.0
    if not 0 < minutes <= 24 * 60:
        raise Invalid("invalid_minutes", "Give the minutes as a number from 1 to 1440.")
    since = datetime.now(UTC) - timedelta(minutes=minutes)
    await service.remove_joined_after(code, viewer, since, lock=form["lock"] == "true")


@_post("/rooms/{code}/timer")
async def set_timer(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    """Start (minutes, optional lock), pause, resume, add a minute, clear."""
    seconds: object = None
    if form["action"] == "start":
        try:
            seconds = round(float(form["minutes"] or "0") * 60)
        except (ValueError, OverflowError):
            seconds = form["minutes"]
    await service.set_timer(
        code, viewer, form["action"], seconds=seconds, lock=form["lock"] == "true"
    )


@_post("/rooms/{code}/options")
async def set_options(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    """One toggle per form: the field present is the setting changed ("true"/"false")."""
    values = {
        name: form[name] == "true"
        for name in ("anonymous", "moderated", "names_shown", "hide_responses")
        if name in form
    }
    await service.set_options(code, viewer, **values)


@_post("/rooms/{code}/notes/{note_id}/hold")
async def hold_note(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.hold_note(code, viewer, form["note_id"], form["held"] == "true")


# ------------------------------------------------------------------- participants
@_post("/rooms/{code}/done")
async def set_done(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.set_done(code, viewer, form["done"] == "true")


@_post("/rooms/{code}/ratings/{item}")
async def rate(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.rate(
        code, viewer, item=form["item"], option=form["option"] or None, phase=form["phase"] or None
    )


# ------------------------------------------------------------------------ notes
@_post("/rooms/{code}/notes")
async def add_note(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    note_id = form["id"]
    try:
        note_id = str(uuid.UUID(note_id))
    except ValueError:
        note_id = str(uuid.uuid4())
    await service.add_note(code, viewer, note_id=note_id, text=form["text"])


@_post("/rooms/{code}/notes/{note_id}/edit")
async def edit_note(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.edit_note(code, viewer, form["note_id"], form["text"])


@_post("/rooms/{code}/notes/{note_id}/delete")
async def delete_note(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.remove_note(code, viewer, form["note_id"])


@_post("/rooms/{code}/notes/{note_id}/move")
async def move_note(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.move_note(code, viewer, form["note_id"], form["ring"])


@_post("/rooms/{code}/notes/{note_id}/merge")
async def merge_note(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.merge_note(code, viewer, form["note_id"], form["into"])


# ------------------------------------------------------------------- statements
@_post("/rooms/{code}/statements/{target}/draft")
async def draft(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    target = form["target"]
    if "items" in form:
        items = [line for line in form["items"].splitlines() if line.strip()]
        await service.draft_statement(code, viewer, target, items=items)
    else:
        await service.draft_statement(code, viewer, target, text=form["text"])


@_post("/rooms/{code}/statements/{target}/promote")
async def promote(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.promote_note(code, viewer, form["target"], form["note_id"])


@_post("/rooms/{code}/statements/{target}/respond")
async def respond(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    reason = form["reason"]
    await service.respond(
        code,
        viewer,
        form["target"],
        stance=form["stance"],
        reason=reason if reason.strip() else None,
    )


@_post("/rooms/{code}/statements/{target}/agree")
async def agree(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    reason = form["override_reason"]
    await service.agree(
        code, viewer, form["target"], override_reason=reason if reason.strip() else None
    )


@_post("/rooms/{code}/statements/{target}/reveal")
async def reveal(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.reveal_responses(code, viewer, form["target"])


@_post("/rooms/{code}/suggestions/merge")
async def merge_group(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    ticked = form.all("note_ids")  # the first ticked is kept, unless the form says which
    into = form["into"] or (ticked[0] if ticked else "")
    await service.merge_group(code, viewer, into=into, note_ids=ticked)


@_post("/rooms/{code}/suggestions/dismiss")
async def dismiss_group(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.dismiss_suggestion(code, viewer, form.all("note_ids"))


@_post("/rooms/{code}/votes")
async def vote(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    """Ticked notes (`note_ids`), or a count per note (`dots-<id>`) where dots stack."""
    note_ids = form.all("note_ids")
    for name in form.form:
        if name.startswith("dots-"):
            try:
                count = max(0, min(20, int(form[name] or "0")))
            except ValueError:
                raise Invalid("invalid_note_ids", "Give each note a number of dots.") from None
            note_ids += [name.removeprefix("dots-")] * count
    who = form["participant_id"] or None
    await service.vote(code, viewer, note_ids, who)


@_post("/rooms/{code}/participants/add")
async def add_proxy(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    """Someone without a phone, added by the facilitator."""
    await service.add_proxy(code, viewer, name=form["name"], perspective=form["perspective"])


@_post("/rooms/{code}/participants/{participant_id}/enter")
async def enter_for(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    """What someone without a phone wrote or said on paper, entered by the facilitator."""
    fields = {name: form[name] for name in ("text", "row", "target", "stance", "reason")}
    await service.enter_for(code, viewer, form["participant_id"], form["action"], fields)


@_post("/rooms/{code}/participants/enter")
async def enter_for_chosen(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    """The same, for the person chosen in the control view's form (`participant_id`)."""
    await enter_for(service, code, viewer, form)


@_post("/rooms/{code}/votes/reveal")
async def reveal_votes(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.reveal_votes(code, viewer)


@_post("/rooms/{code}/spotlight")
async def spotlight(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.set_spotlight(code, viewer, form["target"] or None)


@_post("/rooms/{code}/board")
async def board_view(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    changes: dict[str, object] = {}
    for name in ("notes", "join"):
        if form[name]:
            changes[name] = form[name]
    for name in ("turn", "page"):
        if form[name]:
            try:
                changes[name] = int(form[name])
            except ValueError:
                changes[name] = form[name]  # refused by the rule, with its message
    if form["go"]:  # a page number, counted from 1 (the control view's picker)
        changes["page"] = _page_number(form["go"])
    if form["projector"]:
        changes["projector"] = form["projector"] == "true"
    await service.set_board(code, viewer, **changes)


def _page_number(value: str) -> int:
    """The page (from 0) that a page number typed in the control view names."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_PAGE + 1:
        raise Invalid("invalid_page", "Give a page number from 1 to {last}.", last=MAX_PAGE + 1)
    return number - 1


# ------------------------------------------------------------------------- grid
@_post("/rooms/{code}/grid/{row}/contributions")
async def contribute(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    try:
        contribution_id = str(uuid.UUID(form["id"]))
    except ValueError:
        contribution_id = str(uuid.uuid4())
    await service.contribute(
        code, viewer, row=form["row"], contribution_id=contribution_id, text=form["text"]
    )


# --------------------------------------------------------------------- document
@_post("/rooms/{code}/document/sign")
async def sign(service: Service, code: str, viewer: Viewer, form: Submitted) -> None:
    await service.sign(code, viewer, role=form["role"], organisation=form["organisation"])
