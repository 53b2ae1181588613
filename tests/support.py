"""What tests across packages share: the shipped workshop files, and small ones written
for a test (a valid one, a rating phase to add to it) with the way a broken one is refused.

Room helpers live next to the tests that drive rooms: tests/domain/support.py (the
aggregate), tests/web/support.py (the API and its sockets), tests/e2e/conftest.py
(the browser). Fixtures and the HTTP-level helpers every package uses (make_room,
join, bearer, PHASES) are in tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.workshops import WorkshopFileError, load_workshop
from tests.servers import ROOT

WORKSHOPS_DIR = ROOT / "workshops"
WORKSHOP_FILE = WORKSHOPS_DIR / "multi-agency-visioning.toml"
"""The shipped visioning workshop: the one a room gets unless it asks for another."""
HEALTH_CHECK = WORKSHOPS_DIR / "partnership-health-check.toml"

# ------------------------------------------------------------------ small workshop files
VALID = """\
id = "tiny"
title = "Tiny workshop"

[[perspectives]]
id = "health"
label = "Health"
short = "H"

[[phases]]
id = "lobby"
kind = "lobby"
title = "Welcome"
facilitator_prompt = "Invite everyone."
participant_prompt = "You're in."

[[phases]]
id = "agree"
kind = "agree"
title = "Agree"
facilitator_prompt = "Draft it."
participant_prompt = "Respond."
targets = ["purpose", "grid.mission"]

[notes]
per_participant = 3
prompt = "What should the purpose be?"

[[grid.rows]]
key = "mission"
title = "Mission"
prompt = "The mission should be …"

[document]
title = "Joint statement"

[[document.sections]]
id = "purpose"
heading = "Statement of purpose"
sources = ["purpose"]
"""

RATE_PHASE = """
[[phases]]
id = "check"
kind = "rate-items"
title = "Check"
facilitator_prompt = "Ask everyone to rate."
participant_prompt = "Rate each item."

[[phases.options]]
id = "yes"
label = "Yes"

[[phases.options]]
id = "no"
label = "{label}"

[[phases.items]]
id = "one"
text = "The first item."
"""
"""A rating phase to append to VALID; `{label}` is the second option's label."""


def write(directory: Path, text: str, name: str = "tiny.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> str:
    """Loading `path` fails with a message that names the file; the message."""
    with pytest.raises(WorkshopFileError) as caught:
        load_workshop(path)
    message = str(caught.value)
    assert str(path) in message
    return message
