"""Rating phases in the domain: the partnership health check's checklist and ladder.

Each participant picks one option per item (changeable, clearable); the room
shows distributions by perspective, never names; the document turns the
ratings into the action list (`ratings.<phase>.<option>`, ties included) and
the results (`ratings.<phase>`). Also: the workshop file's rating fields.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from time_machine import TimeMachineFixture

from app.domain import document, facilitation, ratings
from app.domain.errors import Conflict, Invalid, NotFound
from app.domain.events import FACILITATOR, Draft, Event
from app.domain.room import Room
from app.domain.workshop import Workshop
from app.export import markdown
from app.workshops import load_workshop
from tests.domain.support import (
    CREATED,
    P1,
    commit,
    create_room,
    join,
    move_to,
    new_room,
    refused,
    state,
)
from tests.support import HEALTH_CHECK, VALID, WORKSHOP_FILE, write
from tests.support import RATE_PHASE as WORKSHOP_RATE_PHASE
from tests.support import refused as refused_file

CHECKLIST_ITEMS = [
    "visioning-event",
    "aims-clear",
    "contributions-clear",
    "realistic-expectations",
    "diversity",
    "targets",
    "roles",
    "shared-values",
    "communication",
    "accommodation-ict",
    "team-building",
    "line-management",
    "monitoring",
    "quality-time",
    "meetings-scheduled",
]
TITLE = "Oakfield health check"
LADDER = ["information", "consultation", "deciding-together", "acting-together", "supporting"]


@pytest.fixture(scope="module")
def workshop() -> Workshop:
    return load_workshop(HEALTH_CHECK)


@pytest.fixture
def room(workshop: Workshop) -> Room:
    """Five participants (two from health), rating the checklist."""
    room = new_room(workshop, people=5, title=TITLE)
    move_to(room, "checklist")
    return room


def rate(room: Room, pid: str, item: str, option: str | None) -> list[Event]:
    return commit(room, ratings.decide_rate(room, participant_id=pid, item=item, option=option))


def by_item(room: Room, phase: str) -> dict[str, ratings.Distribution]:
    return {d.item.id: d for d in ratings.distributions(room, room.workshop.phase(phase))}


def rate_the_checklist(room: Room) -> None:
    """visioning-event mostly not yet; aims-clear a tie (in place / not yet); roles partly."""
    for pid, option in (("p1", "not-yet"), ("p2", "not-yet"), ("p3", "in-place")):
        rate(room, pid, "visioning-event", option)
    for pid, option in (("p1", "in-place"), ("p2", "not-yet")):
        rate(room, pid, "aims-clear", option)
    for pid, option in (("p1", "partly"), ("p2", "partly"), ("p3", "not-yet")):
        rate(room, pid, "roles", option)
    rate(room, "p4", "targets", "in-place")


def rate_the_ladder(room: Room) -> None:
    move_to(room, "ladder")
    for pid, option in (
        ("p1", "deciding-together"),
        ("p5", "deciding-together"),
        ("p3", "deciding-together"),
        ("p2", "consultation"),
    ):
        rate(room, pid, "ladder", option)


# ================================================================ the workshop
def test_the_health_check_is_data(workshop: Workshop) -> None:
    assert workshop.id == "partnership-health-check"
    assert [(p.id, p.kind) for p in workshop.phases] == [
        ("lobby", "lobby"),
        ("checklist", "rate-items"),
        ("ladder", "choose-scale"),
        ("results", "document"),
        ("closed", "closed"),
    ]
    checklist = workshop.phase("checklist")
    assert checklist.rated
    assert [i.id for i in checklist.items] == CHECKLIST_ITEMS
    assert all(i.text for i in checklist.items)
    assert [(o.id, o.label) for o in checklist.options] == [
        ("in-place", "In place"),
        ("partly", "Partly"),
        ("not-yet", "Not yet"),
    ]
    ladder = workshop.phase("ladder")
    # A choose-scale phase is a rate-items phase with one item: its question.
    (question,) = ladder.items
    assert question.id == "ladder"
    assert question.text.startswith("Where are you on the ladder of participation")
    assert [o.id for o in ladder.options] == LADDER
    assert all(o.description for o in ladder.options)
    assert not workshop.phase("results").rated
    assert workshop.notes_per_participant == 0
    assert workshop.grid_rows == ()
    assert [(s.id, s.sources) for s in workshop.document_sections] == [
        ("actions", ("ratings.checklist.not-yet",)),
        ("ladder", ("ratings.ladder",)),
        ("checklist", ("ratings.checklist",)),
    ]


# ------------------------------------------------------- rating fields in a file
# (tests/test_workshops.py covers missing items, one option, a scale without a question.)
RATE_PHASE = WORKSHOP_RATE_PHASE.format(label="No")
SCALE_PHASE = """
[[phases]]
id = "scale"
kind = "choose-scale"
title = "Scale"
facilitator_prompt = "Ask where we are."
participant_prompt = "Choose a stage."
question = "  Where are we?  "

