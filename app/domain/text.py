"""Cleaning and checking what people type."""

from __future__ import annotations

import unicodedata

from app.domain.errors import Invalid

INVISIBLE = ("Cc", "Cf", "Zs", "Zl", "Zp")


def clean_text(value: object, *, field: str, max_length: int, single_line: bool = False) -> str:
    """Normalise and trim `value`, then check 1 ≤ length ≤ `max_length`.

    Control characters are dropped; text made only of whitespace or invisible
    characters (zero-width spaces…) counts as empty. Single-line fields (names,
    titles) have runs of whitespace folded to one space.
    """
    if not isinstance(value, str):
        raise Invalid(f"invalid_{field}", f"The {field} must be text.")
    text = unicodedata.normalize("NFC", value)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    text = " ".join(text.split()) if single_line else text.strip()
    if not any(unicodedata.category(ch) not in INVISIBLE for ch in text):
        raise Invalid(f"invalid_{field}", f"Please enter a {field}.")
    if len(text) > max_length:
        raise Invalid(
            f"invalid_{field}",
            f"The {field} is {len(text)} characters long; the limit is {max_length}.",
        )
    return text
