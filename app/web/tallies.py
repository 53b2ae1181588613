"""Statements as the screens show them: each with its responses tallied by perspective."""

from __future__ import annotations

from collections import Counter
from typing import Any

from app.domain.room import Participant, Room
from app.i18n import N_

STANCE_LABELS = {"agree": N_("Agree"), "reservations": N_("Reservations"), "object": N_("Object")}
"""Catalogue messages: the templates translate them (`_(label)`)."""


def statements(
    room: Room, me: Participant | None, only: list[str] | None = None
) -> list[dict[str, Any]]:
    """The current phase's statements, with responses tallied by perspective."""
    labels = {"purpose": N_("Agreed main purpose"), "goals": N_("Agreed goals")}
    rows = {f"grid.{r.key}": r for r in room.workshop.grid_rows}
    result = []
    for target in only if only is not None else room.current_phase.targets:
        item = room.statements.get(target)
        tally: dict[str, Counter[str]] = {p.id: Counter() for p in room.workshop.perspectives}
        objections = []
        reservations = []
        if item is not None:
            for pid, response in item.responses.items():
                person = room.participants.get(pid)
                if person is None:
                    continue
                tally.setdefault(person.perspective, Counter())[response.stance] += 1
                if response.stance == "object":
                    objections.append((person, response.reason))
                elif response.stance == "reservations" and response.reason:
                    reservations.append((person, response.reason))
        row = rows.get(target)
        result.append(
            {
                "target": target,
                "row_key": row.key if row else None,
                "contributions": room.contributions.get(row.key, []) if row else [],
                "slug": target.replace(".", "-"),
                "label": labels.get(target) or (row.title if row else target),
                "prompt": row.prompt if row else None,
                "statement": item if item is not None and item.has_content else None,
                "tally": tally,
                "objections": sorted(objections, key=lambda found: found[0].seq),
                "reservations": sorted(reservations, key=lambda found: found[0].seq),
                "responded": len(item.responses) if item else 0,
                "hidden": item is not None and item.hidden(room.options.hide_responses),
                "mine": item.responses.get(me.id) if (item and me) else None,
            }
        )
    return result
