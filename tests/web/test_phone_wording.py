"""Words that tell the truth (issue 15, point 6): who can read a note, said per room and
per note; nothing promises privacy about notes the room has already seen."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.support import ToolkitRoom

PEOPLE = {"priya": ("Priya", "health"), "tom": ("Tom", "education")}
PROMISES = re.compile(r"only you|private until|stay private|stays private", re.IGNORECASE)


def test_without_moderation_the_writer_is_told_only_they_see_their_notes(
    client: TestClient,
) -> None:
    room = ToolkitRoom.create(client, PEOPLE)
    room.phase("purpose-write")
    room.note("priya", "Keep families at the centre")
    phone = room.page("priya", "phone")
    assert "Only you see your statements until the facilitator reveals them" in phone
    assert "Private to you until the facilitator reveals it." in phone
    assert "private until revealed" in room.page("fac", "board")


def test_with_moderation_phones_say_the_facilitator_reads_notes_first(
    client: TestClient,
) -> None:
    room = ToolkitRoom.create(client, PEOPLE, moderated=True)
    room.phase("purpose-write")
    room.note("priya", "Keep families at the centre")
    phone = room.page("priya", "phone")
    assert "The facilitator reads each statement as it is written" in phone
    assert "The facilitator can read it; the group sees it when it is revealed." in phone
    assert not PROMISES.search(phone), PROMISES.search(phone)


def test_the_author_of_a_held_note_is_told_and_nobody_else_is(client: TestClient) -> None:
    room = ToolkitRoom.create(client, PEOPLE, moderated=True)
    room.phase("purpose-write")
    held = room.note("priya", "A note to hold back")
    room.note("tom", "Tom's own note")
    room.ok(room.post("fac", f"/notes/{held}/hold", {"held": True}))
    assert "Held back by the facilitator: the group does not see it." in room.page("priya", "phone")
    assert "Held back" not in room.page("tom", "phone")
    room.phase("purpose-sort")
    room.phase("purpose-write")
    assert "Held back by the facilitator" in room.page("priya", "phone")


def test_after_a_reveal_no_screen_promises_privacy_even_back_in_writing(
    client: TestClient,
) -> None:
    room = ToolkitRoom.create(client, PEOPLE)
    room.phase("purpose-write")
    room.note("priya", "Keep families at the centre")
    room.phase("purpose-sort")
    room.phase("purpose-write")  # the facilitator steps back
    phone, board, control = (
        room.page("priya", "phone"),
        room.page("fac", "board"),
        room.page("fac", "control"),
    )
    assert "Revealed: on the board for everyone." in phone
    assert "Statements already revealed are on the board for everyone" in phone
    for screen in (phone, board):
        assert not PROMISES.search(screen), PROMISES.search(screen)
    assert "The text stays private" not in control
    assert "Notes revealed earlier stay on the board" in control
