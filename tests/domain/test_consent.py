"""Agreeing statements: draft, respond (agree / reservations / object), agree.

One mechanism for Task 1.1's purpose and goals and each Table 1.3 row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import cast

import pytest

from app.domain import consent
from app.domain.errors import Conflict, DomainError, Invalid, NotFound
from app.domain.events import FACILITATOR, Draft, Event
from app.domain.room import Room
from app.domain.workshop import Workshop
from tests.domain.support import (
    GRID_TARGETS,
    TEXT,
    agree,
    commit,
    draft,
    move_to,
    new_room,
    respond,
    state,
)

TEXT_TARGETS = ["purpose", *GRID_TARGETS]


@pytest.fixture
def room(workshop: Workshop) -> Room:
    """Three participants, agreeing Task 1.1's purpose and goals."""
    return new_room(workshop, "purpose-agree")


def content(target: str) -> dict[str, object]:
    """A valid draft for `target`: goals are a list, the rest text."""
    if target == "goals":
        return {"items": ["Share information early", "One plan per family"]}
    return {"text": f"The agreed {target} statement."}


# ------------------------------------------------------------------- targets
def test_targets_are_purpose_goals_and_every_grid_row(room: Room) -> None:
    assert consent.targets(room) == ["purpose", "goals", *GRID_TARGETS]


@pytest.mark.parametrize("target", ["nope", "grid.nope", "grid", "document", "Purpose", ""])
def test_draft_for_an_unknown_target_is_not_found(room: Room, target: str) -> None:
    with pytest.raises(NotFound) as caught:
        consent.decide_draft(room, target=target, text="Text", max_length=TEXT)
    assert caught.value.code == "target_not_found"


@pytest.mark.parametrize("target", ["nope", "grid.nope"])
def test_respond_and_agree_on_an_unknown_target_are_not_found(room: Room, target: str) -> None:
    with pytest.raises(NotFound):
        consent.decide_respond(
            room, target=target, participant_id="p1", stance="agree", reason=None, max_length=TEXT
        )
    with pytest.raises(NotFound):
        consent.decide_agree(room, target=target, override_reason=None, max_length=TEXT)


# --------------------------------------------------------------------- draft
def test_draft_purpose_text(room: Room) -> None:
    drafts = consent.decide_draft(
        room, target="purpose", text="  Every child safe and learning  ", max_length=TEXT
    )
    assert drafts == [
        Draft(
            "statement.updated",
            {
                "statement": {
                    "target": "purpose",
                    "text": "Every child safe and learning",
                    "items": None,
                    "status": "draft",
                    "version": 1,
                    "responses": [],
                    "override_reason": None,
                }
            },
            actor="facilitator",
        )
    ]
    commit(room, drafts)
    statement = room.statements["purpose"]
    assert (statement.text, statement.items, statement.status, statement.version) == (
        "Every child safe and learning",
        None,
        "draft",
        1,
    )


def test_draft_goals_as_a_list(room: Room) -> None:
    draft(room, "goals", items=["  Share information early ", "One plan per family"])
    statement = room.statements["goals"]
    assert statement.items == ["Share information early", "One plan per family"]
    assert statement.text is None
    assert room.snapshot(FACILITATOR)["statements"]["goals"]["items"] == [
        "Share information early",
        "One plan per family",
    ]


@pytest.mark.parametrize(
    "items",
    [None, [], "Share information", {"a": 1}, ["ok", ""], ["ok", "   "], ["ok", 3]],
    ids=["missing", "empty", "string", "dict", "empty-item", "blank-item", "non-text-item"],
)
def test_goals_need_a_non_empty_list_of_items(room: Room, items: object) -> None:
    with pytest.raises(Invalid) as caught:
        consent.decide_draft(room, target="goals", text="Not a list", items=items, max_length=TEXT)
    assert caught.value.code in ("invalid_items", "invalid_goal")
    assert "goals" not in room.statements


def test_goals_at_most_twenty(room: Room) -> None:
    draft(room, "goals", items=[f"Goal {i}" for i in range(20)])
    assert len(room.statements["goals"].items or []) == 20
    with pytest.raises(Invalid) as caught:
        consent.decide_draft(
            room, target="goals", items=[f"Goal {i}" for i in range(21)], max_length=TEXT
        )
    assert caught.value.code == "invalid_items"


