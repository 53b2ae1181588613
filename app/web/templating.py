"""Jinja2 templates: whole pages for requests, named blocks for live updates."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from jinja2_fragments import render_block
from markupsafe import Markup
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app import i18n
from app.domain.document import signed_current
from app.domain.document_model import LONDON
from app.domain.room import Limits
from app.i18n import dates
from app.web.language import page_locale

APP_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = APP_DIR / "templates"
STATIC_DIR = APP_DIR / "static"
ENGLISH = i18n.get(i18n.DEFAULT)


@cache
def static_url(path: str) -> str:
    """`/static/path?v=<hash>`: cache forever, refetch when the file changes."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


def qr_svg(data: str) -> Markup:
    """An inline SVG QR code (escaped data; segno draws only paths)."""
    svg = segno.make(data, error="m").svg_inline(
        scale=1, border=2, dark="#111", light="#fff", omitsize=True
    )
    return Markup(svg)  # noqa: S704  (segno output: no user markup)


_INDENT = re.compile(r">\n[ \t]+<")


def _locale(context: Context) -> i18n.Locale:
    found = context.get("i18n")
    return found if isinstance(found, i18n.Locale) else ENGLISH


@pass_context
def _gettext(context: Context, message: str) -> str:
    return _locale(context).translations.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _locale(context).translations.ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, where: str, message: str) -> str:
    return _locale(context).translations.pgettext(where, message)


@pass_context
def _npgettext(context: Context, where: str, singular: str, plural: str, n: int) -> str:
    return _locale(context).translations.npgettext(where, singular, plural, n)


def tight(html: str) -> str:
    """Drop the templates' indentation between tags (a newline stays, so the page
    renders the same): fewer bytes on the venue's Wi-Fi for every render."""
    return _INDENT.sub(">\n<", html)


class Templates:
    """The app's template environment (autoescaping everything).

    gettext is jinja2.ext.i18n's, new style (`_("Hello %(name)s", name=x)` escapes
    `x`); each render says its language as `i18n` in its context (a `Locale`), so
    two renders in two languages never share anything but the environment."""

    def __init__(
        self,
        directory: Path = TEMPLATES_DIR,
        *,
        zone: tzinfo = LONDON,
        limits: Limits | None = None,
    ) -> None:
        self.env = Environment(
            loader=FileSystemLoader(directory),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            extensions=["jinja2.ext.i18n"],
        )
        self.env.install_gettext_callables(  # type: ignore[attr-defined]
            _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
        )
        self.env.globals["languages"] = i18n.listed
        self.env.globals["i18n"] = ENGLISH  # a render that names no language
        self.env.globals["static"] = static_url
        self.env.globals["qr_svg"] = qr_svg
        self.env.globals["text_limits"] = limits or Limits()
        """The settings' text limits: every field's maxlength and character count."""
        self.zone = zone
        """TIME_ZONE: the times people read (signatures) are local."""
        self.env.filters["local_time"] = self.local_time
        self.env.filters["clock"] = self.clock
        self.env.filters["long_date"] = self.long_date
        self.env.globals["signed_current"] = signed_current

    @pass_context
    def local_time(self, context: Context, moment: datetime) -> str:
        """'2 December 2026, 14:05' in the room's time zone and the render's language."""
        return dates.local_time(moment, self.zone, _locale(context))

    @pass_context
    def long_date(self, context: Context, moment: datetime) -> str:
        """'2 December 2026' (the documents' date) in the render's language."""
        return dates.long_date(moment, self.zone, _locale(context))

    def clock(self, moment: datetime) -> str:
        """'14:05' in the room's time zone."""
        return f"{moment.astimezone(self.zone):%H:%M}"

    def render(self, name: str, context: dict[str, Any]) -> str:
        return tight(self.env.get_template(name).render(context))

    def block(self, name: str, block: str, context: dict[str, Any]) -> str:
        html: str = render_block(self.env, name, block, context)
        return tight(html)

    def page(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        status_code: int = 200,
        background: BackgroundTask | None = None,
    ) -> HTMLResponse:
        return HTMLResponse(
            self.render(name, {"request": request, "i18n": page_locale(request), **context}),
            status_code=status_code,
            background=background,
        )
