"""The browser UI: pages, their form posts, cookies, escaping, the htmx live channel."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.testclient import WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from app.config import Settings
from app.web.app import create_app
from tests.conftest import bearer, join, make_room
from tests.web.support import receive_html

EVIL = "<script>alert(1)</script>"
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# The board's live block listing who is here (named board-participants in the
# first design; the people list now lives in board-main during the lobby).
BOARD_PEOPLE = re.compile(r'<section id="board-(?:participants|main)"')


# -------------------------------------------------------------------- helpers
class Inputs(HTMLParser):
    """Collects form controls: name → value for inputs, selected option for selects."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self.forms: list[dict[str, str]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(found)
        elif tag == "input" and "name" in found:
            kind = found.get("type", "text")
            if kind not in ("radio", "hidden") or (kind == "radio" and "checked" in found):
                self.values[found["name"]] = found.get("value", "")
        elif tag == "select":
            self._select = found.get("name")
            self.options[self._select or ""] = []
        elif tag == "option" and self._select is not None:
            self.options[self._select].append(found.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def parse(page: str) -> Inputs:
    parser = Inputs()
    parser.feed(page)
    return parser


def facilitator_client(client: TestClient, code: str, token: str) -> TestClient:
    """The client, holding the facilitator's cookie for this room (as a browser would)."""
    client.cookies.set(f"cg_{code}", token)
    return client


def create_by_form(client: TestClient, title: str = "Oakfield partnership") -> str:
    response = client.post(
        "/rooms",
        data={"title": title, "setting": "Oakfield Primary", "workshop": "multi-agency-visioning"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/rooms/([A-Z0-9]{6})/control", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def columns(page: str) -> dict[str, str]:
    """The board's participant columns: perspective id → that column's HTML."""
    found = BOARD_PEOPLE.search(page)
    assert found, "no board people block"
    section = page[found.start() :]
    parts = re.split(r'<div class="column column--([a-z-]+)">', section)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def set_cookie_header(response: httpx.Response, code: str) -> str:
    headers = [v for v in response.headers.get_list("set-cookie") if v.startswith(f"cg_{code}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


# ----------------------------------------------------------------------- home
def test_home_shows_the_create_form(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert {"action": "/rooms", "method": "post", "class": "form"} in page.forms
    assert "title" in page.values
    assert page.options["workshop"] == ["multi-agency-visioning", "partnership-health-check"]
    assert "passcode" not in page.values


def test_create_by_form_redirects_to_control_with_an_httponly_cookie(
    client: TestClient,
) -> None:
    response = client.post(
        "/rooms",
        data={"title": "Oakfield", "setting": "", "workshop": "multi-agency-visioning"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    code = response.headers["location"].split("/")[2]
    assert response.headers["location"] == f"/rooms/{code}/control"
    cookie = set_cookie_header(response, code)
    attributes = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes or "samesite=strict" in attributes
    assert "path=/" in attributes
    token = cookie.split(";")[0].split("=", 1)[1]
    assert len(token) >= 22

    # The cookie is the facilitator token: the API accepts it as a bearer too.
    snapshot = client.get(f"/api/rooms/{code}", headers=bearer(token))
    assert snapshot.json()["you"]["role"] == "facilitator"

    control = client.get(f"/rooms/{code}/control")
    assert control.status_code == 200
    assert code in control.text
    assert "Oakfield" in control.text


@pytest.mark.parametrize(
    ("title", "message"),
    [("", "Please enter a title"), ("   ", "Please enter a title"), ("T" * 121, "121 characters")],
    ids=["empty", "spaces", "too-long"],
)
def test_bad_title_reshows_the_form_with_message_and_value(
    client: TestClient, settings: Settings, title: str, message: str
) -> None:
    response = client.post(
        "/rooms",
        data={
            "title": title,
            "setting": "Oak & Ash <Primary>",
            "workshop": "multi-agency-visioning",
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "set-cookie" not in response.headers
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    page = parse(response.text)
    assert page.values["title"] == title
    assert page.values["setting"] == "Oak & Ash <Primary>"
    assert "Oak &amp; Ash &lt;Primary&gt;" in response.text


def test_unknown_workshop_in_form_is_refused(client: TestClient) -> None:
    response = client.post(
        "/rooms", data={"title": "Fine", "workshop": "nope"}, follow_redirects=False
    )
    assert response.status_code == 422
    assert "Unknown workshop" in response.text
    assert parse(response.text).values["title"] == "Fine"


@pytest.fixture
def passcode_client(settings: Settings) -> Iterator[TestClient]:
    guarded = settings.model_copy(update={"facilitator_passcode": SecretStr("s3cret")})
    with TestClient(create_app(guarded)) as client:
        yield client


def test_form_needs_the_passcode_when_set(passcode_client: TestClient) -> None:
    home = passcode_client.get("/")
    assert "passcode" in parse(home.text).values
    data = {"title": "Guarded", "workshop": "multi-agency-visioning"}
    refused = passcode_client.post(
        "/rooms", data={**data, "passcode": "wrong"}, follow_redirects=False
    )
    assert refused.status_code == 401
    assert "passcode is not right" in refused.text
    assert parse(refused.text).values["title"] == "Guarded"
    assert parse(refused.text).values["passcode"] == ""  # never echoed back
    created = passcode_client.post(
        "/rooms", data={**data, "passcode": "s3cret"}, follow_redirects=False
    )
    assert created.status_code == 303


@pytest.mark.parametrize(
    ("configured", "typed", "status"),
    [("s3cret", "café", 401), ("pässwort", "wrong", 401), ("pässwort", "pässwort", 303)],
    ids=["non-ascii-typed", "non-ascii-configured-wrong", "non-ascii-configured-right"],
)
def test_form_passcode_handles_non_ascii(
    settings: Settings, configured: str, typed: str, status: int
) -> None:
    guarded = settings.model_copy(update={"facilitator_passcode": SecretStr(configured)})
    with TestClient(create_app(guarded), raise_server_exceptions=False) as client:
        response = client.post(
            "/rooms",
            data={"title": "Guarded", "workshop": "multi-agency-visioning", "passcode": typed},
            follow_redirects=False,
        )
    assert response.status_code == status, response.text[:300]


# ----------------------------------------------------------------------- join
def test_join_page_shows_the_form(client: TestClient) -> None:
    response = client.get("/join")
    assert response.status_code == 200
    page = parse(response.text)
    assert {"action": "/join", "method": "post", "class": "form card"} in page.forms
    assert page.values["code"] == ""
    for perspective in ("education", "health", "social-care", "vcs-other"):
        assert f'value="{perspective}"' in response.text


def test_join_page_prefills_a_lower_case_code(client: TestClient) -> None:
    room = make_room(client, title="Oakfield partnership")
    response = client.get(f"/join?code={room['code'].lower()}")
    assert response.status_code == 200
    assert parse(response.text).values["code"] == room["code"]
    assert "Oakfield partnership" in response.text


def test_join_page_with_unknown_code_says_so(client: TestClient) -> None:
    response = client.get("/join?code=zzzzzz")
    assert response.status_code == 404  # friendly page, but a 404: guesses are counted
    assert "could not find a room" in response.text
    assert parse(response.text).values["code"] == "ZZZZZZ"


def test_short_link_redirects_to_join(client: TestClient) -> None:
    room = make_room(client)
    response = client.get(f"/j/{room['code'].lower()}", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"] == f"/join?code={room['code']}"
    followed = client.get(f"/j/{room['code']}")
    assert parse(followed.text).values["code"] == room["code"]


def test_join_with_unknown_code_is_a_friendly_404(client: TestClient) -> None:
    response = client.post(
        "/join",
        data={"code": "zzzzzz", "name": "Priya", "perspective": "health"},
        follow_redirects=False,
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "We could not find a room with that code" in response.text
    page = parse(response.text)
    assert page.values["name"] == "Priya"
    assert page.values["perspective"] == "health"


def test_join_by_form_redirects_to_the_phone_page(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    response = client.post(
        "/join",
        data={
            "code": f" {code.lower()[:3]}-{code.lower()[3:]} ",
            "name": "Priya Shah",
            "perspective": "health",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/rooms/{code}/phone"
    cookie = set_cookie_header(response, code)
    assert "httponly" in cookie.lower()

    phone = client.get(f"/rooms/{code}/phone")
    assert phone.status_code == 200
    assert "Priya Shah" in phone.text
    assert 'id="phone-header"' in phone.text

    listed = client.get(f"/api/rooms/{code}", headers=bearer(room["facilitator_token"])).json()
    assert [(p["name"], p["perspective"]) for p in listed["participants"]] == [
        ("Priya Shah", "health")
    ]


@pytest.mark.parametrize(
    ("name", "perspective", "field"),
    [("", "health", "name"), ("n" * 61, "health", "name"), ("Sam", "police", "perspective")],
    ids=["empty-name", "long-name", "bad-perspective"],
)
def test_join_form_refusals_reshow_the_form(
    client: TestClient, name: str, perspective: str, field: str
) -> None:
    room = make_room(client)
    response = client.post(
        "/join",
        data={"code": room["code"], "name": name, "perspective": perspective},
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert parse(response.text).values["name"] == name
    assert parse(response.text).values["code"] == room["code"]
    snapshot = client.get(
        f"/api/rooms/{room['code']}", headers=bearer(room["facilitator_token"])
    ).json()
    assert snapshot["seq"] == 0


def test_join_form_on_a_locked_room_is_409(client: TestClient) -> None:
    room = make_room(client)
    client.post(
        f"/api/rooms/{room['code']}/lock",
        json={"locked": True},
        headers=bearer(room["facilitator_token"]),
    )
    response = client.post(
        "/join",
        data={"code": room["code"], "name": "Late", "perspective": "health"},
        follow_redirects=False,
    )
    assert response.status_code == 409
    assert "locked" in response.text


# -------------------------------------------------------------------- screens
@pytest.mark.parametrize("screen", ["board", "control"])
def test_facilitator_screens_need_the_facilitator_cookie(client: TestClient, screen: str) -> None:
    room = make_room(client)
    code = room["code"]
    response = client.get(f"/rooms/{code}/{screen}")
    assert response.status_code == 403
    assert "for the facilitator" in response.text
    assert room["facilitator_token"] not in response.text

    priya = join(client, code)
    client.cookies.set(f"cg_{code}", priya["token"])
    assert client.get(f"/rooms/{code}/{screen}").status_code == 403

    client.cookies.set(f"cg_{code}", room["facilitator_token"])
    assert client.get(f"/rooms/{code}/{screen}").status_code == 200


def test_phone_without_cookie_redirects_to_join(client: TestClient) -> None:
    room = make_room(client)
    response = client.get(f"/rooms/{room['code'].lower()}/phone", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"] == f"/join?code={room['code']}"


def test_phone_with_facilitator_cookie_redirects_to_join(client: TestClient) -> None:
    room = make_room(client)
    facilitator_client(client, room["code"], room["facilitator_token"])
    response = client.get(f"/rooms/{room['code']}/phone", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/join?code={room['code']}"


def test_removed_participant_phone_is_told_it_was_removed(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    priya = join(client, code)
    client.cookies.set(f"cg_{code}", priya["token"])
    assert client.get(f"/rooms/{code}/phone").status_code == 200
    client.delete(
        f"/api/rooms/{code}/participants/{priya['participant_id']}",
        headers=bearer(room["facilitator_token"]),
    )
    response = client.get(f"/rooms/{code}/phone", follow_redirects=False)
    assert response.status_code == 403  # not sent to the join page unexplained (issue 15)
    assert "You were removed from this room by the facilitator" in response.text


@pytest.mark.parametrize("screen", ["board", "control", "phone"])
def test_unknown_room_screens_are_a_404_page(client: TestClient, screen: str) -> None:
    response = client.get(f"/rooms/ZZZZZZ/{screen}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Room not found" in response.text


def test_room_home_sends_each_role_to_its_screen(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    assert client.get(f"/rooms/{code}", follow_redirects=False).headers["location"] == (
        f"/join?code={code}"
    )
    client.cookies.set(f"cg_{code}", room["facilitator_token"])
    assert client.get(f"/rooms/{code}", follow_redirects=False).headers["location"] == (
        f"/rooms/{code}/control"
    )


def test_board_shows_code_qr_and_people_by_perspective(client: TestClient) -> None:
    room = make_room(client, title="Oakfield partnership")
    code = room["code"]
    join(client, code, name="Priya", perspective="health")
    join(client, code, name="Dev", perspective="health")
    join(client, code, name="Eleanor", perspective="education")
    join(client, code, name="Sol", perspective="social-care")
    facilitator_client(client, code, room["facilitator_token"])

    response = client.get(f"/rooms/{code}/board")
    assert response.status_code == 200
    page = response.text
    assert code in page
    assert "Oakfield partnership" in page
    assert "<svg" in page
    assert BOARD_PEOPLE.search(page)
    assert f'ws-connect="/rooms/{code}/live?view=board"' in page

    by_column = columns(page)
    assert list(by_column) == ["education", "health", "social-care", "vcs-other"]
    assert "Eleanor" in by_column["education"]
    assert "Priya" in by_column["health"]
    assert "Dev" in by_column["health"]
    assert "Sol" in by_column["social-care"]
    assert "No one yet" in by_column["vcs-other"]
    for name, home in (("Priya", "health"), ("Eleanor", "education"), ("Sol", "social-care")):
        for perspective, column in by_column.items():
            if perspective != home:
                assert f">{name}<" not in column


# ------------------------------------------------------------------- escaping
def test_names_are_escaped_on_every_screen(client: TestClient) -> None:
    room = make_room(client, title="<b>Bold</b> & co")
    code = room["code"]
    evil = join(client, code, name=EVIL, perspective="health")

    facilitator_client(client, code, room["facilitator_token"])
    for screen in ("board", "control"):
        page = client.get(f"/rooms/{code}/{screen}").text
        assert EVIL_ESCAPED in page, screen
        assert EVIL not in page, screen
        assert "<script>alert" not in page, screen
        assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in page, screen
        assert "<b>Bold</b>" not in page, screen

    client.cookies.set(f"cg_{code}", evil["token"])
    phone = client.get(f"/rooms/{code}/phone").text
    assert EVIL_ESCAPED in phone
    assert "<script>alert" not in phone
    assert "<b>Bold</b>" not in phone


def test_typed_values_are_escaped_when_reshown(client: TestClient) -> None:
    typed = '"><script>alert(1)</script>' + "x" * 120
    response = client.post("/rooms", data={"title": typed, "workshop": "multi-agency-visioning"})
    assert response.status_code == 422
    assert "<script>alert" not in response.text
    assert parse(response.text).values["title"] == typed


def test_join_page_escapes_the_code_from_the_query(client: TestClient) -> None:
    response = client.get("/join", params={"code": '"><script>x</script>'})
    assert response.status_code == 404
    assert "<script>x" not in response.text.lower()
    assert "<SCRIPT>" not in response.text


def test_live_fragments_escape_names(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    facilitator_client(client, code, room["facilitator_token"])
    with client.websocket_connect(f"/rooms/{code}/live?view=control") as ws:
        receive_html(ws)
        join(client, code, name=EVIL)
        update = receive_html(ws)
    assert EVIL_ESCAPED in update
    assert "<script>alert" not in update


# ---------------------------------------------------------------- htmx forms
def test_htmx_phase_post_returns_the_control_fragments(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    facilitator_client(client, code, room["facilitator_token"])
    response = client.post(
        f"/rooms/{code}/phase", data={"phase": "purpose-write"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="control-phases"' in response.text
    assert 'id="control-participants"' in response.text
    assert "<html" not in response.text
    assert 'aria-current="step"' in response.text
    snapshot = client.get(f"/api/rooms/{code}", headers=bearer(room["facilitator_token"])).json()
    assert (snapshot["phase"], snapshot["seq"]) == ("purpose-write", 1)


def test_plain_phase_post_redirects_to_control(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    facilitator_client(client, code, room["facilitator_token"])
    response = client.post(
        f"/rooms/{code}/phase", data={"phase": "purpose-write"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/rooms/{code}/control"


def test_htmx_phase_post_refusals(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    headers = {"HX-Request": "true"}
    no_cookie = client.post(f"/rooms/{code}/phase", data={"phase": "closed"}, headers=headers)
    assert no_cookie.status_code == 401
    assert no_cookie.json()["error"]["code"] == "unauthorized"

    priya = join(client, code)
    client.cookies.set(f"cg_{code}", priya["token"])
    participant = client.post(f"/rooms/{code}/phase", data={"phase": "closed"}, headers=headers)
    assert participant.status_code == 403

    facilitator_client(client, code, room["facilitator_token"])
    unknown = client.post(f"/rooms/{code}/phase", data={"phase": "nope"}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "invalid_phase"

    snapshot = client.get(f"/api/rooms/{code}", headers=bearer(room["facilitator_token"])).json()
    assert (snapshot["phase"], snapshot["seq"]) == ("lobby", 1)


def test_htmx_lock_and_remove_forms(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    priya = join(client, code, name="Priya")
    facilitator_client(client, code, room["facilitator_token"])
    headers = {"HX-Request": "true"}

    locked = client.post(f"/rooms/{code}/lock", data={"locked": "true"}, headers=headers)
    assert locked.status_code == 200
    assert 'id="control-status"' in locked.text
    assert "Unlock the room" in locked.text

    removed = client.post(
        f"/rooms/{code}/participants/{priya['participant_id']}/remove", headers=headers
    )
    assert removed.status_code == 200
    assert "Priya" not in removed.text

    snapshot = client.get(f"/api/rooms/{code}", headers=bearer(room["facilitator_token"])).json()
    assert snapshot["locked"] is True
    assert snapshot["participants"] == []


# ------------------------------------------------------------- live channel
def test_live_board_sends_its_blocks_then_updates_on_join(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    facilitator_client(client, code, room["facilitator_token"])
    with client.websocket_connect(f"/rooms/{code}/live?view=board") as ws:
        first = receive_html(ws)
        assert BOARD_PEOPLE.search(first)
        assert 'id="board-phase"' in first
        assert 'hx-swap-oob="true"' in first
        assert "<html" not in first
        assert "Meera" not in first

        join(client, code, name="Meera", perspective="vcs-other")
        update = receive_html(ws)
        assert not BOARD_PEOPLE.search(update)  # one name joins the column, not the board
        joined = r'<li class="name[^"]*" id="person-[^"]+" data-in="board-names-vcs-other"'
        assert re.search(joined, update)
        assert "Meera" in update

        client.post(
            f"/api/rooms/{code}/phase",
            json={"phase": "purpose-write"},
            headers=bearer(room["facilitator_token"]),
        )
        assert "Task 1.1" in receive_html(ws)


def test_live_board_block_matches_the_page(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    join(client, code, name="Priya")
    facilitator_client(client, code, room["facilitator_token"])
    page = client.get(f"/rooms/{code}/board").text
    with client.websocket_connect(f"/rooms/{code}/live?view=board") as ws:
        first = receive_html(ws)
    blocks = re.findall(r'<section id="(board-[a-z-]+)" hx-swap-oob="true"', first)
    assert "board-phase" in blocks
    assert len(blocks) >= 2
    for block in blocks:
        # Each live block is byte-for-byte the page's block.
        found = re.search(rf'<section id="{block}".*?</section>', first, re.S)
        assert found is not None
        assert found.group(0) in page, block
    assert "Priya" in first


def test_live_phone_channel_follows_the_phase(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    priya = join(client, code, name="Priya")
    client.cookies.set(f"cg_{code}", priya["token"])
    with client.websocket_connect(f"/rooms/{code}/live?view=phone") as ws:
        first = receive_html(ws)
        assert 'id="phone-phase"' in first
        assert "<html" not in first
        client.post(
            f"/api/rooms/{code}/phase",
            json={"phase": "purpose-write"},
            headers=bearer(room["facilitator_token"]),
        )
        # Presence (this phone coming online) may render first; the phase follows.
        for _ in range(3):
            message = receive_html(ws)
            if "Task 1.1" in message:
                break
        else:
            pytest.fail("the phone never heard of the phase change")


def test_removed_participant_live_phone_is_closed(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    priya = join(client, code, name="Priya")
    client.cookies.set(f"cg_{code}", priya["token"])
    with client.websocket_connect(f"/rooms/{code}/live?view=phone") as ws:
        receive_html(ws)
        response = client.delete(
            f"/api/rooms/{code}/participants/{priya['participant_id']}",
            headers=bearer(room["facilitator_token"]),
        )
        assert response.status_code == 204
        close_code = None
        for _ in range(5):  # at most a presence re-render or two before the close
            try:
                receive_html(ws)
            except WebSocketDisconnect as closed:
                close_code = closed.code
                break
    assert close_code == 4403


def test_screens_accept_a_lower_case_code(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    facilitator_client(client, code, room["facilitator_token"])
    for screen in ("board", "control"):
        response = client.get(f"/rooms/{code.lower()}/{screen}")
        assert response.status_code == 200, screen
        assert code in response.text
    with client.websocket_connect(f"/rooms/{code.lower()}/live?view=board") as ws:
        assert 'id="board-phase"' in receive_html(ws)


@pytest.mark.parametrize(
    ("view", "role", "status"),
    [
        ("phone", "facilitator", 403),
        ("board", "participant", 403),
        ("control", "participant", 403),
        ("nope", "facilitator", 422),
        ("board", None, 401),
    ],
)
def test_live_channel_refusals(
    client: TestClient, view: str, role: str | None, status: int
) -> None:
    room = make_room(client)
    code = room["code"]
    if role == "facilitator":
        client.cookies.set(f"cg_{code}", room["facilitator_token"])
    elif role == "participant":
        client.cookies.set(f"cg_{code}", join(client, code)["token"])
    with pytest.raises(WebSocketDenialResponse) as refused:
        client.websocket_connect(f"/rooms/{code}/live?view={view}").__enter__()
    assert refused.value.status_code == status
    assert set(json.loads(refused.value.content)["error"]) == {"code", "message"}


def test_live_channel_of_unknown_room_is_refused(client: TestClient) -> None:
    with pytest.raises(WebSocketDenialResponse) as refused:
        client.websocket_connect("/rooms/ZZZZZZ/live?view=board").__enter__()
    assert refused.value.status_code == 404


# ------------------------------------------------------------------- headers
@pytest.mark.parametrize(
    "path", ["/", "/join", "/healthz", "/api/workshops", "/rooms/ZZZZZZ/board"]
)
def test_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src is not None
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert directives.get("object-src") == ["'none'"]
    assert "frame-ancestors" in directives
    assert response.headers["x-content-type-options"] == "nosniff"


def test_security_headers_on_screens_and_redirects(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    facilitator_client(client, code, room["facilitator_token"])
    for path in (f"/rooms/{code}/board", f"/rooms/{code}/control", f"/j/{code}"):
        response = client.get(path, follow_redirects=False)
        assert "content-security-policy" in response.headers, path
        assert response.headers["x-content-type-options"] == "nosniff", path


def test_pages_have_no_inline_scripts(client: TestClient) -> None:
    room = make_room(client)
    code = room["code"]
    facilitator_client(client, code, room["facilitator_token"])
    for path in ("/", "/join", f"/rooms/{code}/board", f"/rooms/{code}/control"):
        page = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+=", page), path


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_escape_helper_agrees_with_the_templates() -> None:
    assert html.escape(EVIL, quote=False) == EVIL_ESCAPED