def test_a_goal_is_limited_like_any_text(room: Room) -> None:
    with pytest.raises(Invalid) as caught:
        consent.decide_draft(room, target="goals", items=["x" * (TEXT + 1)], max_length=TEXT)
    assert caught.value.code == "invalid_goal"


@pytest.mark.parametrize("target", TEXT_TARGETS)
@pytest.mark.parametrize("text", [None, "", "   ", 5, "x" * (TEXT + 1)])
def test_other_targets_need_text(room: Room, target: str, text: object) -> None:
    with pytest.raises(Invalid) as caught:
        consent.decide_draft(room, target=target, text=text, max_length=TEXT)
    assert caught.value.code == "invalid_text"


@pytest.mark.parametrize("target", TEXT_TARGETS)
def test_other_targets_do_not_take_a_list(room: Room, target: str) -> None:
    """Only goals are a list: a purpose or a row given items but no text is refused."""
    with pytest.raises(Invalid) as caught:
        consent.decide_draft(room, target=target, items=["One", "Two"], max_length=TEXT)
    assert caught.value.code == "invalid_text"
    assert target not in room.statements


def test_editing_a_draft_clears_responses_and_bumps_the_version(room: Room) -> None:
    draft(room, "purpose", text="First")
    respond(room, "purpose", "p1", "agree")
    respond(room, "purpose", "p2", "object", "Too vague")
    assert len(room.statements["purpose"].responses) == 2
    (event,) = draft(room, "purpose", text="Second")
    assert event.data["statement"]["version"] == 2
    assert event.data["statement"]["responses"] == []
    statement = room.statements["purpose"]
    assert (statement.text, statement.version, statement.responses) == ("Second", 2, {})
    assert statement.objections() == []
    draft(room, "purpose", text="Third")
    assert room.statements["purpose"].version == 3


def test_an_identical_redraft_decides_nothing(room: Room) -> None:
    draft(room, "purpose", text="Same")
    respond(room, "purpose", "p1", "reservations", "Hmm")
    assert consent.decide_draft(room, target="purpose", text="  Same ", max_length=TEXT) == []
    draft(room, "goals", items=["A", "B"])
    assert consent.decide_draft(room, target="goals", items=["A", " B "], max_length=TEXT) == []
    # The response survives, since nothing changed.
    assert room.statements["purpose"].responses["p1"].stance == "reservations"
    # Reordering goals is a change.
    assert consent.decide_draft(room, target="goals", items=["B", "A"], max_length=TEXT)


def test_redrafting_an_agreed_statement_reopens_it(room: Room) -> None:
    draft(room, "purpose", text="Agreed text")
    agree(room, "purpose")
    assert room.statements["purpose"].status == "agreed"
    # The same text again over an agreed statement is a new draft (status changes).
    (event,) = draft(room, "purpose", text="Agreed text")
    assert event.data["statement"]["status"] == "draft"
    assert room.statements["purpose"].status == "draft"
    assert room.statements["purpose"].override_reason is None


# ------------------------------------------------------------------- respond
@pytest.mark.parametrize("target", ["purpose", "goals", "grid.mission"])
def test_respond_needs_a_draft(room: Room, target: str) -> None:
    with pytest.raises(Conflict) as caught:
        consent.decide_respond(
            room, target=target, participant_id="p1", stance="agree", reason=None, max_length=TEXT
        )
    assert caught.value.code == "no_draft"


@pytest.mark.parametrize("stance", ["agree", "reservations", "object"])
def test_respond_with_each_stance(room: Room, stance: str) -> None:
    draft(room, "purpose", text="Purpose")
    (event,) = respond(room, "purpose", "p2", stance, "  Because  ")
    assert event.type == "response.set"
    assert event.actor == "p2"
    assert event.private_to is None
    assert event.data == {
        "target": "purpose",
        "participant_id": "p2",
        "stance": stance,
        "reason": "Because",
    }
    response = room.statements["purpose"].responses["p2"]
    assert (response.stance, response.reason) == (stance, "Because")
    assert room.snapshot(FACILITATOR)["statements"]["purpose"]["responses"] == [
        {"participant_id": "p2", "stance": stance, "reason": "Because"}
    ]


