"""The facilitator's script in a workshop file: `[phases.script]` with `say` and `minutes`,
loaded into the phase, checked like every other field, carried by both shipped files."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.domain.workshop import Script
from app.workshops import load_workshop
from tests.support import HEALTH_CHECK, VALID, WORKSHOP_FILE, refused, write
from tests.web.support import ToolkitRoom

LOBBY_END = 'participant_prompt = "You\'re in."\n'
SCRIPT = """
[phases.script]
minutes = 5
say = ["Welcome the working group.", "Ask everyone to join."]
"""


def with_script(script: str) -> str:
    """VALID with `script` under its first phase (the lobby)."""
    assert LOBBY_END in VALID
    return VALID.replace(LOBBY_END, LOBBY_END + script, 1)


def test_a_phase_carries_its_script(tmp_path: Path) -> None:
    workshop = load_workshop(write(tmp_path, with_script(SCRIPT)))
    lobby, agree = workshop.phases
    assert lobby.script == Script(("Welcome the working group.", "Ask everyone to join."), 5)
    assert agree.script is None


def test_minutes_alone_or_words_alone(tmp_path: Path) -> None:
    only_minutes = load_workshop(write(tmp_path, with_script("\n[phases.script]\nminutes = 3\n")))
    assert only_minutes.phases[0].script == Script((), 3)
    only_words = load_workshop(write(tmp_path, with_script('\n[phases.script]\nsay = ["Hi."]\n')))
    assert only_words.phases[0].script == Script(("Hi.",), None)


@pytest.mark.parametrize(
    ("script", "field", "reason"),
    [
        ("\n[phases.script]\n", "phases.0.script", "needs `say`"),
        ("\n[phases.script]\nminutes = 0\n", "phases.0.script.minutes", "greater than or equal"),
        ("\n[phases.script]\nminutes = 241\n", "phases.0.script.minutes", "less than or equal"),
        ('\n[phases.script]\nminutes = "ten"\n', "phases.0.script.minutes", "integer"),
        ('\n[phases.script]\nsay = [""]\n', "phases.0.script.say.0", "at least 1 character"),
        ('\n[phases.script]\nsay = "One line"\n', "phases.0.script.say", "list"),
        ('\n[phases.script]\nsay = ["x"]\nwhen = 3\n', "phases.0.script.when", "Extra inputs"),
    ],
    ids=["empty", "zero-minutes", "too-long", "not-a-number", "blank-line", "not-a-list", "typo"],
)
def test_a_broken_script_names_the_line_field_and_reason(
    tmp_path: Path, script: str, field: str, reason: str
) -> None:
    message = refused(write(tmp_path, with_script(script)))
    assert field in message
    assert reason in message
    assert "line " in message


@pytest.mark.parametrize("path", [WORKSHOP_FILE, HEALTH_CHECK], ids=["visioning", "health-check"])
def test_both_shipped_workshops_script_every_phase(path: Path) -> None:
    workshop = load_workshop(path)
    for phase in workshop.phases:
        assert phase.script is not None, phase.id
        assert phase.script.say, phase.id
    working = [p for p in workshop.phases if p.kind not in ("closed",)]
    assert all(p.script and p.script.minutes for p in working)


def said(path: Path) -> dict[str, str]:
    """Each phase's script as one text, by phase id."""
    return {p.id: " ".join(p.script.say) for p in load_workshop(path).phases if p.script}


def test_the_scripts_follow_the_seeds_instructions() -> None:
    """Task 1.1's steps, Table 1.3 and the checklist, in the words of the source text."""
    visioning = said(WORKSHOP_FILE)
    assert "three statements" in visioning["purpose-write"]
    assert "not to be relevant or important to the outer circle" in visioning["purpose-sort"]
    assert "consider the statements that remain in the inner circle" in visioning["purpose-sort"]
    assert "agreed main purpose and the agreed goals" in visioning["purpose-agree"]
    assert "Table 1.3" in visioning["grid-write"]
    assert "overall joint inter-professional agreed statement" in visioning["grid-agree"]
    health = said(HEALTH_CHECK)
    assert "checklist for developing effective multi-agency partnership working" in health["lobby"]
    assert "compare and contrast" in health["ladder"]
    assert "how inclusive is the multi-agency partnership?" in health["ladder"]


def test_the_control_view_shows_the_script_and_phones_do_not(client: TestClient) -> None:
    room = ToolkitRoom.create(client, {"priya": ("Priya", "health")})
    room.phase("purpose-sort")
    control, phone = room.page("fac", "control"), room.page("priya", "phone")
    assert "Your script" in control
    assert "about 15 min" in control
    assert "consider the statements that remain in the inner circle" in control
    assert "Then: Task 1.1 · Dot-vote (optional)" in control  # the next phase, optional
    assert "Your script" not in phone
    assert "consider the statements that remain" not in phone


def test_waiting_phones_say_what_happens_next(client: TestClient) -> None:
    room = ToolkitRoom.create(client, {"priya": ("Priya", "health")})
    phone = room.page("priya", "phone")
    assert "What happens next:" in phone
    assert "Task 1.1 · Write your statements" in phone
    room.phase("purpose-write")
    room.ok(room.post("priya", "/done", {"done": True}))
    assert "Next: Task 1.1 · Sort the statements, when the facilitator" in room.page(
        "priya", "phone"
    )
