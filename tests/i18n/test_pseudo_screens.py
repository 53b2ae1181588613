"""The pseudo-locale finds what gettext does not reach: every screen of both workshops
rendered in en-XA must have no plain English left (hard-coded text shows as ASCII words;
every message the catalogue knows is accented and bracketed)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer, join, make_room
from tests.i18n.support import texts
from tests.web.support import post_phase

PHASES = {
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
WORD = re.compile(r"\b[A-Za-z]{3,}\b")
PEOPLES = {"Zyxwv", "Qwert", "Oakfield", "Primary", "partnership", "Common", "Ground"}
"""What the test room's people typed (their words are never translated), and the brand."""
NOT_WORDING = {
    "PDF",
    "CSV",
    "JSON",
    "PNG",
    "SVG",
    "API",
    "QR",
    "docx",
    "odt",
    "xlsx",
    "zip",
    "HOST",
    "PUBLIC_URL",
    "make",
    "run",
    "Bearer",
    "Authorization",
    "token",
    "join",
    "openapi",
    "json",
    "testserver",
}
"""Names of formats, commands and protocol words, the same in every language."""


def _plain_english(text: str, code: str = "") -> list[str]:
    """The English words of a text node (none when it is pseudo-translated)."""
    if "[" in text or "]" in text:  # a pseudo-translated message (or part of one)
        return []
    known = PEOPLES | NOT_WORDING | {code}  # the room's code is letters too
    return [w for w in WORD.findall(text) if w not in known]


@pytest.mark.parametrize("workshop", sorted(PHASES))
def test_no_hard_coded_english_on_any_screen(client: TestClient, workshop: str):
    client.cookies.set("lang", "en-XA")
    room = make_room(client, title="Zyxwv", workshop=workshop)
    code, fac = room["code"], room["facilitator_token"]
    person = join(client, code, "Qwert Zyxwv", "education")
    if workshop == "multi-agency-visioning":
        client.post(
            f"/api/rooms/{code}/notes", json={"text": "Zyxwv"}, headers=bearer(person["token"])
        )
    found: dict[str, set[str]] = {}
    for phase in PHASES[workshop]:
        if phase != "lobby":
            post_phase(client, code, fac, phase)
        for view, token in (("phone", person["token"]), ("board", fac), ("control", fac)):
            client.cookies.set(f"cg_{code}", token)
            page = client.get(f"/rooms/{code}/{view}").text
            assert '<html lang="en-XA" dir="ltr"' in page
            for text, lang in texts(page):
                if lang in ("", "en-XA") and (words := _plain_english(text, code)):
                    found.setdefault(f"{phase}/{view}", set()).add(" ".join(words))
    assert found == {}


def test_the_pseudo_locale_reaches_the_forms_and_errors(client: TestClient):
    client.cookies.set("lang", "en-XA")
    for path in ("/", "/join", "/no-such-page-here", "/rooms/ZZZZZZ/phone"):
        page = client.get(path).text
        shown = [text for text, lang in texts(page) if lang in ("", "en-XA")]
        left = {" ".join(w) for text in shown if (w := _plain_english(text))}
        assert left == set(), path
