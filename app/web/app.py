"""The application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import single
from app.config import Settings
from app.persistence import backup
from app.persistence.store import Store
from app.ratelimit import RateLimiter, budget
from app.realtime.hub import make_hub
from app.services import Service
from app.web import actions, api, api_rounds, api_undo, errors, language, pages, sockets
from app.web.edge import BodyLimit, OriginCheck, RequestRate
from app.web.errors import error_response
from app.web.guesses import GuessGuard
from app.web.renderer import HtmlRenderer
from app.web.socket_gate import SocketGate
from app.web.socket_stack import App
from app.web.templating import STATIC_DIR, Templates
from app.workshops import load_workshops

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Sets the security headers on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if not any(name.lower() == b"content-security-policy" for name, _ in headers):
                    headers.append((b"content-security-policy", CSP.encode()))
                headers.extend(
                    [
                        (b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"same-origin"),
                        (b"x-frame-options", b"DENY"),
                    ]
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def keep_retention(service: Service, older_than: timedelta) -> None:
    """Delete rooms nobody has touched for `older_than`: at start, then hourly."""
    while True:
        try:
            deleted = await service.purge_idle(older_than=older_than)
            if deleted:
                log.info("retention: deleted %d idle room(s)", len(deleted))
        except Exception:  # a failed sweep is retried at the next one
            log.exception("retention sweep failed")
        await asyncio.sleep(3600)


async def keep_backups(settings: Settings, directory: Path) -> None:
    """An online backup of the SQLite database every BACKUP_INTERVAL_MINUTES."""
    take = partial(backup.take, settings.database_url, directory, keep=settings.backup_keep)
    while True:
        await asyncio.sleep(settings.backup_interval_minutes * 60)
        try:
            log.info("backup: %s", await to_thread.run_sync(take))
        except Exception:  # a failed backup is tried again at the next one
            log.exception("backup failed")


async def last_backup(settings: Settings, directory: Path) -> None:
    """One more backup as the app stops (what changed since the last one)."""
    try:
        take = partial(backup.take, settings.database_url, directory, keep=settings.backup_keep)
        log.info("backup at shutdown: %s", await to_thread.run_sync(take))
    except Exception:
        log.exception("backup at shutdown failed")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; workshop files are checked now, so a broken one stops start-up."""
    settings = settings or Settings()
    workshops = load_workshops(settings.workshops_dir)
    templates = Templates(zone=settings.zone, limits=settings.limits)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lock = single.claim(settings.database_url) if settings.broker_url == "memory://" else None
        store = Store(settings.database_url)
        try:
            if settings.migrate_on_start:
                await to_thread.run_sync(store.migrate)
            # A database that cannot be written (read-only file or mount, full disk)
            # stops the start: better than serving pages whose every change fails.
            await to_thread.run_sync(store.check_writable)
        except BaseException:
            store.close()
            if lock is not None:
                lock.close()
            raise
        hub = make_hub(settings.broker_url)
        await hub.start()
        service = Service(
            store=store,
            hub=hub,
            workshops=workshops,
            limits=settings.limits,
            renderer=HtmlRenderer(templates),
            writes=RateLimiter(burst=settings.write_burst, per=settings.write_interval_seconds),
            joins=RateLimiter(burst=settings.join_burst, per=settings.join_interval_seconds),
        )
        app.state.service = service
        tasks = [
            asyncio.create_task(
                keep_retention(service, timedelta(days=settings.retention_days)), name="retention"
            )
        ]
        backups = backup.backups_dir(settings.database_url, settings.backup_dir)
        if backups is not None and settings.backup_interval_minutes > 0:
            tasks.append(asyncio.create_task(keep_backups(settings, backups), name="backups"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await service.stop()
            if backups is not None and settings.backup_interval_minutes > 0:
                await last_backup(settings, backups)
            await hub.stop()
            for shared in app.state.budgets:
                await shared.close()
            store.close()
            if lock is not None:
                lock.close()

    app = App(
        title="Common Ground",
        version="1.0.0",
        summary="Live multi-agency visioning workshops: rooms, phones, board, joint document.",
        lifespan=lifespan,
        # FastAPI's own /docs loads Swagger UI from a CDN: a request to a third party
        # (and blocked by the CSP anyway). /docs is the app's own page instead.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.sockets = SocketGate(
        per_token=settings.max_sockets_per_token,
        per_address=settings.max_sockets_per_address,
        token_bytes=settings.token_outbox_bytes,
        replays=settings.max_concurrent_replays,
    )
    app.state.templates = templates
    app.state.workshops = workshops
    errors.install(app)
    app.include_router(api.router)
    app.include_router(api_rounds.router)
    app.include_router(api_undo.router)
    app.router.routes.extend(sockets.routes)
    app.include_router(pages.router)
    app.include_router(language.router)
    app.include_router(actions.router)
    app.include_router(api_undo.forms)

    @app.get("/healthz", tags=["ops"], response_model=None)
    async def healthz() -> dict[str, str] | JSONResponse:
        """200 `{"status": "ok"}` while the app can serve and save; 503
        `storage_unavailable` (with the reason) while its database cannot be written."""
        store: Store = app.state.service.store
        problem = await to_thread.run_sync(store.health.problem)
        if problem is not None:
            reason = problem.splitlines()[0][:200]
            message = f"The database cannot be written: {reason}."
            return error_response(503, "storage_unavailable", message, {"Retry-After": "5"})
        return {"status": "ok"}

    @app.get("/docs", include_in_schema=False)
    async def api_docs(request: Request) -> HTMLResponse:
        """The API's endpoints from its OpenAPI schema, as a plain page (no CDN, no script)."""
        groups: dict[str, list[dict[str, str]]] = {}
        for path, methods in app.openapi().get("paths", {}).items():
            for method, operation in methods.items():
                tag = (operation.get("tags") or ["other"])[0]
                text = operation.get("description") or operation.get("summary") or ""
                groups.setdefault(tag, []).append(
                    {"method": method.upper(), "path": path, "summary": text.split("\n\n")[0]}
                )
        context = {"title": app.title, "groups": sorted(groups.items())}
        page: HTMLResponse = templates.page(request, "api_docs.html", context)
        return page

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(GZipMiddleware, minimum_size=800)
    allowed = (*settings.allowed_origins, *([settings.public_url] if settings.public_url else []))
    app.add_middleware(OriginCheck, allowed=allowed)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    budgets = [
        budget(
            settings.broker_url,
            name,
            burst=settings.unknown_code_burst,
            per=settings.unknown_code_interval_seconds,
        )
        for name in ("lookups", "tokens")
    ]
    app.state.budgets = budgets
    # One guard (one budget, one worker's reservations) for pages, API and websockets.
    guard = GuessGuard(app.router, lookups=budgets[0], tokens=budgets[1])
    app.add_middleware(guard.around)
    app.sockets_through(guard, allowed, sockets.routes)
    requests = RateLimiter(burst=settings.request_burst, per=1 / settings.requests_per_second)
    app.add_middleware(RequestRate, limiter=requests)
    app.add_middleware(SecurityHeaders)
    return app
