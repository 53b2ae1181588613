"""Error messages in the reader's language, all of them: the domain's (with the field
they name translated too), pydantic's refusals (422 invalid_request), the limits' (413,
429) and the formats'. In the pseudo-locale every word of a message is accented — a
plain ASCII word left in one is English that gettext did not reach (a field's name, a
pydantic `msg`), except the JSON keys the request sent, which are the API's own. The
`code`s never change."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.i18n import fields
from app.i18n.locales import get
from tests.conftest import bearer, make_room
from tests.i18n.support import texts

ASCII_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]{3,}(?![^\W\d_])")
"""A run of plain letters that is a whole word (not part of an accented one)."""
FORMATS = {"md", "html", "docx", "odt", "pdf", "svg", "png", "xlsx", "zip", "JSON", "UUID"}
PSEUDO = {"accept-language": "en-XA"}
WELSH = {"accept-language": "cy"}

# (method, path, JSON body or raw text, the code, the JSON keys the message may name)
REFUSED = [
    ("post", "/api/rooms", {"title": ""}, "invalid_title", set()),
    ("post", "/api/rooms", {"title": "x" * 300}, "invalid_title", set()),
    ("post", "/api/rooms", {"title": "Ysgol", "setting": "\u200b"}, "invalid_setting", set()),
    ("post", "/api/rooms", {}, "invalid_request", {"title"}),
    ("post", "/api/rooms", {"title": ["a list"]}, "invalid_request", {"title"}),
    (
        "post",
        "/api/rooms",
        {"title": "Ysgol", "anonymous": "often"},
        "invalid_request",
        {"anonymous"},
    ),
    ("post", "/api/rooms", "{not json", "invalid_request", set()),
    ("post", "/api/rooms", [1, 2], "invalid_request", set()),
    ("get", "/api/rooms/{code}/document.txt", None, "unknown_format", set()),
    (
        "post",
        "/api/rooms/{code}/join",
        {"name": "Siân", "perspective": "zzz"},
        "invalid_perspective",
        {"zzz", "education", "health", "social", "care", "vcs", "other"},  # the ids
    ),
]


def _send(client: TestClient, method: str, path: str, body: object, headers: dict[str, str]):
    if isinstance(body, str):
        headers = {**headers, "content-type": "application/json"}
        return client.request(method, path, content=body, headers=headers)
    return client.request(method, path, json=body, headers=headers)


def english_left(message: str, keys: set[str]) -> list[str]:
    """The plain ASCII words of a pseudo-translated message that are not the API's."""
    return [w for w in ASCII_WORD.findall(message) if w not in keys | FORMATS]


def test_the_checker_sees_english_inside_a_pseudo_message():
    assert english_left("[Þļééàšéé éñţéŕ à title.]", set()) == ["title"]
    assert english_left("[Þļééàšéé éñţéŕ à [ţîîţļéé].]", set()) == []
    assert english_left("title: Field required", {"title"}) == ["Field", "required"]


@pytest.mark.parametrize(("method", "path", "body", "code", "keys"), REFUSED)
def test_every_error_message_is_translated(client, method, path, body, code, keys):
    room = make_room(client)
    path = path.format(code=room["code"])
    auth = bearer(room["facilitator_token"])
    response = _send(client, method, path, body, {**PSEUDO, **auth})
    error = response.json()["error"]
    assert response.status_code in (404, 422)
    assert error["code"] == code  # the contract's code, in any language
    assert error["message"].startswith("[") or error["message"].split(":")[0] in keys
    assert english_left(error["message"], keys) == [], error["message"]
    welsh = _send(client, method, path, body, {**WELSH, **auth}).json()["error"]
    assert welsh["code"] == code
    english = _send(client, method, path, body, auth).json()["error"]["message"]
    assert welsh["message"] != english


def test_a_fields_name_is_said_in_welsh(client):
    welsh = client.post("/api/rooms", json={"title": ""}, headers=WELSH).json()["error"]
    assert welsh == {"code": "invalid_title", "message": "Rhowch werth yn y maes “teitl”."}
    long = client.post("/api/rooms", json={"title": "x" * 300}, headers=WELSH).json()["error"]
    assert "“teitl”" in long["message"]
    assert "title" not in long["message"]
    english = client.post("/api/rooms", json={"title": ""}).json()["error"]["message"]
    assert english == "Please enter a title."


def test_pydantics_refusal_is_said_in_welsh_naming_the_key_sent(client):
    missing = client.post("/api/rooms", json={}, headers=WELSH).json()["error"]
    assert missing == {"code": "invalid_request", "message": "title: mae angen hwn."}
    wrong = client.post("/api/rooms", json={"title": 5}, headers=WELSH).json()["error"]
    assert wrong["message"] == "title: rhaid iddo fod yn destun."
    english = client.post("/api/rooms", json={"title": 5}).json()["error"]["message"]
    assert english == "title: must be text."
    assert "Input should be" not in english  # pydantic's own words never reach anyone


def test_a_body_too_large_is_refused_in_the_readers_language(client):
    big = "x" * 70_000
    response = client.post(
        "/api/rooms", content=big, headers={**WELSH, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "too_large",
        "message": "Mae'r cais yn fwy na 65536 beit.",
    }


def test_every_field_the_domain_names_has_a_welsh_name():
    welsh = get("cy")
    for field in fields.FIELDS:
        said = welsh.message("Please enter a {field}.", field=field)
        assert field not in said.split("“")[1], said


def test_a_form_error_on_a_page_names_its_field_in_the_pseudo_locale(client):
    client.cookies.set("lang", "en-XA")
    code = make_room(client)["code"]
    form = {"code": code, "name": " ", "perspective": "health"}
    page = client.post("/join", data=form).text
    shown = [text for text, lang in texts(page) if lang in ("", "en-XA") and "ñ" in text]
    errors = [text for text in shown if "[ñààɱéé]" in text]
    assert errors, shown
    assert all(english_left(text, set()) == [] for text in errors)
