"""Someone without a phone, added mid-phase, arrives live on the control view: their line
in the list and their name in the form that enters for them ("Enter for them"), keyed,
within 2 KB, as a fresh render of the control view shows them; removing them takes both
away. Entering for the person chosen in that form is the facilitator's entry for them."""

from __future__ import annotations

import re
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient

from tests.web.support import Screen, ToolkitRoom, toolkit_room

BUDGET = 2048
NAME = "Dorcas <Paperwright>"


def control_screen(stack: ExitStack, room: ToolkitRoom) -> Screen:
    room.client.cookies.clear()
    socket = stack.enter_context(
        room.client.websocket_connect(
            f"/rooms/{room.code}/live?view=control",
            headers={"cookie": f"cg_{room.code}={room.fac}"},
        )
    )
    screen = Screen("control", socket)
    screen.until(room.seq())
    return screen


def element(html: str, ident: str, tag: str) -> str:
    found = re.search(rf'<{tag}[^>]* id="{re.escape(ident)}".*?</{tag}>', html, re.S)
    assert found is not None, f"no #{ident} in {html[:300]!r}"
    return found.group(0)


@pytest.mark.parametrize("phase", ["purpose-write", "purpose-agree", "grid-write", "document"])
def test_enter_for_them_arrives_live_with_the_join(client: TestClient, phase: str) -> None:
    room = toolkit_room(client)
    room.phase(phase)
    if phase == "purpose-agree":
        room.ok(room.put("fac", "/statements/purpose", {"text": "Every child thrives."}))
    before = room.page("fac", "control")
    assert 'id="control-enter-for"' in before  # the form, not shown while no one is in it
    assert '<option id="enter-who-' not in before
    with ExitStack() as stack:
        screen = control_screen(stack, room)
        for name in ("Ada First", NAME):  # the first one, then one more beside them
            body = {"name": name, "perspective": "vcs-other"}
            pid = room.ok(room.post("fac", "/participants", body), 201)["participant_id"]
            live = "".join(screen.until(room.seq()))
            who = element(live, f"enter-who-{pid}", "option")
            assert 'data-in="enter-who"' in who
            assert f'value="{pid}"' in who
            line = element(live, f"proxy-{pid}", "li")
            assert "<Paperwright>" not in live
            fresh = room.page("fac", "control")
            assert element(fresh, f"enter-who-{pid}", "option") == who
            assert element(fresh, f"proxy-{pid}", "li") == line
            assert len(live.encode()) <= BUDGET, len(live.encode())
        assert "Dorcas &lt;Paperwright&gt;" in live
        room.ok(room.delete("fac", f"/participants/{pid}"), 204)
        gone = "".join(screen.until(room.seq()))
        assert f'data-remove="proxy-{pid} enter-who-{pid} vote-who-{pid}"' in gone
        assert len(gone.encode()) <= BUDGET


def test_entering_for_the_person_chosen_in_the_form(client: TestClient) -> None:
    room = toolkit_room(client)
    body = {"name": "Ada First", "perspective": "health"}
    pid = room.ok(room.post("fac", "/participants", body), 201)["participant_id"]
    room.phase("purpose-write")
    said = {"participant_id": pid, "action": "note", "text": "Heard on paper, entered"}
    assert room.form("fac", "/participants/enter", said).status_code == 200
    # Someone with a phone, or no one: refused in the contract's shape, nothing written.
    seq = room.seq()
    for who in (room.pid("sol"), "", "not-anyone"):
        refused = room.form("fac", "/participants/enter", {**said, "participant_id": who})
        assert refused.status_code in (403, 404), refused.text
        assert set(refused.json()["error"]) == {"code", "message"}
    assert room.form("priya", "/participants/enter", said).status_code == 403
    assert room.seq() == seq
    room.phase("purpose-sort")
    archive = room.ok(room.get("fac", "/archive"))
    entered = [e for e in archive["events"] if e["data"].get("entered_for") == pid]
    assert [e["type"] for e in entered] == ["note.added"]
    assert entered[0]["actor"] == "facilitator"


def test_no_entry_form_outside_the_phases_that_take_one(client: TestClient) -> None:
    """In the sort phase nothing is entered for them: only their line arrives."""
    room = toolkit_room(client)
    room.phase("purpose-write")
    room.phase("purpose-sort")
    with ExitStack() as stack:
        screen = control_screen(stack, room)
        body = {"name": "Ada First", "perspective": "health"}
        pid = room.ok(room.post("fac", "/participants", body), 201)["participant_id"]
        live = "".join(screen.until(room.seq()))
    assert f'id="proxy-{pid}"' in live
    assert "enter-who-" not in live


def test_dots_for_them_in_one_form_live(client: TestClient) -> None:
    """In a dot-vote, people without a phone are chosen in one form (the inner circle's
    notes listed once, not once per person): someone added mid-vote joins its list live,
    and dots entered for them are on their option (what choosing them ticks)."""
    room = toolkit_room(client)
    body = {"name": "Ada First", "perspective": "health"}
    ada = room.ok(room.post("fac", "/participants", body), 201)["participant_id"]
    room.phase("purpose-write")
    notes = [room.note(who, f"Note of {who}") for who in ("eleanor", "sol", "priya")]
    room.phase("purpose-sort")
    room.phase("purpose-vote")
    page = room.page("fac", "control")
    assert page.count('id="control-vote-for"') == 1
    assert page.count(f'name="note_ids" value="{notes[0]}"') == 1  # (one form for all)
    assert 'data-dots=""' in element(page, f"vote-who-{ada}", "option")
    with ExitStack() as stack:
        screen = control_screen(stack, room)
        body = {"name": NAME, "perspective": "vcs-other"}
        pid = room.ok(room.post("fac", "/participants", body), 201)["participant_id"]
        live = "".join(screen.until(room.seq()))
        who = element(live, f"vote-who-{pid}", "option")
        assert 'data-in="vote-who"' in who
        assert "Dorcas &lt;Paperwright&gt;" in who
        assert element(room.page("fac", "control"), f"vote-who-{pid}", "option") == who
        assert len(live.encode()) <= BUDGET

        entered = {"participant_id": pid, "note_ids": notes[:2]}
        assert room.form("fac", "/votes", entered).status_code == 200
        live = "".join(screen.until(room.seq()))
        who = element(live, f"vote-who-{pid}", "option")
        assert f'data-dots="{" ".join(sorted(notes[:2]))}"' in who
        assert "2 dots" in who
        assert element(room.page("fac", "control"), f"vote-who-{pid}", "option") == who
        assert len(live.encode()) <= BUDGET

        room.ok(room.post("fac", "/votes/reveal"))
        screen.until(room.seq())
        body = {"name": "Late After Reveal", "perspective": "health"}
        late = room.ok(room.post("fac", "/participants", body), 201)["participant_id"]
        live = "".join(screen.until(room.seq()))
        assert f'id="proxy-{late}"' in live
        assert "vote-who-" not in live
    assert 'id="control-vote-for"' not in room.page("fac", "control")
