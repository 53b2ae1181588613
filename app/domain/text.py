"""Cleaning and checking what people type."""

from __future__ import annotations

import re
import unicodedata

from app.domain.errors import Invalid

INVISIBLE = ("Cc", "Cf", "Zs", "Zl", "Zp")

_PLANE_ENDS = "".join(
    chr(plane + end) for plane in range(0, 0x110000, 0x10000) for end in (0xFFFE, 0xFFFF)
)
NONCHARACTERS = re.compile(f"[\ufdd0-\ufdef{_PLANE_ENDS}]")
"""The 66 Unicode noncharacters: never meant to be exchanged, refused by XML (U+FFFE,
U+FFFF) and so by Word files."""
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Code points an XML 1.0 document cannot hold (C0 controls but tab, LF and CR;
surrogates; U+FFFE and U+FFFF)."""
UNSAFE = re.compile(f"{XML_ILLEGAL.pattern}|{NONCHARACTERS.pattern}")


def has_surrogates(value: str) -> bool:
    """A lone surrogate ("\\ud800") cannot be stored, encoded or sent as UTF-8."""
    return any("\ud800" <= ch <= "\udfff" for ch in value)


def xml_safe(value: str) -> str:
    """`value` without code points an XML document (a Word file) cannot hold, and
    without noncharacters: what every document writer applies again to what it writes."""
    return UNSAFE.sub("", value) if UNSAFE.search(value) else value


def clean_text(value: object, *, field: str, max_length: int, single_line: bool = False) -> str:
    """Normalise and trim `value`, then check 1 ≤ length ≤ `max_length`.

    Control characters and noncharacters (U+FFFF…) are dropped; a lone surrogate
    is refused (it is not text). Text made only of whitespace or invisible
    characters (zero-width spaces…) counts as empty. Single-line fields (names,
    titles) have runs of whitespace folded to one space. What comes out can be
    stored, sent as UTF-8 and written into any document format.
    """
    if not isinstance(value, str):
        raise Invalid(f"invalid_{field}", "The {field} must be text.", field=field)
    if has_surrogates(value):
        raise Invalid(
            f"invalid_{field}", "The {field} contains characters that are not text.", field=field
        )
    text = unicodedata.normalize("NFC", value)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    text = xml_safe(text)
    text = " ".join(text.split()) if single_line else text.strip()
    if not any(unicodedata.category(ch) not in INVISIBLE for ch in text):
        raise Invalid(f"invalid_{field}", "Please enter a {field}.", field=field)
    if len(text) > max_length:
        raise Invalid(
            f"invalid_{field}",
            "The {field} is {length} characters long; the limit is {limit}.",
            field=field,
            length=len(text),
            limit=max_length,
        )
    return text