@pytest.mark.parametrize("stance", ["yes", "", "AGREE", None, 1, "abstain"])
def test_respond_with_an_unknown_stance_is_invalid(room: Room, stance: object) -> None:
    draft(room, "purpose", text="Purpose")
    with pytest.raises(Invalid) as caught:
        consent.decide_respond(
            room, target="purpose", participant_id="p1", stance=stance, reason="x", max_length=TEXT
        )
    assert caught.value.code == "invalid_stance"


@pytest.mark.parametrize("reason", [None, "", "   ", "\n"])
def test_an_objection_needs_a_reason(room: Room, reason: object) -> None:
    draft(room, "purpose", text="Purpose")
    with pytest.raises(Invalid) as caught:
        consent.decide_respond(
            room,
            target="purpose",
            participant_id="p1",
            stance="object",
            reason=reason,
            max_length=TEXT,
        )
    assert caught.value.code == "invalid_reason"


@pytest.mark.parametrize("stance", ["agree", "reservations"])
def test_blank_reasons_are_stored_as_none(room: Room, stance: str) -> None:
    draft(room, "purpose", text="Purpose")
    respond(room, "purpose", "p1", stance, "   ")
    assert room.statements["purpose"].responses["p1"].reason is None


@pytest.mark.parametrize("reason", ["x" * (TEXT + 1), 5, ["why"]])
def test_reasons_are_text_within_the_limit(room: Room, reason: object) -> None:
    draft(room, "purpose", text="Purpose")
    with pytest.raises(Invalid) as caught:
        consent.decide_respond(
            room,
            target="purpose",
            participant_id="p1",
            stance="reservations",
            reason=reason,
            max_length=TEXT,
        )
    assert caught.value.code == "invalid_reason"


def test_reason_limit_boundary(room: Room) -> None:
    draft(room, "purpose", text="Purpose")
    respond(room, "purpose", "p1", "object", "x" * TEXT)
    assert room.statements["purpose"].responses["p1"].reason == "x" * TEXT


def test_changing_a_response_replaces_it_and_repeating_it_decides_nothing(room: Room) -> None:
    draft(room, "purpose", text="Purpose")
    respond(room, "purpose", "p1", "object", "No")
    assert (
        consent.decide_respond(
            room,
            target="purpose",
            participant_id="p1",
            stance="object",
            reason=" No ",
            max_length=TEXT,
        )
        == []
    )
    respond(room, "purpose", "p1", "agree")
    assert room.statements["purpose"].objections() == []
    assert list(room.statements["purpose"].responses) == ["p1"]


def test_respond_by_an_unknown_participant_is_not_found(room: Room) -> None:
    draft(room, "purpose", text="Purpose")
    with pytest.raises(NotFound):
        consent.decide_respond(
            room,
            target="purpose",
            participant_id="ghost",
            stance="agree",
            reason=None,
            max_length=TEXT,
        )


def test_respond_on_an_agreed_statement_is_a_conflict(room: Room) -> None:
    draft(room, "purpose", text="Purpose")
    agree(room, "purpose")
    with pytest.raises(Conflict) as caught:
        consent.decide_respond(
            room,
            target="purpose",
            participant_id="p1",
            stance="agree",
            reason=None,
            max_length=TEXT,
        )
    assert caught.value.code == "already_agreed"


# --------------------------------------------------------------------- agree
def test_agree_needs_a_draft(room: Room) -> None:
    with pytest.raises(Conflict) as caught:
        consent.decide_agree(room, target="purpose", override_reason=None, max_length=TEXT)
    assert caught.value.code == "no_draft"


