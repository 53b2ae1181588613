"""Pseudo-locales for testing: no catalogue, every message transformed at lookup.

- `en-XA`: accented and about 35% longer, in brackets — English left on a page
  (hard-coded, not in the catalogue) shows as plain ASCII, clipped text loses
  its closing bracket.
- `ar-XB`: the English wording, right to left — for the RTL layout.
"""

from __future__ import annotations

import gettext
import re
from typing import Literal

PSEUDO: dict[str, tuple[str, Literal["ltr", "rtl"]]] = {
    "en-XA": ("en-XA", "ltr"),
    "ar-XB": ("ar-XB", "rtl"),
}
ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
KEEP = re.compile(r"(%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}|<[^>]*>|&[a-z#0-9]+;)")
VOWELS = re.compile(r"([aeiouAEIOU])")


def lengthen(text: str) -> str:
    """`[Ĵööîñ ţĥéé šéššîîöñ]`: vowels doubled (about +35%), accented; placeholders,
    tags and entities kept as they are."""
    parts = KEEP.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = VOWELS.sub(r"\1\1", parts[i]).translate(ACCENTS)
    return f"[{''.join(parts)}]" if text.strip() else text


class PseudoTranslations(gettext.NullTranslations):
    """The pseudo-locale's lookups: `en-XA` lengthens, `ar-XB` keeps the English."""

    def __init__(self, direction: Literal["ltr", "rtl"]) -> None:
        super().__init__()
        self.direction = direction

    def _pseudo(self, text: str) -> str:
        return text if self.direction == "rtl" else lengthen(text)

    def gettext(self, message: str) -> str:
        return self._pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self._pseudo(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return self._pseudo(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return self._pseudo(msgid1 if n == 1 else msgid2)
