"""What `make run` says once it serves (app/startup.py), and the board's warning in place of
a QR code that no phone could open."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.startup import banner, is_loopback, unreachable_join
from app.web.app import create_app
from tests.web.support import ToolkitRoom

LAN = "192.168.1.20"


def test_on_127_0_0_1_it_says_how_to_let_phones_in() -> None:
    text = banner(host="127.0.0.1", port=8000, public_url=None, lan=LAN)
    assert "Facilitator: open http://127.0.0.1:8000/ and create a room" in text
    assert "Board:       http://127.0.0.1:8000/rooms/<CODE>/board" in text
    assert "Phones join: not yet: 127.0.0.1 is this computer only" in text
    assert "it listens on 127.0.0.1 (this computer only)." in text
    assert "PUBLIC_URL is not set" in text
    assert f"make run HOST=0.0.0.0 PUBLIC_URL=http://{LAN}:8000" in text


def test_on_every_interface_without_public_url_it_suggests_the_wifi_address() -> None:
    text = banner(host="0.0.0.0", port=8123, public_url=None, lan=LAN)
    assert f"Phones join: http://{LAN}:8123/join" in text
    assert "listens on" not in text
    assert "PUBLIC_URL is not set" in text
    assert f"PUBLIC_URL=http://{LAN}:8123" in text


def test_without_a_known_wifi_address_it_says_what_to_put_there() -> None:
    text = banner(host="127.0.0.1", port=8000, public_url=None, lan=None)
    assert "PUBLIC_URL=http://<this computer's Wi-Fi address>:8000" in text


def test_set_up_for_phones_it_ends_with_the_addresses_and_no_advice() -> None:
    text = banner(
        host="0.0.0.0",
        port=8000,
        public_url=f"http://{LAN}:8000/",
        lan=LAN,
    )
    assert text.rstrip().endswith(
        f"Phones join: http://{LAN}:8000/join (or scan the QR code on the board)"
    )
    assert "To let phones in" not in text


def test_behind_a_proxy_on_127_0_0_1_the_advice_says_so() -> None:
    text = banner(host="127.0.0.1", port=8000, public_url="https://workshop.example.org", lan=LAN)
    assert "Phones join: https://workshop.example.org/join" in text
    assert "right only behind a reverse proxy at PUBLIC_URL" in text
    assert "PUBLIC_URL is not set" not in text


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LocalHost", True),
        ("app.localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("workshop.example.org", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_unreachable_join_links() -> None:
    assert unreachable_join("http://127.0.0.1:8000/j/K7P2QX")
    assert unreachable_join("http://localhost:8000")
    assert not unreachable_join(f"http://{LAN}:8000/j/K7P2QX")
    assert not unreachable_join("http://testserver")


def board_of(settings: Settings, base_url: str) -> str:
    """The board of a new room, as a browser that opened the server at `base_url` sees it."""
    with TestClient(create_app(settings), base_url=base_url) as client:
        room = ToolkitRoom.create(client)
        return room.page("fac", "board")


def test_the_board_warns_instead_of_a_dead_qr_code(settings: Settings) -> None:
    page = board_of(settings, "http://127.0.0.1:8000")
    assert 'id="board-join-warning"' in page
    assert "No QR code: phones cannot reach 127.0.0.1:8000" in page
    assert "HOST=0.0.0.0" in page
    assert 'class="board__qr"' not in page


@pytest.mark.parametrize(
    ("public_url", "base_url"),
    [(None, f"http://{LAN}:8000"), ("http://127.0.0.1:8000", "http://127.0.0.1:8000")],
    ids=["opened-on-the-wifi-address", "public-url-set"],
)
def test_the_board_shows_the_qr_code_phones_can_use(
    settings: Settings, public_url: str | None, base_url: str
) -> None:
    page = board_of(settings.model_copy(update={"public_url": public_url}), base_url)
    assert 'class="board__qr"' in page
    assert "board-join-warning" not in page


def test_without_a_qr_code_the_lobby_does_not_tell_the_room_to_scan_one(settings: Settings) -> None:
    """The lobby's prompt (the workshop's words) says "scan the QR code": where the
    warning replaces the code, the board's own words say what to type instead (board.css
    shows one or the other; tests/e2e/test_board_fit.py reads what is on screen)."""
    page = board_of(settings, "http://127.0.0.1:8000")
    assert re.search(r'<p class="board__prompt board__prompt--qr">[^<]*scan the QR code', page)
    assert re.search(
        r'<p class="board__prompt board__prompt--no-qr">Join on your phone: open the join page'
        r" at the address the facilitator gives you, then type the room code shown here.</p>",
        page,
    )
