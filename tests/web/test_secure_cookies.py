"""Cookies are `Secure` whenever the page was served over HTTPS, without configuration.

In process (the request's own scheme) and against a real uvicorn server behind
a pretend TLS-terminating proxy on loopback (`X-Forwarded-Proto: https`, which
uvicorn trusts from FORWARDED_ALLOW_IPS, 127.0.0.1 by default).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.web.app import create_app
from tests.servers import LiveServer, free_port

FORM = {"title": "Oakfield", "setting": "", "workshop": "multi-agency-visioning"}


def _cookie_attributes(response: httpx.Response | httpx2.Response) -> list[str]:
    cookies = [v for v in response.headers.get_list("set-cookie") if v.startswith("cg_")]
    assert len(cookies) == 1, response.headers.get_list("set-cookie")
    return [part.strip().lower() for part in cookies[0].split(";")]


def _create(client: TestClient | httpx.Client, **headers: str) -> httpx.Response | httpx2.Response:
    response = client.post("/rooms", data=FORM, headers=headers, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


@pytest.mark.parametrize(
    ("base_url", "forced", "secure"),
    [
        ("http://testserver", None, False),
        ("https://testserver", None, True),
        ("http://testserver", True, True),
        ("https://testserver", False, False),
    ],
    ids=["http-auto", "https-auto", "http-forced-on", "https-forced-off"],
)
def test_secure_follows_the_scheme_unless_forced(
    settings: Settings, base_url: str, forced: bool | None, secure: bool
) -> None:
    app = create_app(settings.model_copy(update={"cookie_secure": forced}))
    with TestClient(app, base_url=base_url) as client:
        attributes = _cookie_attributes(_create(client))
    assert ("secure" in attributes) is secure
    assert "httponly" in attributes


@pytest.fixture
def server(tmp_path: Path, migrated_sqlite: Path) -> Iterator[LiveServer]:
    database = tmp_path / "https.db"
    shutil.copy(migrated_sqlite, database)
    live = LiveServer(port=free_port(), database=database, log_path=tmp_path / "uvicorn.log")
    live.start()
    try:
        yield live
    finally:
        live.stop()


def test_behind_a_tls_proxy_the_cookie_is_secure(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        plain = _cookie_attributes(_create(client))
        proxied = _cookie_attributes(
            _create(
                client,
                **{"X-Forwarded-Proto": "https", "Origin": f"https://127.0.0.1:{server.port}"},
            )
        )
    assert "secure" not in plain
    assert "secure" in proxied
