"""A big step back asks first: the control view's form post needs `confirm=true`, and an
API client may ask for the same check with `confirm: false` (contract v1 unchanged)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.support import toolkit_room


def test_the_form_post_refuses_a_big_step_back_without_confirm(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("document")
    room.refused(
        409, "confirm_needed", lambda: room.form("fac", "/phase", {"phase": "purpose-sort"})
    )
    room.refused(409, "confirm_needed", lambda: room.form("fac", "/phase", {"phase": "grid-agree"}))
    moved = room.form("fac", "/phase", {"phase": "purpose-sort", "confirm": "true"})
    assert moved.status_code == 200, moved.text
    assert room.snapshot()["phase"] == "purpose-sort"
    one_back = room.form("fac", "/phase", {"phase": "purpose-write"})  # one step: no question
    assert one_back.status_code == 200, one_back.text
    forwards = room.form("fac", "/phase", {"phase": "closed"})
    assert forwards.status_code == 200, forwards.text
    # Without JavaScript the refusal is a page that says why (nothing changed).
    plain = room.form("fac", "/phase", {"phase": "document"}, htmx=False)
    assert plain.status_code == 409
    assert "confirm" in plain.text
    assert room.snapshot()["phase"] == "closed"


def test_the_api_moves_as_asked_unless_told_to_check(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("closed")
    room.refused(
        409,
        "confirm_needed",
        lambda: room.post("fac", "/phase", {"phase": "lobby", "confirm": False}),
    )
    assert (
        room.ok(room.post("fac", "/phase", {"phase": "grid-write", "confirm": True}))["phase"]
        == "grid-write"
    )
    room.phase("lobby")  # contract v1: no field, any phase, forwards or back
    room.refused(
        422,
        "invalid_request",
        lambda: room.post("fac", "/phase", {"phase": "closed", "confirm": "maybe"}),
    )


def test_only_the_facilitator_changes_the_phase(client: TestClient) -> None:
    room = toolkit_room(client)
    room.refused(
        403,
        "facilitator_only",
        lambda: room.post("priya", "/phase", {"phase": "closed", "confirm": True}),
        who="priya",
    )


def test_the_control_view_marks_the_big_steps_back(client: TestClient) -> None:
    room = toolkit_room(client)
    room.phase("document")
    page = room.page("fac", "control")
    phases = [p["id"] for p in client.get("/api/workshops").json()[0]["phases"]]
    # Back from the document, every step asks: each earlier step and the "previous" button.
    assert page.count("data-confirm-step") == phases.index("document") + 1
    assert (
        'data-confirm-step hx-confirm="Go back to step 3, “Task 1.1 · Sort the statements”?' in page
    )
    room.phase("grid-write")
    # Every step before the previous one asks; the previous one does not.
    assert room.page("fac", "control").count("data-confirm-step") == phases.index("grid-write") - 1
