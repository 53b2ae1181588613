"""Which languages a document export is asked for (`?lang=cy`, `?lang=cy,en`)."""

from __future__ import annotations

from fastapi import Request

from app import i18n
from app.i18n.pseudo import PSEUDO
from app.web.errors import ApiError


def document_languages(request: Request, room_language: str) -> list[str]:
    """The languages `?lang=` asks for (checked), else the room's. Every format comes
    in two (app/export/files.py writes each bilingual)."""
    raw = request.query_params.get("lang")
    if raw is None:
        return [room_language if room_language in i18n.available() else i18n.DEFAULT]
    wanted = [part.strip() for part in raw.split(",")][:3]
    known = [c for c in i18n.available() if c not in PSEUDO]
    if not wanted or any(w not in known for w in wanted) or len(set(wanted)) != len(wanted):
        raise ApiError(
            422,
            "invalid_lang",
            "lang must be one or two of: {known}.",
            params={"known": ", ".join(known)},
        )
    if len(wanted) > 2:
        raise ApiError(422, "invalid_lang", "A document comes in at most two languages.")
    return wanted
