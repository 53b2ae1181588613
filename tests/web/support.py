"""A room as the API tests drive it: who is in it, and calls made as one of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.conftest import bearer


@dataclass
class ApiRoom:
    """A room: `fac` is the facilitator's token; `people` maps a name to what joining gave
    (participant_id, token). `who` is "fac", a name in `people`, or None (no token)."""

    client: TestClient
    code: str
    fac: str
    people: dict[str, dict[str, Any]]

    def token(self, who: str) -> str:
        return self.fac if who == "fac" else str(self.people[who]["token"])

    def pid(self, who: str) -> str:
        return str(self.people[who]["participant_id"])

    def url(self, path: str = "") -> str:
        return f"/api/rooms/{self.code}{path}"

    def request(self, method: str, who: str | None, path: str, body: Any = None) -> httpx.Response:
        headers = bearer(self.token(who)) if who else {}
        return self.client.request(method, self.url(path), json=body, headers=headers)

    def get(self, who: str | None, path: str = "") -> httpx.Response:
        return self.request("GET", who, path)

    def post(self, who: str | None, path: str, body: Any = None) -> httpx.Response:
        return self.request("POST", who, path, body)

    def put(self, who: str | None, path: str, body: Any) -> httpx.Response:
        return self.request("PUT", who, path, body)

    def patch(self, who: str | None, path: str, body: Any) -> httpx.Response:
        return self.request("PATCH", who, path, body)

    def delete(self, who: str | None, path: str) -> httpx.Response:
        return self.request("DELETE", who, path)

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def snapshot(self, who: str = "fac") -> dict[str, Any]:
        body: dict[str, Any] = self.ok(self.get(who))
        return body

    def seq(self) -> int:
        return int(self.snapshot()["seq"])

    def phase(self, phase: str) -> None:
        assert self.ok(self.post("fac", "/phase", {"phase": phase}))["phase"] == phase