def test_agree_without_objections(room: Room) -> None:
    draft(room, "purpose", text="Purpose")
    respond(room, "purpose", "p1", "agree")
    respond(room, "purpose", "p2", "reservations", "Wording")
    (event,) = agree(room, "purpose")
    assert event.type == "statement.agreed"
    assert event.actor == "facilitator"
    assert event.data["statement"]["status"] == "agreed"
    assert event.data["statement"]["override_reason"] is None
    statement = room.statements["purpose"]
    assert statement.status == "agreed"
    assert statement.override_reason is None
    assert statement.agreed_at == event.at
    # Responses are kept with the agreed statement.
    assert set(statement.responses) == {"p1", "p2"}


def test_agree_without_objections_ignores_an_override_reason(room: Room) -> None:
    draft(room, "purpose", text="Purpose")
    respond(room, "purpose", "p1", "agree")
    agree(room, "purpose", "Nobody objected anyway")
    assert room.statements["purpose"].status == "agreed"
    assert room.statements["purpose"].override_reason is None


@pytest.mark.parametrize("override", [None, "", "   "])
def test_a_standing_objection_blocks_agreement(room: Room, override: object) -> None:
    draft(room, "purpose", text="Purpose")
    respond(room, "purpose", "p1", "agree")
    respond(room, "purpose", "p2", "object", "Leaves out families")
    with pytest.raises(Conflict) as caught:
        consent.decide_agree(room, target="purpose", override_reason=override, max_length=TEXT)
    assert caught.value.code == "objection_stands"
    assert room.statements["purpose"].status == "draft"


def test_agree_over_an_objection_with_an_override_reason(room: Room) -> None:
    draft(room, "purpose", text="Purpose")
    respond(room, "purpose", "p2", "object", "Leaves out families")
    (event,) = agree(room, "purpose", "  Agreed to revisit in a month  ")
    assert event.data["statement"]["override_reason"] == "Agreed to revisit in a month"
    statement = room.statements["purpose"]
    assert statement.status == "agreed"
    assert statement.override_reason == "Agreed to revisit in a month"
    # The objection is still on record.
    assert statement.objections() == ["p2"]
    public = room.snapshot(FACILITATOR)["statements"]["purpose"]
    assert public["status"] == "agreed"
    assert public["override_reason"] == "Agreed to revisit in a month"


@pytest.mark.parametrize("override", [5, ["why"], {"r": 1}, "x" * (TEXT + 1)])
def test_override_reason_must_be_text_within_the_limit(room: Room, override: object) -> None:
    draft(room, "purpose", text="Purpose")
    respond(room, "purpose", "p2", "object", "No")
    with pytest.raises(Invalid) as caught:
        consent.decide_agree(room, target="purpose", override_reason=override, max_length=TEXT)
    assert caught.value.code == "invalid_override_reason"


def test_a_removed_participants_objection_no_longer_blocks(room: Room) -> None:
    draft(room, "purpose", text="Purpose")
    respond(room, "purpose", "p2", "object", "No")
    commit(room, room.decide_remove("p2"))
    agree(room, "purpose")
    assert room.statements["purpose"].status == "agreed"
    assert room.statements["purpose"].override_reason is None


def test_agreeing_again_decides_nothing(room: Room) -> None:
    draft(room, "purpose", text="Purpose")
    agree(room, "purpose")
    assert consent.decide_agree(room, target="purpose", override_reason=None, max_length=TEXT) == []


# ------------------------------------------------------------- closed rooms
def _all_commands() -> list[tuple[str, Callable[[Room], list[Draft]]]]:
    return [
        (
            "draft",
            lambda r: consent.decide_draft(r, target="purpose", text="New", max_length=TEXT),
        ),
        (
            "draft-goals",
            lambda r: consent.decide_draft(r, target="goals", items=["New"], max_length=TEXT),
        ),
        (
            "respond",
            lambda r: consent.decide_respond(
                r,
                target="purpose",
                participant_id="p1",
                stance="agree",
                reason=None,
                max_length=TEXT,
            ),
        ),
        (
            "agree",
            lambda r: consent.decide_agree(
                r, target="grid.mission", override_reason="Because", max_length=TEXT
            ),
        ),
    ]


