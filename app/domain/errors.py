"""Domain errors: each carries a machine code and a message for a person."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused a command. Subclasses say which kind of refusal it is."""

    kind = "invalid"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Invalid(DomainError):
    """The input itself is wrong (HTTP 422)."""

    kind = "invalid"


class Conflict(DomainError):
    """The input is fine but the room's state refuses it (HTTP 409)."""

    kind = "conflict"


class NotFound(DomainError):
    """The thing named does not exist (HTTP 404)."""

    kind = "not_found"


class Forbidden(DomainError):
    """The caller's role may not do this (HTTP 403)."""

    kind = "forbidden"
