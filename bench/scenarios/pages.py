"""`--only pages`: what a phone and the board download on first load (gzip)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.procs import app_server, sqlite_env


def page_weight(logs: Path) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        app_server("app-pages", sqlite_env(tmp), logs) as server,
    ):
        base = f"http://127.0.0.1:{server.port}"
        created = httpx.post(f"{base}/api/rooms", json={"title": "Weights"}).json()
        code = created["code"]

        def load(client: httpx.Client, path: str) -> int:
            total = 0
            page = client.get(path, follow_redirects=True)
            total += page.num_bytes_downloaded
            for asset in sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text))):
                total += client.get(asset).num_bytes_downloaded
            return total

        headers = {"Accept-Encoding": "gzip"}
        with httpx.Client(base_url=base, headers=headers) as phone:
            join_bytes = load(phone, f"/j/{code}")
            response = phone.post(
                "/join", data={"code": code, "name": "Phone", "perspective": "health"}
            )
            assert response.status_code == 303, response.text
            phone_page = phone.get(f"/rooms/{code}/phone").num_bytes_downloaded
        with httpx.Client(base_url=base, headers=headers) as board:
            board.cookies.set(f"cg_{code}", created["facilitator_token"])
            board_bytes = load(board, f"/rooms/{code}/board")
        return {
            "phone_first_load_bytes": join_bytes + phone_page,
            "board_first_load_bytes": board_bytes,
        }
