"""A request pydantic refuses (422 `invalid_request`), said in the reader's language:
each problem as where it is (the JSON path sent, which stays as sent: it is the API's)
and what is wrong, from pydantic's error `type` — never its English `msg`."""

from __future__ import annotations

from collections.abc import Sequence
from string import Formatter
from typing import Any

from app.i18n import N_, Locale

PROBLEMS = {
    "missing": N_("{where}: this is required."),
    "json_invalid": N_("The body is not valid JSON."),
    "json_type": N_("The body must be JSON."),
    "model_type": N_("{where}: must be an object."),
    "model_attributes_type": N_("{where}: must be an object."),
    "dict_type": N_("{where}: must be an object."),
    "string_type": N_("{where}: must be text."),
    "string_unicode": N_("{where}: must be text."),
    "bool_type": N_("{where}: must be true or false."),
    "bool_parsing": N_("{where}: must be true or false."),
    "int_type": N_("{where}: must be a whole number."),
    "int_parsing": N_("{where}: must be a whole number."),
    "int_from_float": N_("{where}: must be a whole number."),
    "float_type": N_("{where}: must be a number."),
    "float_parsing": N_("{where}: must be a number."),
    "list_type": N_("{where}: must be a list."),
    "uuid_type": N_("{where}: must be an id (a UUID)."),
    "uuid_parsing": N_("{where}: must be an id (a UUID)."),
    "string_too_short": N_("{where}: must be at least {min_length} characters."),
    "string_too_long": N_("{where}: must be at most {max_length} characters."),
    "too_short": N_("{where}: must have at least {min_length} items."),
    "too_long": N_("{where}: must have at most {max_length} items."),
    "greater_than_equal": N_("{where}: must be at least {ge}."),
    "less_than_equal": N_("{where}: must be at most {le}."),
    "greater_than": N_("{where}: must be more than {gt}."),
    "less_than": N_("{where}: must be less than {lt}."),
    "literal_error": N_("{where}: must be one of {expected}."),
    "enum": N_("{where}: must be one of {expected}."),
}
OTHER = N_("{where}: is not valid.")
"""Any other problem (its kind is in `PROBLEMS` once it is worth saying better)."""
REQUEST = N_("the request")
"""Where a problem is when it is not in a field."""
SHOWN = 5


def _where(error: dict[str, Any], say: Locale) -> str:
    path = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    return ".".join(path) or say.gettext(REQUEST)


def describe(errors: Sequence[dict[str, Any]], say: Locale) -> str:
    """The first few problems, each in `say`'s language, joined with "; "."""
    parts = []
    for error in errors[:SHOWN]:
        template = PROBLEMS.get(str(error.get("type")), OTHER)
        context = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
        needed = {name for _, name, _, _ in Formatter().parse(template) if name}
        if not needed <= {*context, "where"}:  # pydantic said less than we would
            template = OTHER
        parts.append(say.message(template, **{**context, "where": _where(error, say)}))
    return "; ".join(parts)
