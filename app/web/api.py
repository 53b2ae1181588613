"""The public JSON API (shared/api.md, contract v1)."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.domain import facilitation
from app.domain.codes import normalize_code
from app.export import files
from app.web.deps import FacilitatorDep, ParticipantDep, ServiceDep, SettingsDep, ViewerDep
from app.web.document_languages import document_languages
from app.web.edge import client_key
from app.web.errors import ApiError
from app.web.language import api_locale, room_language
from app.web.schemas import (
    Agree,
    CreateRoom,
    DraftStatement,
    DuplicateRoom,
    EditText,
    HoldNote,
    JoinedRoom,
    JoinRoom,
    MergeNote,
    MoveNote,
    NewText,
    Rate,
    RemoveJoinedAfter,
    Respond,
    RoomCreated,
    SetBoard,
    SetDone,
    SetLock,
    SetOptions,
    SetPhase,
    SetSpotlight,
    SetTimer,
    SignDocument,
)

router = APIRouter(prefix="/api", tags=["api"])


def base_url(request: Request, public_url: str | None) -> str:
    """Where phones reach this server: PUBLIC_URL, or the URL this request came in on."""
    return (public_url or str(request.base_url)).rstrip("/")


def check_passcode(settings: Any, given: str | None) -> None:
    expected = settings.facilitator_passcode
    if expected is None:
        return
    # Compare bytes: compare_digest refuses non-ASCII str. Starlette decodes
    # headers as latin-1, so encoding back gives the bytes the client sent.
    if not given or not secrets.compare_digest(
        given.encode("latin-1"), expected.get_secret_value().encode()
    ):
        raise ApiError(401, "passcode_required", "A valid facilitator passcode is needed.")


@router.get("/workshops")
async def list_workshops(request: Request, service: ServiceDep) -> list[dict[str, Any]]:
    """The workshops, their texts in the `Accept-Language` (English where a workshop has
    no translation into it); `language` says which."""
    code = api_locale(request).code
    return [
        {
            "id": w.id,
            "language": code if code in x.languages else "en",
            "title": w.title,
            "description": w.description,
            "phases": [{"id": p.id, "title": p.title, "kind": p.kind} for p in w.phases],
            "perspectives": [{"id": p.id, "label": p.label} for p in w.perspectives],
            "grid_rows": [{"key": r.key, "prompt": r.prompt} for r in w.grid_rows],
            "rated_phases": [
                {
                    "id": p.id,
                    "items": [{"id": i.id, "text": i.text} for i in p.items],
                    "options": [
                        {"id": o.id, "label": o.label, "description": o.description}
                        for o in p.options
                    ],
                }
                for p in w.phases
                if p.rated
            ],
            "notes_per_participant": w.notes_per_participant,
        }
        for x in service.workshops.values()
        for w in (x.in_language(code),)
    ]


@router.post("/rooms", status_code=201)
async def create_room(
    body: CreateRoom, request: Request, service: ServiceDep, settings: SettingsDep
) -> RoomCreated:
    check_passcode(settings, request.headers.get("x-facilitator-passcode"))
    created = await service.create_room(
        title=body.title,
        setting=body.setting,
        workshop_id=body.workshop,
        anonymous=body.anonymous,
        moderated=body.moderated,
        language=body.language or room_language(api_locale(request)),
    )
    return _created(request, settings.public_url, created.code, created.facilitator_token)


@router.post("/rooms/{code}/duplicate", status_code=201)
async def duplicate_room(
    code: str,
    body: DuplicateRoom,
    request: Request,
    viewer: FacilitatorDep,
    service: ServiceDep,
    settings: SettingsDep,
) -> RoomCreated:
    """A fresh room with this room's workshop, title, setting and options (the next school)."""
    created = await service.duplicate_room(
        normalize_code(code), viewer, title=body.title, setting=body.setting
    )
    return _created(request, settings.public_url, created.code, created.facilitator_token)


def _created(request: Request, public_url: str | None, code: str, token: str) -> RoomCreated:
    base = base_url(request, public_url)
    return RoomCreated(
        code=code,
        facilitator_token=token,
        join_url=f"{base}/j/{code}",
        board_url=f"{base}/rooms/{code}/board",
        facilitator_url=f"{base}/rooms/{code}/control",
    )


@router.post("/rooms/import", status_code=201)
async def import_room(request: Request, service: ServiceDep, settings: SettingsDep) -> RoomCreated:
    """Recreate a room from its archive (GET /api/rooms/{code}/archive) on this install."""
    check_passcode(settings, request.headers.get("x-facilitator-passcode"))
    try:
        data = await request.json()
    except ValueError as exc:
        raise ApiError(422, "invalid_archive", "The body must be a room archive (JSON).") from exc
    created = await service.import_archive(data)
    return _created(request, settings.public_url, created.code, created.facilitator_token)


@router.get("/rooms/{code}")
async def get_room(code: str, viewer: ViewerDep, service: ServiceDep) -> dict[str, Any]:
    return await service.snapshot(normalize_code(code), viewer)