@pytest.mark.parametrize(("name", "decide"), _all_commands(), ids=[n for n, _ in _all_commands()])
def test_a_closed_room_refuses_every_command(
    room: Room, name: str, decide: Callable[[Room], list[Draft]]
) -> None:
    draft(room, "purpose", text="Purpose")
    draft(room, "grid.mission", text="Mission")
    respond(room, "grid.mission", "p1", "object", "No")
    move_to(room, "closed")
    before = state(room)
    with pytest.raises(Conflict) as caught:
        decide(room)
    assert caught.value.code == "room_closed", name
    assert state(room) == before


# ------------------------------------------------------------- one mechanism
@pytest.mark.parametrize("target", ["purpose", "goals", *GRID_TARGETS])
def test_every_target_works_the_same(room: Room, target: str) -> None:
    move_to(room, "grid-agree" if target.startswith("grid.") else "purpose-agree")
    draft(room, target, **content(target))
    assert room.statements[target].version == 1
    respond(room, target, "p1", "agree")
    respond(room, target, "p2", "object", "Not for us")
    with pytest.raises(Conflict) as blocked:
        consent.decide_agree(room, target=target, override_reason=None, max_length=TEXT)
    assert blocked.value.code == "objection_stands"
    # Editing clears the objection...
    redraft = dict(content(target))
    if "items" in redraft:
        redraft["items"] = [*cast(list[str], redraft["items"]), "Review together"]
    else:
        redraft["text"] = f"{redraft['text']} Revised."
    draft(room, target, **redraft)
    assert room.statements[target].version == 2
    assert room.statements[target].responses == {}
    # ...a new objection blocks again, and an override reason carries it.
    respond(room, target, "p3", "object", "Still not")
    agree(room, target, "Recorded and accepted")
    statement = room.statements[target]
    assert (statement.status, statement.override_reason) == ("agreed", "Recorded and accepted")
    with pytest.raises(Conflict) as agreed:
        consent.decide_respond(
            room, target=target, participant_id="p1", stance="agree", reason=None, max_length=TEXT
        )
    assert agreed.value.code == "already_agreed"


# ------------------------------------------------------------------- purity
def _decisions() -> list[tuple[str, Callable[[Room], list[Draft]]]]:
    return [
        *_all_commands(),
        (
            "draft-bad",
            lambda r: consent.decide_draft(r, target="goals", items=[], max_length=TEXT),
        ),
        (
            "respond-object",
            lambda r: consent.decide_respond(
                r,
                target="purpose",
                participant_id="p2",
                stance="object",
                reason="No",
                max_length=TEXT,
            ),
        ),
        (
            "respond-bad",
            lambda r: consent.decide_respond(
                r,
                target="purpose",
                participant_id="p2",
                stance="object",
                reason=None,
                max_length=TEXT,
            ),
        ),
        (
            "agree-blocked",
            lambda r: consent.decide_agree(
                r, target="grid.mission", override_reason=None, max_length=TEXT
            ),
        ),
        (
            "agree-purpose",
            lambda r: consent.decide_agree(
                r, target="purpose", override_reason=None, max_length=TEXT
            ),
        ),
    ]


@pytest.mark.parametrize(("name", "decide"), _decisions(), ids=[n for n, _ in _decisions()])
def test_decisions_never_mutate_the_room(
    room: Room, name: str, decide: Callable[[Room], list[Draft]]
) -> None:
    draft(room, "purpose", text="Purpose")
    respond(room, "purpose", "p1", "agree")
    draft(room, "grid.mission", text="Mission")
    respond(room, "grid.mission", "p1", "object", "No")
    before = state(room)
    with contextlib.suppress(DomainError):
        decide(room)
    assert state(room) == before, name


def test_replaying_the_log_rebuilds_the_statements(room: Room, workshop: Workshop) -> None:
    head = new_room(workshop, "purpose-agree")
    log: list[Event] = []
    log += draft(room, "purpose", text="Purpose")
    log += respond(room, "purpose", "p1", "object", "No")
    log += draft(room, "purpose", text="Purpose, revised")
    log += respond(room, "purpose", "p2", "object", "Still no")
    log += agree(room, "purpose", "Accepted")
    log += draft(room, "goals", items=["A", "B"])
    log += respond(room, "goals", "p3", "agree")
    head.apply_all(log)
    assert state(head) == state(room)
