"""Task 1.1 on the JSON event stream: private writing, reveal, concurrent sorting, agreeing.

Three participants and the facilitator stay connected the whole time. Each
client's stream, folded over the snapshot it started with, must end where
GET /api/rooms/{code} says the room is, with no gap in `seq`.
"""

from __future__ import annotations

import copy
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from tests.conftest import bearer, join, make_room
from tests.web.support import connect, receive, receive_event

NAMES = ("priya", "eleanor", "sol")
PERSPECTIVES = {"priya": "health", "eleanor": "education", "sol": "social-care"}
NOTE_FIELDS = ("id", "text", "ring", "author_id", "perspective", "merged_into")


# ------------------------------------------------------------------ a client
class Follower:
    """What one client knows: its snapshot, then every event folded in, in order."""

    def __init__(self, ws: WebSocketTestSession) -> None:
        self.ws = ws
        first = receive(ws)
        assert first["type"] == "snapshot"
        self.snapshot: dict[str, Any] = first["data"]
        self.start = first["seq"]
        self.seq = first["seq"]
        self.notes = {n["id"]: dict(n) for n in self.snapshot["notes"]}
        self.statements = copy.deepcopy(self.snapshot["statements"])
        self.phase = self.snapshot["phase"]
        self.events: list[dict[str, Any]] = []

    def read_until(self, seq: int) -> list[dict[str, Any]]:
        """Every logged event up to `seq`, checked to follow on without a gap."""
        new = []
        while self.seq < seq:
            event = receive_event(self.ws)
            assert event["seq"] == self.seq + 1, (self.seq, event)
            self.apply(event)
            new.append(event)
        return new

    def apply(self, event: dict[str, Any]) -> None:
        self.seq = event["seq"]
        self.events.append(event)
        kind, data = event["type"], event["data"]
        if kind == "phase.changed":
            self.phase = data["phase"]
        elif kind in ("note.added", "note.edited"):
            self.notes[data["note"]["id"]] = dict(data["note"])
        elif kind in ("note.moved", "notes.revealed"):
            for note in data["notes"] if kind == "notes.revealed" else [data["note"]]:
                self.notes[note["id"]] = {**self.notes.get(note["id"], {}), **note}
        elif kind == "note.merged":
            source, into = data["note"]["id"], data["into"]
            self.notes[source] = {**self.notes[source], **data["note"]}
            for note in self.notes.values():
                if note["merged_into"] == source:
                    note["merged_into"] = into
        elif kind == "note.removed":
            self.notes.pop(data["id"], None)
        elif kind in ("statement.updated", "statement.agreed"):
            self.statements[data["statement"]["target"]] = copy.deepcopy(data["statement"])
        elif kind == "response.set":
            statement = self.statements[data["target"]]
            responses = [
                r for r in statement["responses"] if r["participant_id"] != data["participant_id"]
            ]
            responses.append(
                {k: data[k] for k in ("participant_id", "stance", "reason")},
            )
            statement["responses"] = responses

    def view(self) -> dict[str, dict[str, Any]]:
        return {i: {k: n.get(k) for k in NOTE_FIELDS} for i, n in self.notes.items()}


def view_of(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["id"]: {k: n[k] for k in NOTE_FIELDS} for n in snapshot["notes"]}


def stance_set(statement: dict[str, Any]) -> set[tuple[str, str, str | None]]:
    return {(r["participant_id"], r["stance"], r["reason"]) for r in statement["responses"]}


