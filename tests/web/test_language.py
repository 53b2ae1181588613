"""The language a page and the API answer in: the switch, the cookie, Accept-Language."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer, join, make_room

WELSH = {"accept-language": "cy-GB,cy;q=0.9,en;q=0.5"}


def _html_lang(html: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', html)
    assert found, html[:200]
    return found.group(1), found.group(2)


def test_pages_follow_accept_language_and_say_which(client: TestClient) -> None:
    assert _html_lang(client.get("/").text) == ("en-GB", "ltr")
    assert _html_lang(client.get("/", headers=WELSH).text) == ("cy", "ltr")


def test_the_switch_remembers_the_choice_over_the_browsers(client: TestClient) -> None:
    response = client.get("/lang/cy", params={"next": "/join?code=K7P"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/join?code=K7P")
    assert "lang=cy" in response.headers["set-cookie"]
    page = client.get("/join", headers={"accept-language": "en-GB"}).text
    assert _html_lang(page) == ("cy", "ltr")
    assert '<span aria-current="true" lang="cy">Cymraeg</span>' in page
    assert 'hreflang="en-GB" lang="en-GB">English</a>' in page


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "evil", "/\\evil"])
def test_the_switch_only_goes_back_to_this_site(client: TestClient, target: str) -> None:
    response = client.get("/lang/cy", params={"next": target}, follow_redirects=False)
    location = response.headers["location"]
    assert location.startswith("/")
    assert not location.startswith("//")


def test_an_unknown_language_sets_nothing(client: TestClient) -> None:
    response = client.get("/lang/xx", follow_redirects=False)
    assert response.status_code == 303
    assert "set-cookie" not in response.headers


def test_the_api_answers_errors_in_accept_language_with_the_same_codes(
    client: TestClient,
) -> None:
    room = make_room(client)
    person = join(client, room["code"])
    url = f"/api/rooms/{room['code']}/phase"
    headers = {**bearer(person["token"]), **WELSH}
    welsh = client.post(url, json={"phase": "purpose"}, headers=headers).json()["error"]
    english = client.post(url, json={"phase": "purpose"}, headers=bearer(person["token"]))
    assert welsh == {"code": "facilitator_only", "message": "Dim ond yr hwylusydd all wneud hynny."}
    assert english.json()["error"] == {
        "code": "facilitator_only",
        "message": "Only the facilitator can do that.",
    }


def test_the_api_ignores_the_pages_cookie(client: TestClient) -> None:
    client.cookies.set("lang", "cy")
    room = make_room(client)
    person = join(client, room["code"])
    url = f"/api/rooms/{room['code']}/phase"
    answer = client.post(url, json={"phase": "purpose"}, headers=bearer(person["token"]))
    assert answer.json()["error"]["message"] == "Only the facilitator can do that."