[[phases.options]]
id = "low"
label = "Low"
description = "  Just starting  "

[[phases.options]]
id = "high"
label = "High"
"""
RATED_SOURCES = 'sources = ["purpose", "ratings.check", "ratings.check.no", "ratings.scale"]'


def test_rating_fields_load(tmp_path: Path) -> None:
    text = VALID.replace('sources = ["purpose"]', RATED_SOURCES) + RATE_PHASE + SCALE_PHASE
    workshop = load_workshop(write(tmp_path, text))
    check, scale = workshop.phase("check"), workshop.phase("scale")
    assert [(i.id, i.text) for i in check.items] == [("one", "The first item.")]
    assert [o.id for o in check.options] == ["yes", "no"]
    assert [(i.id, i.text) for i in scale.items] == [("scale", "Where are we?")]
    assert scale.options[0].description == "Just starting"
    assert check.item("one") is not None
    assert check.item("two") is None
    assert check.option("no") is not None
    assert check.option("low") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID + SCALE_PHASE.replace('question = "  Where are we?  "', 'question = "  "'),
         "needs a question"),
        (VALID + RATE_PHASE.replace('id = "no"', 'id = "yes"'), "duplicate id yes"),
        (VALID + RATE_PHASE + '\n[[phases.items]]\nid = "one"\ntext = "Again"\n',
         "duplicate id one"),
        (VALID + SCALE_PHASE + '\n[[phases.items]]\nid = "x"\ntext = "An item"\n',
         "use 'question'"),
        (VALID.replace('targets = ["purpose", "grid.mission"]',
                       'targets = ["purpose", "grid.mission"]\nquestion = "Why?"'),
         "only belongs to rate-items or choose-scale"),
        (VALID.replace('sources = ["purpose"]', 'sources = ["ratings.check"]'),
         "unknown source 'ratings.check'"),
    ],
    ids=[
        "blank-question",
        "duplicate-option",
        "duplicate-item",
        "choose-scale-with-items",
        "question-outside-rating",
        "ratings-of-no-phase",
    ],
)  # fmt: skip
def test_broken_rating_fields_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in refused_file(write(tmp_path, text))


# ==================================================================== rating
def test_rate_decides_one_event_and_does_not_mutate(room: Room) -> None:
    before = state(room)
    drafts = ratings.decide_rate(room, participant_id="p1", item="aims-clear", option="partly")
    assert state(room) == before
    assert drafts == [
        Draft(
            "rating.set",
            {
                "phase": "checklist",
                "item": "aims-clear",
                "option": "partly",
                "participant_id": "p1",
            },
            actor="p1",
        )
    ]
    commit(room, drafts)
    assert room.ratings == {("checklist", "aims-clear"): {"p1": "partly"}}


def test_a_rating_can_be_changed_and_cleared(room: Room) -> None:
    rate(room, "p1", "aims-clear", "partly")
    assert ratings.decide_rate(room, participant_id="p1", item="aims-clear", option="partly") == []
    rate(room, "p1", "aims-clear", "in-place")
    assert room.ratings[("checklist", "aims-clear")] == {"p1": "in-place"}
    (cleared,) = rate(room, "p1", "aims-clear", None)
    assert cleared.data["option"] is None
    assert room.ratings[("checklist", "aims-clear")] == {}
    # Clearing what was never rated decides nothing.
    assert ratings.decide_rate(room, participant_id="p1", item="aims-clear", option=None) == []


def test_the_phase_may_be_named_but_must_be_the_current_one(room: Room) -> None:
    drafts = ratings.decide_rate(
        room, participant_id="p1", item="roles", option="partly", phase="checklist"
    )
    assert drafts[0].data["phase"] == "checklist"
    refused(
        room,
        Conflict,
        "wrong_phase",
        lambda: ratings.decide_rate(
            room, participant_id="p1", item="ladder", option="information", phase="ladder"
        ),
    )


@pytest.mark.parametrize("phase", ["lobby", "results"])
def test_rating_outside_a_rating_phase_is_wrong_phase(room: Room, phase: str) -> None:
    move_to(room, phase)
    refused(
        room,
        Conflict,
        "wrong_phase",
        lambda: ratings.decide_rate(room, participant_id="p1", item="roles", option="partly"),
    )


def test_rating_in_the_visioning_workshop_is_wrong_phase() -> None:
    room = create_room(load_workshop(WORKSHOP_FILE), title="T", setting="")
    join(room, "p1")
    move_to(room, "purpose-write")
    refused(
        room,
        Conflict,
        "wrong_phase",
        lambda: ratings.decide_rate(room, participant_id="p1", item="roles", option="partly"),
    )


def test_rating_refused_once_closed(room: Room) -> None:
    move_to(room, "closed")
    refused(
        room,
        Conflict,
        "room_closed",
        lambda: ratings.decide_rate(room, participant_id="p1", item="roles", option="partly"),
    )


@pytest.mark.parametrize("item", ["nope", "ladder", "", None, 3, ["roles"]])
def test_unknown_items_are_invalid(room: Room, item: object) -> None:
    refused(
        room,
        Invalid,
        "invalid_item",
        lambda: ratings.decide_rate(room, participant_id="p1", item=item, option="partly"),
    )


@pytest.mark.parametrize("option", ["maybe", "information", "", 1, True, ["partly"]])
def test_unknown_options_are_invalid(room: Room, option: object) -> None:
    refused(
        room,
        Invalid,
        "invalid_option",
        lambda: ratings.decide_rate(room, participant_id="p1", item="roles", option=option),
    )


def test_rating_by_someone_not_in_the_room(room: Room) -> None:
    refused(
        room,
        NotFound,
        "participant_not_found",
        lambda: ratings.decide_rate(room, participant_id="ghost", item="roles", option="partly"),
    )


def test_a_locking_timer_that_is_up_closes_rating(
    room: Room, time_machine: TimeMachineFixture
) -> None:
    now = CREATED + timedelta(hours=1)
    time_machine.move_to(now, tick=False)
    long_ago = now - timedelta(days=1)
    commit(room, facilitation.decide_timer(room, "start", seconds=60, lock=True, now=long_ago))
    refused(
        room,
        Conflict,
        "time_up",
        lambda: ratings.decide_rate(room, participant_id="p1", item="roles", option="partly"),
    )


def test_the_ladder_has_one_item_named_after_the_phase(room: Room) -> None:
    move_to(room, "ladder")
    rate(room, "p1", "ladder", "acting-together")
    assert room.ratings[("ladder", "ladder")] == {"p1": "acting-together"}
    refused(
        room,
        Invalid,
        "invalid_option",
        lambda: ratings.decide_rate(room, participant_id="p1", item="ladder", option="partly"),
    )


def test_done_works_in_rating_phases(room: Room) -> None:
    commit(room, facilitation.decide_done(room, participant_id="p1", done=True))
    move_to(room, "ladder")
    assert room.snapshot(FACILITATOR)["done"] == []
    commit(room, facilitation.decide_done(room, participant_id="p2", done=True))
    assert room.snapshot(FACILITATOR)["done"] == ["p2"]


# ============================================================= distributions
def test_distributions_count_by_option_and_perspective(room: Room) -> None:
    rate_the_checklist(room)
    items = by_item(room, "checklist")
    assert list(items) == CHECKLIST_ITEMS

    visioning = items["visioning-event"]
    assert visioning.counts == {"in-place": 1, "partly": 0, "not-yet": 2}
    assert visioning.total == 3
    assert visioning.by_perspective["not-yet"] == {
        "education": 1,
        "health": 1,
        "social-care": 0,
        "vcs-other": 0,
    }
    assert visioning.by_perspective["in-place"]["social-care"] == 1
    assert visioning.leading == ("not-yet",)
    assert visioning.share("not-yet") == pytest.approx(2 / 3)
    assert visioning.share("partly") == 0.0

    assert items["aims-clear"].leading == ("in-place", "not-yet")  # a tie: both lead
    assert items["roles"].leading == ("partly",)
    unrated = items["diversity"]
    assert (unrated.total, unrated.leading, unrated.share("not-yet")) == (0, (), 0.0)


def test_the_ladder_distribution_by_perspective(room: Room) -> None:
    rate_the_ladder(room)
    (ladder,) = ratings.distributions(room, room.workshop.phase("ladder"))
    assert ladder.counts == {
        "information": 0,
        "consultation": 1,
        "deciding-together": 3,
        "acting-together": 0,
        "supporting": 0,
    }
    assert ladder.by_perspective["deciding-together"] == {
        "education": 0,
        "health": 2,
        "social-care": 1,
        "vcs-other": 0,
    }
    assert ladder.leading == ("deciding-together",)


def test_answers_and_raters(room: Room) -> None:
    rate_the_checklist(room)
    checklist = room.workshop.phase("checklist")
    assert ratings.answers(room, checklist, "p1") == {
        "visioning-event": "not-yet",
        "aims-clear": "in-place",
        "roles": "partly",
    }
    assert ratings.answers(room, checklist, "p5") == {}
    assert ratings.raters(room, checklist) == {"p1", "p2", "p3", "p4"}


def test_the_snapshot_carries_every_rated_phase(room: Room) -> None:
    rate(room, "p1", "roles", "partly")
    snapshot = room.snapshot(P1)
    assert set(snapshot["ratings"]) == {"checklist", "ladder"}
    assert set(snapshot["ratings"]["checklist"]) == set(CHECKLIST_ITEMS)
    assert snapshot["ratings"]["checklist"]["roles"] == {"p1": "partly"}
    assert snapshot["ratings"]["ladder"] == {"ladder": {}}


def test_removed_participants_are_left_out(room: Room) -> None:
    rate_the_checklist(room)
    commit(room, room.decide_remove("p3"))
    visioning = by_item(room, "checklist")["visioning-event"]
    assert visioning.counts == {"in-place": 0, "partly": 0, "not-yet": 2}
    assert by_item(room, "checklist")["roles"].leading == ("partly",)
    assert ratings.raters(room, room.workshop.phase("checklist")) == {"p1", "p2", "p4"}
    assert room.snapshot(FACILITATOR)["ratings"]["checklist"]["visioning-event"] == {
        "p1": "not-yet",
        "p2": "not-yet",
    }


def test_ratings_replay_to_the_same_state(workshop: Workshop) -> None:
    room = new_room(workshop, people=5, title=TITLE)
    log = commit(room, room.decide_phase("checklist"))
    for pid, option in (("p1", "partly"), ("p1", "not-yet"), ("p2", "in-place"), ("p2", None)):
        log += rate(room, pid, "roles", option)
    fresh = new_room(workshop, people=5, title=TITLE)
    fresh.apply_all(log)
    assert fresh.ratings == room.ratings == {("checklist", "roles"): {"p1": "not-yet"}}


# ================================================================== document
def entry(room: Room, source: str) -> document.Entry:
    return ratings.rating_entry(room, source)


def test_the_action_list_is_what_mostly_got_not_yet_ties_included(room: Room) -> None:
    rate_the_checklist(room)
    actions = entry(room, "ratings.checklist.not-yet")
    texts = {i.id: i.text for i in room.workshop.phase("checklist").items}
    assert actions.status == "agreed"
    assert actions.heading == "Checklist · How far have we got?: Not yet"
    assert actions.items == (texts["visioning-event"], texts["aims-clear"])
    partly = entry(room, "ratings.checklist.partly")
    assert partly.items == (texts["roles"],)


def test_an_action_list_with_nothing_in_it_says_so(room: Room) -> None:
    rate(room, "p1", "roles", "in-place")
    actions = entry(room, "ratings.checklist.not-yet")
    assert actions.status == "agreed"
    assert actions.items is None
    assert actions.text == "No item was rated “Not yet”."


def test_nothing_rated_is_missing(room: Room) -> None:
    for source in ("ratings.checklist", "ratings.checklist.not-yet", "ratings.ladder"):
        assert entry(room, source).status == "missing"


def test_the_checklist_results_list_every_item(room: Room) -> None:
    rate_the_checklist(room)
    results = entry(room, "ratings.checklist")
    checklist = room.workshop.phase("checklist")
    assert results.heading == checklist.title
    assert results.items is not None
    assert len(results.items) == len(CHECKLIST_ITEMS)
    assert results.items[0] == f"{checklist.items[0].text} — In place 1, Partly 0, Not yet 2"
    assert results.items[4] == f"{checklist.items[4].text} — In place 0, Partly 0, Not yet 0"


def test_the_ladder_results_by_perspective(room: Room) -> None:
    rate_the_ladder(room)
    results = entry(room, "ratings.ladder")
    assert results.heading == room.workshop.phase("ladder").items[0].text
    assert results.items == (
        "Information: 0",
        "Consultation: 1 (Education 1)",
        "Deciding together: 3 (Health 2, Social Care 1)",
        "Acting together: 0",
        "Supporting: 0",
    )


def test_the_health_check_document(room: Room) -> None:
    rate_the_checklist(room)
    rate_the_ladder(room)
    move_to(room, "results")
    built = document.build(room, today=CREATED)
    assert [s.id for s in built.sections] == ["actions", "ladder", "checklist"]
    assert [s.status for s in built.sections] == ["agreed", "agreed", "agreed"]
    assert built.has_notes is False
    assert built.has_appendix is False
    public = built.public()
    actions = public["sections"][0]
    texts = {i.id: i.text for i in room.workshop.phase("checklist").items}
    assert actions["items"] == [texts["visioning-event"], texts["aims-clear"]]
    assert actions["intro"].startswith("The checklist items the group mostly marked")

    text = markdown.render(built)
    assert "## 1. Action list" in text
    assert f"1. {markdown.escape(texts['visioning-event'])}" in text
    assert f"2. {markdown.escape(texts['aims-clear'])}" in text
    assert "## 4. Signatories" in text
    assert "Appendix" not in text
    assert "Task 1.1" not in text
