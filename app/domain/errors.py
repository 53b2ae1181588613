"""Domain errors: each carries a machine code and a message for a person."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused a command. Subclasses say which kind of refusal it is."""

    kind = "invalid"

    def __init__(self, code: str, message: str, /, **params: object) -> None:
        text = message.format(**params) if params else message
        super().__init__(text)
        self.code = code
        self.message = text
        """In English, filled in."""
        self.template = message
        """As written (`{name}` placeholders): the catalogue's msgid, translated where
        the error is shown (the domain knows no language)."""
        self.params = params


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
