"""Every feature of a session, imported once so that the registry is complete.

A new phase kind, event type or document source is declared in its feature
module; adding that module here is the one other line it needs.
"""

from app.domain import (
    board,
    consent,
    document,
    facilitation,
    grid,
    note_undo,
    notes,
    ratings,
    reveal,
    room,
    spotlight,
    suggestions,
    votes,
)

FEATURES = (
    room,
    notes,
    note_undo,
    suggestions,
    votes,
    grid,
    consent,
    reveal,
    ratings,
    document,
    facilitation,
    spotlight,
    board,
)
"""The feature modules, in the order a session usually meets them."""
