"""Room codes: short, random, typed on a phone, never ambiguous."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L, and no U/V pair confusion in handwriting on a flip chart.
ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
LENGTH = 6


def new_code(length: int = LENGTH) -> str:
    """A fresh random code (29**6 ≈ 595 million possibilities at length 6)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize_code(raw: str) -> str:
    """What a person typed, as a code: upper-case, spaces and dashes dropped."""
    return "".join(ch for ch in raw.upper() if ch not in " -_\t")


def looks_like_code(code: str) -> bool:
    """Whether `code` could have been issued (cheap check before a lookup)."""
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)