# ----------------------------------------------------------------------- test
def test_task_1_1_reaches_every_client_in_order(client: TestClient) -> None:
    room = make_room(client)
    code, fac = room["code"], room["facilitator_token"]
    people = {name: join(client, code, name.title(), PERSPECTIVES[name]) for name in NAMES}
    pid = {name: people[name]["participant_id"] for name in NAMES}
    tokens = {"fac": fac, **{name: people[name]["token"] for name in NAMES}}

    def post(who: str, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        response = client.request(
            method, f"/api/rooms/{code}{path}", json=body, headers=bearer(tokens[who])
        )
        assert response.status_code in (200, 201), (who, path, response.text)
        result: dict[str, Any] = response.json()
        return result

    def room_now(who: str = "fac") -> dict[str, Any]:
        response = client.get(f"/api/rooms/{code}", headers=bearer(tokens[who]))
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    with ExitStack() as stack:
        followers = {
            who: Follower(stack.enter_context(connect(client, code, token)))
            for who, token in tokens.items()
        }
        assert {f.start for f in followers.values()} == {3}
        assert all(f.notes == {} for f in followers.values())

        # ---- writing: each note reaches its author in full, everyone else redacted
        post("fac", "/phase", {"phase": "purpose-write"})
        written: dict[str, list[str]] = {name: [] for name in NAMES}
        texts: dict[str, str] = {}
        for round_ in range(3):
            for name in NAMES:
                note_id = str(uuid.uuid4())
                text = f"{name.title()}'s statement {round_ + 1}"
                post(name, "/notes", {"id": note_id, "text": text})
                written[name].append(note_id)
                texts[note_id] = text
        seq = room_now()["seq"]
        assert seq == 3 + 1 + 9
        for who, follower in followers.items():
            events = follower.read_until(seq)
            added = [e for e in events if e["type"] == "note.added"]
            assert len(added) == 9, who
            for event in added:
                note = event["data"]["note"]
                mine = who != "fac" and note["id"] in written[who]
                assert note["text"] == (texts[note["id"]] if mine else None), (who, note)
                assert note["author_id"] == (pid[who] if mine else None), (who, note)
                assert note["ring"] == "inner"
            assert follower.view() == view_of(room_now(who)), who

        # ---- sorting: everyone receives every note's text at once
        post("fac", "/phase", {"phase": "purpose-sort"})
        seq += 2
        for who, follower in followers.items():
            changed, revealed = follower.read_until(seq)
            assert changed["type"] == "phase.changed"
            assert changed["data"] == {"phase": "purpose-sort", "previous": "purpose-write"}
            assert revealed["type"] == "notes.revealed"
            notes = {n["id"]: n for n in revealed["data"]["notes"]}
            assert {i: n["text"] for i, n in notes.items()} == texts, who
            assert {n["ring"] for n in notes.values()} == {"inner"}
            for name in NAMES:
                assert {notes[i]["author_id"] for i in written[name]} == {pid[name]}

        # ---- three people sort at once, often the same notes
        all_ids = [i for name in NAMES for i in written[name]]
        contested = all_ids[:3]

        def sort_as(name: str) -> int:
            rng = random.Random(name)
            for _ in range(12):
                pool = contested if rng.random() < 0.6 else all_ids
                note_id = rng.choice(pool)
                moved = post(
                    name, f"/notes/{note_id}/move", {"ring": rng.choice(["inner", "outer"])}
                )
                assert moved["id"] == note_id
            return 12

        with ThreadPoolExecutor(max_workers=3) as pool:
            assert sum(pool.map(sort_as, NAMES)) == 36

        # Then the facilitator tidies up: a merge chain and a removal.
        post("fac", f"/notes/{all_ids[3]}/merge", {"into": all_ids[4]})
        post("fac", f"/notes/{all_ids[4]}/merge", {"into": all_ids[5]})
        removed = client.delete(f"/api/rooms/{code}/notes/{all_ids[6]}", headers=bearer(fac))
        assert removed.status_code == 204

        final = room_now()
        seq = final["seq"]
        for who, follower in followers.items():
            events = follower.read_until(seq)
            moves = [e for e in events if e["type"] == "note.moved"]
            assert moves, who
            # Each move is attributed to a participant who made it.
            assert {e["data"]["note"]["moved_by"] for e in moves} <= set(pid.values())
            assert follower.view() == view_of(room_now(who)), who
            assert follower.view() == view_of(final), who
        assert view_of(final)[all_ids[3]]["merged_into"] == all_ids[5]
        assert all_ids[6] not in view_of(final)
        rings = {n["ring"] for n in final["notes"]}
        assert rings <= {"inner", "outer"}

        # ---- agreeing: responses and the agreement reach everyone
        post("fac", "/phase", {"phase": "purpose-agree"})
        post("fac", "/statements/purpose", {"text": "Every child safe, well and learning"}, "PUT")
        post("priya", "/statements/purpose/responses", {"stance": "agree"})
        post(
            "eleanor",
            "/statements/purpose/responses",
            {"stance": "reservations", "reason": "Wording"},
        )
        post("sol", "/statements/purpose/responses", {"stance": "object", "reason": "Too broad"})
        post("fac", "/statements/purpose/agree", {"override_reason": "Review in six months"})
        end = room_now()
        assert end["seq"] == seq + 6
        for who, follower in followers.items():
            events = follower.read_until(end["seq"])
            assert [e["type"] for e in events] == [
                "phase.changed",
                "statement.updated",
                "response.set",
                "response.set",
                "response.set",
                "statement.agreed",
            ], who
            responses = [e["data"] for e in events if e["type"] == "response.set"]
            assert responses == [
                {
                    "target": "purpose",
                    "participant_id": pid["priya"],
                    "stance": "agree",
                    "reason": None,
                },
                {
                    "target": "purpose",
                    "participant_id": pid["eleanor"],
                    "stance": "reservations",
                    "reason": "Wording",
                },
                {
                    "target": "purpose",
                    "participant_id": pid["sol"],
                    "stance": "object",
                    "reason": "Too broad",
                },
            ]
            agreed = events[-1]["data"]["statement"]
            assert agreed["status"] == "agreed"
            assert agreed["override_reason"] == "Review in six months"
            mine = follower.statements["purpose"]
            truth = room_now(who)["statements"]["purpose"]
            assert (mine["status"], mine["text"], mine["override_reason"]) == (
                truth["status"],
                truth["text"],
                truth["override_reason"],
            )
            assert stance_set(mine) == stance_set(truth)
            assert follower.phase == "purpose-agree"

    # No gaps anywhere: every client saw every seq exactly once.
    for who, follower in followers.items():
        seqs = [e["seq"] for e in follower.events]
        assert seqs == list(range(follower.start + 1, end["seq"] + 1)), who
    # Everyone saw the same sequence of event types (only the redaction differs).
    kinds = {who: [e["type"] for e in f.events] for who, f in followers.items()}
    assert len({tuple(k) for k in kinds.values()}) == 1


def test_a_reconnecting_client_replays_redacted_notes(client: TestClient) -> None:
    room = make_room(client)
    code, fac = room["code"], room["facilitator_token"]
    priya, sol = join(client, code, "Priya", "health"), join(client, code, "Sol", "social-care")
    client.post(f"/api/rooms/{code}/phase", json={"phase": "purpose-write"}, headers=bearer(fac))
    response = client.post(
        f"/api/rooms/{code}/notes", json={"text": "Only mine"}, headers=bearer(priya["token"])
    )
    assert response.status_code == 201
    with connect(client, code, sol["token"], since=3) as ws:
        replayed = receive_event(ws)
    with connect(client, code, priya["token"], since=3) as ws:
        own = receive_event(ws)
    assert replayed["type"] == own["type"] == "note.added"
    assert replayed["data"]["note"]["text"] is None
    assert replayed["data"]["note"]["author_id"] is None
    assert own["data"]["note"]["text"] == "Only mine"
    assert own["data"]["note"]["author_id"] == priya["participant_id"]
