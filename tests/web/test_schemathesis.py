"""Property-based checks of every operation in /openapi.json (Schemathesis, in-process ASGI).

For every generated request: no 5xx, and every 4xx carries the contract's error
shape {"error": {"code": str, "message": str}} (shared/api.md, "Errors").

Random room codes and tokens would only ever reach the 404/401 paths, so about
half the cases get the code of a real room in {code} (and the real participant in
{participant_id}), and about half a real facilitator token, some a participant's,
so the handlers behind authentication and room lookup are exercised too. 2xx bodies are not checked
against the response schemas: most routes declare `dict[str, Any]` (snapshot,
note, statement), so that check would say next to nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.python.asgi import get_client, shutdown_lifespans

from app.config import Settings
from app.web.app import create_app

MAX_EXAMPLES = 25  # per operation; the whole file stays well under a minute

# Hypothesis starts from (and shrinks towards) the first choice, so the real room
# and the facilitator come first: the simplest failing case is the most telling one.
REAL_OR_NOT = st.sampled_from([True, False])
WHO = st.sampled_from(["facilitator", "generated", "participant"])


class Room:
    """A real room, a facilitator and one participant; recreated if a case deletes them."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.code = ""
        self.facilitator = ""
        self.participant = ""
        self.participant_id = ""
        self.create()

    def create(self) -> None:
        response = self.client.post(
            "/api/rooms", json={"title": "Oakfield partnership", "setting": "Oakfield Primary"}
        )
        assert response.status_code == 201, response.text
        created = response.json()
        self.code, self.facilitator = created["code"], created["facilitator_token"]
        self.rejoin()

    def rejoin(self) -> None:
        auth = {"Authorization": f"Bearer {self.facilitator}"}
        # A generated case may have locked the room; joining a locked room is refused.
        unlock = self.client.post(
            f"/api/rooms/{self.code}/lock", json={"locked": False}, headers=auth
        )
        assert unlock.status_code == 200, unlock.text
        response = self.client.post(
            f"/api/rooms/{self.code}/join", json={"name": "Priya", "perspective": "health"}
        )
        assert response.status_code == 201, response.text
        joined = response.json()
        self.participant, self.participant_id = joined["token"], joined["participant_id"]


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    tuned = settings.model_copy(
        # Generated cases are full of unknown room codes and writes from one address:
        # without this the edge limiters would answer 429 to nearly everything.
        update={"unknown_code_burst": 1_000_000, "write_burst": 1_000_000}
    )
    try:
        yield create_app(tuned)
    finally:
        shutdown_lifespans()  # closes the store and releases the SQLite file


@pytest.fixture
def room(app: FastAPI) -> Iterator[Room]:
    # Schemathesis' ASGI client starts the app's lifespan (once per app, on its own
    # event loop) and `case.call(app=app)` goes through it too, so the room is made there.
    # (schemathesis types an ASGI scope as a dict, Starlette as a MutableMapping.)
    with get_client(app) as client:  # type: ignore[arg-type]
        yield Room(client)


# The schema is static, so it is read from an app that is never started. (Not
# `schemathesis.pytest.from_fixture`: its lazy loader sets `Node._nodeid`, which
# pytest 9.2 no longer has.) Each operation is its own test, with a fresh app and room.
schema = schemathesis.openapi.from_dict(
    create_app(Settings(_env_file=None, database_url="sqlite://")).openapi()
)


def _error_shape(body: Any) -> bool:
    if not isinstance(body, dict) or set(body) != {"error"}:
        return False
    error = body["error"]
    return (
        isinstance(error, dict)
        and isinstance(error.get("code"), str)
        and isinstance(error.get("message"), str)
    )


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_and_errors_keep_their_shape(
    case: schemathesis.Case[Any], data: st.DataObject, app: FastAPI, room: Room
) -> None:
    if "code" in case.path_parameters and data.draw(REAL_OR_NOT, label="real room code"):
        case.path_parameters["code"] = room.code
    if "participant_id" in case.path_parameters and data.draw(REAL_OR_NOT, label="real id"):
        case.path_parameters["participant_id"] = room.participant_id
    who = data.draw(WHO, label="token")
    if who != "generated":
        token = room.facilitator if who == "facilitator" else room.participant
        headers: dict[str, Any] = {**dict(case.headers or {}), "Authorization": f"Bearer {token}"}
        case.headers = headers  # type: ignore[assignment]  # a plain dict, as it always was

    response = case.call(app=app)
    request = case.as_curl_command()
    assert response.status_code < 500, f"{response.status_code} {response.text}\n{request}"
    if 400 <= response.status_code < 500:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/json"), f"{content_type}\n{request}"
        try:
            body = json.loads(response.text)
        except ValueError:
            pytest.fail(f"{response.status_code} body is not JSON: {response.text!r}\n{request}")
        assert _error_shape(body), f"{response.status_code} {response.text}\n{request}"

    # Keep the real room and participant usable for the cases that follow.
    if response.status_code == 204 and case.method == "DELETE":
        if case.path == "/api/rooms/{code}" and case.path_parameters["code"] == room.code:
            room.create()
        elif case.path_parameters.get("participant_id") == room.participant_id:
            room.rejoin()
