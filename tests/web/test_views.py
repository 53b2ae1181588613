"""The live-update rule: which blocks of which page a change to the room touches.

Each event type declares the parts of the screens it changes (in the domain,
beside the event); each block declares the parts it shows (app/web/views.py).
"""

from __future__ import annotations

from app.domain.registry import SCREEN, Part
from app.web.renderer import affected
from app.web.views import PAGES, SHOWS, presence

BLOCKS = [(page, block) for page, (_, blocks) in PAGES.items() for block in blocks]


def touched(parts: tuple[Part, ...], me: str | None = "p1") -> set[str]:
    return {block for page, block in BLOCKS if affected(page, block, parts, me)}


def test_every_block_of_every_page_has_a_rule() -> None:
    assert {block for _, block in BLOCKS} == set(SHOWS)


def test_a_phase_change_repaints_every_block() -> None:
    assert touched((SCREEN,)) == set(SHOWS)


def test_presence_repaints_the_board_and_the_people_list_only() -> None:
    assert touched(presence("p2")) == {"board_main", "control_participants"}


def test_a_timer_reaches_every_page_but_not_the_tasks() -> None:
    assert touched((Part("timer"),)) == {"board_phase", "phone_phase", "control_status"}


def test_my_answer_changes_my_phone_but_not_the_others() -> None:
    mine = (Part("rating", "q1"), Part("answer", "q1", only="p1"))
    assert touched(mine, me="p1") == {"board_main", "control_task", "phone_task"}
    assert touched(mine, me="p2") == {"board_main", "control_task"}


def test_a_private_note_reaches_its_author_and_the_counts_only() -> None:
    written = (Part("note", "n1", only="p1"), Part("notes-progress"))
    assert "phone_task" in touched(written, me="p1")
    assert "phone_task" not in touched(written, me="p2")
    assert {"board_main", "control_task"} <= touched(written, me="p2")


def test_i_am_done_reaches_my_done_button_and_the_counts() -> None:
    done = (Part("done", "p1", only="p1"),)
    assert touched(done, me="p1") == {
        "board_phase",
        "control_task",
        "control_participants",
        "phone_done",
    }
    assert "phone_done" not in touched(done, me="p2")


def test_locking_changes_the_status_and_the_board_only() -> None:
    assert touched((Part("lock"),)) == {"control_status", "board_main"}


def test_a_phone_repaints_only_what_it_shows() -> None:
    """The tally of a statement is on the board and the control view, not on phones."""
    assert touched((Part("tally", "purpose"),)) == {"board_main", "control_task"}
    assert touched((Part("statement", "purpose"),)) == {"board_main", "control_task", "phone_task"}
    assert touched((Part("signatures"),)) == {"board_main", "control_task"}
