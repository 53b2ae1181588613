"""Use cases: load the room → apply a domain rule → store the events → publish.

The JSON API and the HTML pages call the same methods, on one `Service`; each
idea keeps its use cases in a module of its own.
"""

from __future__ import annotations

from app.services.core import CreatedRoom, Joined, require_facilitator, require_participant
from app.services.records import Records
from app.services.rounds import Rounds
from app.services.sessions import Sessions
from app.services.undo import Undo
from app.services.work import Work


class Service(Sessions, Rounds, Work, Records, Undo):
    """Everything a facilitator or participant can do, for every interface."""


__all__ = ["CreatedRoom", "Joined", "Service", "require_facilitator", "require_participant"]
