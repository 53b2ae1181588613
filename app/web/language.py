"""The language a request is answered in, and the switch that changes it.

Pages and their live sockets: the `lang` cookie (set by the switch on every page),
else `Accept-Language`, else English. The JSON API: `Accept-Language` only (a
script's calls do not depend on what a browser once chose).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.requests import HTTPConnection

from app import i18n

COOKIE = "lang"
ONE_YEAR = 60 * 60 * 24 * 365
router = APIRouter(include_in_schema=False)


def page_locale(conn: HTTPConnection) -> i18n.Locale:
    """A page's (or a page's socket's) language: the person's choice first."""
    return i18n.negotiate(conn.cookies.get(COOKIE), conn.headers.get("accept-language"))


def api_locale(conn: HTTPConnection) -> i18n.Locale:
    """A JSON answer's language: the `Accept-Language` header's."""
    return i18n.negotiate(None, conn.headers.get("accept-language"))


def locale_for(conn: HTTPConnection) -> i18n.Locale:
    """API paths answer by the header, everything else by the person's choice."""
    return api_locale(conn) if conn.url.path.startswith("/api/") else page_locale(conn)


def room_language(locale: i18n.Locale) -> str:
    """The language a room created by this reader is in (a pseudo-locale's is English)."""
    return locale.code if locale.listed else i18n.DEFAULT


def _same_site(target: str) -> str:
    """Only a path on this site (no scheme, no host, no `//`): else the home page."""
    target = target.replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target[:2000]


@router.get("/lang/{code}")
async def choose(code: str, request: Request, next: str = "/") -> RedirectResponse:
    """The switch: remember `code` in a cookie and go back to the page it was on."""
    response = RedirectResponse(_same_site(next), status_code=303)
    if code in i18n.available():
        response.set_cookie(
            COOKIE,
            code,
            max_age=ONE_YEAR,
            samesite="lax",
            path="/",
            secure=request.url.scheme == "https",
        )
    return response
