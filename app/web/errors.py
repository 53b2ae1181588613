"""Every error leaves in the contract's shape: {"error": {"code", "message"}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection

from app.domain.errors import DomainError
from app.i18n import N_
from app.persistence.engines import StorageUnavailable
from app.ratelimit import RateLimited
from app.web import validation
from app.web.language import locale_for

log = logging.getLogger(__name__)

STATUS = {"invalid": 422, "conflict": 409, "not_found": 404, "forbidden": 403}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    503: "storage_unavailable",
}
HTTP_MESSAGES = (N_("Not Found"), N_("Method Not Allowed"))
"""Starlette's own messages (its `detail`s), for the catalogue."""
STORAGE_RETRY_AFTER = 5
"""Seconds a client is asked to wait when storage is unavailable (a full disk, say)."""


class RequestTooLarge(Exception):
    """A request body went over MAX_BODY_BYTES (answered 413 by the error handlers)."""

    TEMPLATE = N_("The request is larger than {limit} bytes.")

    def __init__(self, limit: int) -> None:
        super().__init__(self.TEMPLATE.format(limit=limit))
        self.limit = limit

    def said(self, conn: HTTPConnection) -> str:
        """Its message in the language `conn` is answered in."""
        return say(conn, self.TEMPLATE, limit=self.limit)


class ApiError(Exception):
    """An HTTP error raised by the web layer itself (auth, limits). `message` is
    English with `{name}` placeholders for `params`, translated when answered."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        self.params = params or {}
        self.template = message
        text = message.format(**self.params) if self.params else message
        super().__init__(text)
        self.status, self.code, self.message, self.headers = status, code, text, headers


def say(conn: HTTPConnection, message: str, /, **params: object) -> str:
    """An error's `message` in the language the request is answered in."""
    return locale_for(conn).message(message, **params)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The contract's error body. A message quoting what was sent stays sendable: a lone
    surrogate in it becomes U+FFFD."""
    message = message.encode("utf-8", "replace").decode("utf-8")
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def rate_limited(exc: RateLimited, conn: HTTPConnection) -> JSONResponse:
    message = say(conn, exc.message)
    return error_response(429, "too_many_requests", message, {"Retry-After": str(exc.retry_after)})


def storage_unavailable(exc: StorageUnavailable, conn: HTTPConnection) -> JSONResponse:
    headers = {"Retry-After": str(STORAGE_RETRY_AFTER)}
    return error_response(503, "storage_unavailable", say(conn, exc.message), headers)


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the contract's shape."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        message = say(request, exc.template, **exc.params)
        return error_response(STATUS[exc.kind], exc.code, message)

    @app.exception_handler(RequestTooLarge)
    async def _too_large(request: Request, exc: RequestTooLarge) -> JSONResponse:
        return error_response(413, "too_large", exc.said(request))

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> JSONResponse:
        return rate_limited(exc, request)

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        message = say(request, exc.template, **exc.params)
        return error_response(exc.status, exc.code, message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        message = validation.describe(list(exc.errors()), locale_for(request))
        return error_response(422, "invalid_request", message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        headers = dict(exc.headers) if exc.headers else None
        return error_response(exc.status_code, code, say(request, str(exc.detail)), headers)

    @app.exception_handler(StorageUnavailable)
    async def _storage(request: Request, exc: StorageUnavailable) -> JSONResponse:
        log.error("storage unavailable: %s", exc.reason)
        return storage_unavailable(exc, request)

    @app.exception_handler(UnicodeError)
    async def _not_text(request: Request, exc: UnicodeError) -> JSONResponse:
        # Something sent text that is not text (a lone surrogate) past the rules that
        # refuse it: nothing was stored (the write could not encode it either).
        message = say(request, N_("The request contains characters that are not text."))
        return error_response(422, "invalid_text", message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        message = say(request, N_("Something went wrong on the server."))
        return error_response(500, "internal_error", message)
