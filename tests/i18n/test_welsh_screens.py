"""Every screen of both workshops in Welsh: no English from the catalogue left on it, and
`lang` right (the page says cy; nothing is marked as another language but people's text)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer, join, make_room
from tests.i18n.support import english_only, texts
from tests.web.support import post_phase

WORKSHOPS = {
    "multi-agency-visioning": [
        "lobby",
        "purpose-write",
        "purpose-sort",
        "purpose-agree",
        "grid-write",
        "grid-agree",
        "document",
        "closed",
    ],
    "partnership-health-check": ["lobby", "checklist", "ladder", "results", "closed"],
}


def _screens(client: TestClient, code: str, fac: str, person: str) -> dict[str, str]:
    shown = {}
    for view, token in (("phone", person), ("board", fac), ("control", fac)):
        client.cookies.set(f"cg_{code}", token)
        response = client.get(f"/rooms/{code}/{view}")
        assert response.status_code == 200, response.text
        shown[view] = response.text
    client.cookies.delete(f"cg_{code}")
    return shown


@pytest.mark.parametrize("workshop", sorted(WORKSHOPS))
def test_every_screen_in_welsh_leaves_no_catalogue_english(client: TestClient, workshop: str):
    client.cookies.set("lang", "cy")
    room = make_room(client, workshop=workshop)
    code, fac = room["code"], room["facilitator_token"]
    person = join(client, code, "Siân Prydderch", "education")
    if workshop == "multi-agency-visioning":
        client.post(
            f"/api/rooms/{code}/notes",
            json={"text": "Plant yn gyntaf"},
            headers=bearer(person["token"]),
        )
    english = english_only("cy")
    left: dict[str, set[str]] = {}
    for phase in WORKSHOPS[workshop]:
        if phase != "lobby":
            post_phase(client, code, fac, phase)
        for view, page in _screens(client, code, fac, person["token"]).items():
            assert re.search(r'<html lang="cy" dir="ltr"', page), (phase, view)
            for text, lang in texts(page):
                if text in english and lang in ("", "cy"):
                    left.setdefault(f"{phase}/{view}", set()).add(text)
    assert left == {}


def test_peoples_words_are_not_labelled_as_the_pages_language(client: TestClient):
    """A note is in whatever language its author wrote it: `lang=""` (unknown), and
    `dir="auto"` so a right-to-left note reads right even on a left-to-right page."""
    client.cookies.set("lang", "cy")
    room = make_room(client)
    code, fac = room["code"], room["facilitator_token"]
    person = join(client, code, "Siân", "education")
    post_phase(client, code, fac, "purpose-write")
    client.post(
        f"/api/rooms/{code}/notes",
        json={"text": "Every child first"},
        headers=bearer(person["token"]),
    )
    post_phase(client, code, fac, "purpose-sort")
    for view, token in (("phone", person["token"]), ("board", fac), ("control", fac)):
        client.cookies.set(f"cg_{code}", token)
        page = client.get(f"/rooms/{code}/{view}").text
        assert re.search(r'lang="" dir="auto">Every child first<', page), view


def test_the_home_and_join_pages_in_welsh(client: TestClient):
    client.cookies.set("lang", "cy")
    english = english_only("cy")
    for path in ("/", "/join", "/no-such-page-here"):
        page = client.get(path).text
        left = {text for text, lang in texts(page) if text in english and lang in ("", "cy")}
        assert left == set(), path
