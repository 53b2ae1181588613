"""User text made safe for every file format, once, before a writer sees it.

- Characters XML 1.0 cannot hold (C0 controls but tab and newline, U+FFFE/U+FFFF)
  are dropped: Word, OpenDocument, SVG and XLSX are XML, and one such character
  makes the whole file unreadable.
- A right-to-left (or left-to-right) override or embedding, and an isolate, is
  closed at the end of the text that opened it, so it cannot reorder the words the
  document puts after it ("— Health", a date, the next cell of a line).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

T = TypeVar("T")

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_OPENERS = "\u202a\u202b\u202d\u202e"  # LRE, RLE, LRO, RLO (closed by PDF, U+202C)
_ISOLATES = "\u2066\u2067\u2068"  # LRI, RLI, FSI (closed by PDI, U+2069)


def text(value: str) -> str:
    """One string: illegal characters dropped, directional formatting closed."""
    clean = _ILLEGAL.sub("", value)
    if not any(c in clean for c in _OPENERS + _ISOLATES + "\u202c\u2069"):
        return clean
    embeddings = isolates = 0
    for char in clean:
        if char in _OPENERS:
            embeddings += 1
        elif char == "\u202c":
            embeddings = max(0, embeddings - 1)
        elif char in _ISOLATES:
            isolates += 1
        elif char == "\u2069":
            isolates = max(0, isolates - 1)
    return clean + "\u202c" * embeddings + "\u2069" * isolates


def clean(value: T) -> T:
    """`value` (a Document, or any dataclass, tuple or string in one) made safe."""
    return _clean(value)  # type: ignore[no-any-return]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return text(value)
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    return value
