"""What `python -m app` (and so `make run`) says once it serves: the addresses to open,
and, when phones could not reach it, how to let them in."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
from urllib.parse import urlsplit

import uvicorn
from uvicorn.supervisors import Multiprocess

STARTUP_FAILURE = 3
"""uvicorn's exit status when the server could not start."""
WILDCARDS = ("0.0.0.0", "::", "")  # noqa: S104  (names to compare, not a bind)
"""Hosts that mean "every interface"."""


def is_loopback(host: str | None) -> bool:
    """Whether `host` is this computer only (127.0.0.1, ::1, localhost): no phone can reach it."""
    if not host:
        return False
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def unreachable_join(url: str) -> bool:
    """Whether a join link (the board's QR code) points at this computer only."""
    return is_loopback(urlsplit(url).hostname)


def lan_address() -> str | None:
    """This computer's address on the local network, as phones on the Wi-Fi would use it:
    the interface a datagram to a private address would leave by. Nothing is sent (a UDP
    socket's connect only picks a route)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if is_loopback(address) or address in WILDCARDS else address


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def banner(*, host: str, port: int, public_url: str | None, lan: str | None) -> str:
    """The lines printed once the server is up (`lan`: this computer's Wi-Fi address)."""
    local = _url("127.0.0.1" if host in WILDCARDS else host, port)
    suggested = _url(lan, port) if lan else f"http://<this computer's Wi-Fi address>:{port}"
    if public_url:
        join = f"{public_url.rstrip('/')}/join (or scan the QR code on the board)"
    elif host in WILDCARDS:
        join = f"{suggested}/join (or scan the QR code on the board)"
    elif is_loopback(host):
        join = f"not yet: {host} is this computer only (see below)"
    else:
        join = f"{_url(host, port)}/join (or scan the QR code on the board)"
    lines = [
        "",
        "Common Ground is ready.",
        f"  Facilitator: open {local}/ and create a room; its control view opens there.",
        f"  Board:       {local}/rooms/<CODE>/board (the control view's 'Open the board').",
        f"  Phones join: {join}",
    ]
    advice = []
    if is_loopback(host):
        advice.append(
            f"Phones cannot reach this server: it listens on {host} (this computer only)"
            + (", which is right only behind a reverse proxy at PUBLIC_URL." if public_url else ".")
        )
    if not public_url:
        advice.append(
            "PUBLIC_URL is not set: the QR code will use whatever address the board is "
            "opened on" + (" (on 127.0.0.1 no phone can use it)." if is_loopback(host) else ".")
        )
    if advice:
        lines += ["", "To let phones in:", *(f"  {line}" for line in advice)]
        lines.append(f"  Run:  make run HOST=0.0.0.0 PUBLIC_URL={suggested}")
        lines.append(f"  (phones must be on the same Wi-Fi; allow port {port} in the firewall)")
    return "\n".join(lines) + "\n"


def serve(config: uvicorn.Config, text: str) -> None:
    """Run uvicorn as `uvicorn.run` does, printing `text` once it listens; with several
    workers, before they start (each would print it)."""
    if config.workers > 1:
        print(text, file=sys.stderr, flush=True)
        sock = config.bind_socket()
        Multiprocess(config, sockets=[sock]).run()
        return
    server = Server(config, text)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class Server(uvicorn.Server):
    """uvicorn's server, printing the banner once it listens (after uvicorn's own lines)."""

    def __init__(self, config: uvicorn.Config, text: str) -> None:
        super().__init__(config)
        self.text = text

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            print(self.text, file=sys.stderr, flush=True)