@router.post("/rooms/{code}/join", status_code=201)
async def join_room(code: str, body: JoinRoom, request: Request, service: ServiceDep) -> JoinedRoom:
    joined = await service.join(
        normalize_code(code),
        name=body.name,
        perspective=body.perspective,
        source=client_key(request.scope),
    )
    return JoinedRoom(participant_id=joined.participant_id, token=joined.token)


@router.post("/rooms/{code}/phase")
async def set_phase(
    code: str, body: SetPhase, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    code = normalize_code(code)
    await service.set_phase(code, viewer, body.phase, confirmed=body.confirm is not False)
    return await service.snapshot(code, viewer)


@router.post("/rooms/{code}/lock")
async def set_lock(
    code: str, body: SetLock, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, bool]:
    room = await service.set_locked(normalize_code(code), viewer, body.locked)
    return {"locked": room.locked}


@router.post("/rooms/{code}/spotlight")
async def set_spotlight(
    code: str, body: SetSpotlight, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, str | None]:
    """Focus the board on one statement (e.g. `grid.mission`), or `null` for the overview."""
    room = await service.set_spotlight(normalize_code(code), viewer, body.target)
    return {"spotlight": room.spotlight}


@router.post("/rooms/{code}/board")
async def set_board(
    code: str, body: SetBoard, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    """Turn the board's page, choose the circle it lists, size the join panel."""
    room = await service.set_board(
        normalize_code(code),
        viewer,
        **{name: value for name, value in body.model_dump().items() if value is not None},
    )
    return {"board": room.board.public()}


@router.post("/rooms/{code}/timer")
async def set_timer(
    code: str, body: SetTimer, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    """`action`: start (with `seconds`, optional `lock`), pause, resume, add (a minute), clear."""
    room = await service.set_timer(
        normalize_code(code), viewer, body.action, seconds=body.seconds, lock=body.lock
    )
    current = facilitation.timer(room)
    return {"timer": current.public() if current else None}


@router.post("/rooms/{code}/done")
async def set_done(
    code: str, body: SetDone, viewer: ParticipantDep, service: ServiceDep
) -> dict[str, Any]:
    """A participant has finished the current task on their own (or takes it back)."""
    room = await service.set_done(normalize_code(code), viewer, body.done)
    return {"phase": room.phase, "done": viewer.participant_id in room.done.get(room.phase, ())}


@router.patch("/rooms/{code}/options")
async def set_options(
    code: str, body: SetOptions, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    """Anonymity, moderation, names in the current phase, responses hidden until reveal."""
    room = await service.set_options(
        normalize_code(code),
        viewer,
        anonymous=body.anonymous,
        moderated=body.moderated,
        names_shown=body.names_shown,
        hide_responses=body.hide_responses,
    )
    return room.options.public()


@router.put("/rooms/{code}/ratings/{item}")
async def rate(
    code: str, item: str, body: Rate, viewer: ParticipantDep, service: ServiceDep
) -> dict[str, Any]:
    """A participant's answer for one item of the current rating phase (null clears it)."""
    return await service.rate(
        normalize_code(code), viewer, item=item, option=body.option, phase=body.phase
    )


@router.delete("/rooms/{code}/participants/{participant_id}", status_code=204)
async def remove_participant(
    code: str, participant_id: str, viewer: FacilitatorDep, service: ServiceDep
) -> Response:
    await service.remove_participant(normalize_code(code), viewer, participant_id)
    return Response(status_code=204)


@router.post("/rooms/{code}/participants/remove")
async def remove_joined_after(
    code: str, body: RemoveJoinedAfter, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, list[str]]:
    """Remove everyone who joined after `joined_after` (ISO time), and with `lock: true`
    lock the room first: the way out when strangers filled it from the projector's code."""
    removed = await service.remove_joined_after(
        normalize_code(code), viewer, body.joined_after, lock=body.lock
    )
    return {"removed": removed}


@router.get("/rooms/{code}/archive")
async def archive(code: str, viewer: FacilitatorDep, service: ServiceDep) -> Response:
    code = normalize_code(code)
    data = await service.archive(code, viewer)
    return JSONResponse(
        data,
        headers={"Content-Disposition": f'attachment; filename="common-ground-{code}.json"'},
    )


@router.delete("/rooms/{code}", status_code=204)
async def delete_room(code: str, viewer: FacilitatorDep, service: ServiceDep) -> Response:
    await service.delete_room(normalize_code(code), viewer)
    return Response(status_code=204)


# ------------------------------------------------------------------- Task 1.1
@router.post("/rooms/{code}/notes", status_code=201)
async def add_note(code: str, body: NewText, viewer: ViewerDep, service: ServiceDep) -> Response:
    note_id = str(body.id or uuid.uuid4())
    note, created = await service.add_note(
        normalize_code(code), viewer, note_id=note_id, text=body.text
    )
    return JSONResponse(note, status_code=201 if created else 200)


@router.patch("/rooms/{code}/notes/{note_id}")
async def edit_note(
    code: str, note_id: str, body: EditText, viewer: ViewerDep, service: ServiceDep
) -> dict[str, Any]:
    return await service.edit_note(normalize_code(code), viewer, note_id, body.text)


@router.delete("/rooms/{code}/notes/{note_id}", status_code=204)
async def remove_note(code: str, note_id: str, viewer: ViewerDep, service: ServiceDep) -> Response:
    await service.remove_note(normalize_code(code), viewer, note_id)
    return Response(status_code=204)


@router.post("/rooms/{code}/notes/{note_id}/move")
async def move_note(
    code: str, note_id: str, body: MoveNote, viewer: ViewerDep, service: ServiceDep
) -> dict[str, Any]:
    return await service.move_note(normalize_code(code), viewer, note_id, body.ring)


@router.post("/rooms/{code}/notes/{note_id}/merge")
async def merge_note(
    code: str, note_id: str, body: MergeNote, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    return await service.merge_note(normalize_code(code), viewer, note_id, body.into)


@router.post("/rooms/{code}/notes/{note_id}/hold")
async def hold_note(
    code: str, note_id: str, body: HoldNote, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    """Moderation: hold a note back from the reveal (`held: false` releases it)."""
    return await service.hold_note(normalize_code(code), viewer, note_id, body.held)


# ------------------------------------------------------------------- Task 1.2
@router.post("/rooms/{code}/grid/{row}/contributions", status_code=201)
async def contribute(
    code: str, row: str, body: NewText, viewer: ViewerDep, service: ServiceDep
) -> Response:
    item, created = await service.contribute(
        normalize_code(code),
        viewer,
        row=row,
        contribution_id=str(body.id or uuid.uuid4()),
        text=body.text,
    )
    return JSONResponse(item, status_code=201 if created else 200)


# ----------------------------------------------------------------- statements
@router.put("/rooms/{code}/statements/{target}")
async def draft_statement(
    code: str, target: str, body: DraftStatement, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    return await service.draft_statement(
        normalize_code(code), viewer, target, text=body.text, items=body.items
    )


@router.post("/rooms/{code}/statements/{target}/responses")
async def respond(
    code: str, target: str, body: Respond, viewer: ViewerDep, service: ServiceDep
) -> dict[str, Any]:
    return await service.respond(
        normalize_code(code), viewer, target, stance=body.stance, reason=body.reason
    )


@router.post("/rooms/{code}/statements/{target}/agree")
async def agree(
    code: str, target: str, body: Agree, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    return await service.agree(
        normalize_code(code), viewer, target, override_reason=body.override_reason
    )


# ------------------------------------------------------------------- document
@router.get("/rooms/{code}/document")
async def get_document(
    code: str, viewer: ViewerDep, service: ServiceDep, settings: SettingsDep
) -> dict[str, Any]:
    """The merged joint document (facilitator; participants once it is open)."""
    merged = await service.document(normalize_code(code), viewer, zone=settings.zone)
    return merged.public()


@router.get("/rooms/{code}/document.{extension}")
async def export_document(
    code: str,
    extension: str,
    request: Request,
    viewer: ViewerDep,
    service: ServiceDep,
    settings: SettingsDep,
) -> Response:
    """The joint document as a file: md, html, docx, odt or pdf. `lang`: its language
    (`cy`), or two for a bilingual document (`cy,en`, in every format); without it, the
    room's language (the one it was created in)."""
    if extension not in files.DOCUMENTS:
        raise ApiError(404, "unknown_format", "Formats: md, html, docx, odt, pdf.")
    room = await service.room(normalize_code(code))
    languages = document_languages(request, room.options.language)
    documents = [
        await service.document(normalize_code(code), viewer, zone=settings.zone, language=lang)
        for lang in languages
    ]
    return await files.document_response(
        documents[0], extension, request.app.state.templates, *documents[1:]
    )


@router.get("/rooms/{code}/board.{extension}")
async def board_picture(
    code: str, extension: str, viewer: ViewerDep, service: ServiceDep, settings: SettingsDep
) -> Response:
    """The circles as they ended (and Table 1.3's coverage), drawn by the server: svg or png."""
    if extension not in files.PICTURES:
        raise ApiError(404, "unknown_format", "Formats: svg, png.")
    merged = await service.document(normalize_code(code), viewer, zone=settings.zone)
    return await files.picture_response(merged, extension)


@router.get("/rooms/{code}/data.{extension}")
async def data_export(
    code: str, extension: str, viewer: ViewerDep, service: ServiceDep, settings: SettingsDep
) -> Response:
    """The whole record as data: an xlsx workbook, or a zip of UTF-8 CSV files."""
    if extension not in files.DATA:
        raise ApiError(404, "unknown_format", "Formats: xlsx, zip.")
    record = await service.data_tables(normalize_code(code), viewer, zone=settings.zone)
    return await files.data_response(record, extension)


@router.post("/rooms/{code}/document/sign")
async def sign_document(
    code: str, viewer: ParticipantDep, service: ServiceDep, body: SignDocument | None = None
) -> dict[str, Any]:
    """Sign the joint document as it reads now (optionally with a role and organisation).
    Signing the same version again changes nothing; after a change, sign again."""
    code = normalize_code(code)
    extra = body or SignDocument()
    await service.sign(code, viewer, role=extra.role, organisation=extra.organisation)
    return await service.snapshot(code, viewer)
