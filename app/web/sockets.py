"""Websockets: the JSON event stream (API) and the htmx live channel (pages).

Both only push. A socket runs a sender (its bounded queue → the wire) and a
receiver (to notice the client leaving) in one task group.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from fastapi import WebSocket
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect, WebSocketState

from app.domain.codes import normalize_code
from app.domain.events import Viewer
from app.ratelimit import RateLimiter
from app.realtime.connection import CLOSE_TOO_SLOW, STUCK_AFTER, Connection, Format
from app.web.deps import get_service, presented_token
from app.web.edge import client_key
from app.web.errors import error_response
from app.web.language import page_locale
from app.web.socket_gate import SocketGate, TooMany

INBOUND_BURST = 20
INBOUND_INTERVAL = 1.0
"""A socket may send 20 messages at once, then one a second (the channels only push)."""
PING, PONG = "ping", "pong"
"""A page's heartbeat over its live channel (app/static/connection.js): it sends "ping"
every few seconds and shows "Reconnecting…" when no answer comes."""
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def whole_number(raw: str) -> int:
    """`raw` as a whole number, or -1: only ASCII digits count (`str.isdigit` also takes
    "²" and other digits `int` refuses), and at most 19 of them."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 19 else -1


async def _refuse(websocket: WebSocket, status: int, code: str, message: str) -> None:
    """Refuse the handshake: an HTTP response where the server supports it."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(error_response(status, code, message))
        return
    await websocket.close(
        {401: CLOSE_UNAUTHORIZED, 403: CLOSE_FORBIDDEN, 429: CLOSE_TOO_SLOW}.get(
            status, CLOSE_NOT_FOUND
        )
    )


async def _authenticate(websocket: WebSocket, code: str) -> Viewer | None:
    service = get_service(websocket)
    if not await service.exists(code):
        await _refuse(websocket, 404, "room_not_found", "There is no room with that code.")
        return None
    viewer = await service.viewer(code, presented_token(websocket, code))
    if viewer is None:
        await _refuse(websocket, 401, "unauthorized", "A valid token for this room is needed.")
    return viewer


async def _serve(websocket: WebSocket, connection: Connection, since: int | None) -> None:
    """Admit the socket (its token's and its address's caps), run it, count it out."""
    gate: SocketGate = websocket.app.state.sockets
    token = f"{connection.code}:{connection.viewer.participant_id or 'facilitator'}"
    address = client_key(websocket.scope)
    try:
        outbox = gate.admit(token, address)
    except TooMany as exc:
        await _refuse(websocket, 429, "too_many_sockets", str(exc))
        return
    outbox.connection, connection.outbox = connection, outbox
    try:
        await _run(websocket, connection, since, gate)
    finally:
        gate.leave(token, address, outbox)


async def _run(
    websocket: WebSocket, connection: Connection, since: int | None, gate: SocketGate
) -> None:
    """Run the socket: a sender task drains the outbox while this coroutine attaches
    the connection (snapshot or replay, with back-pressure) and then waits for the
    client to leave. One task per socket, not a task group: it adds up per phone."""
    service = get_service(websocket)
    channel = await service.channel(connection.code)
    await websocket.accept()
    main = asyncio.current_task()
    stuck = leaving = False

    async def send() -> None:
        try:
            while True:
                message = await connection.outbox.get()
                if message is None:
                    if websocket.application_state == WebSocketState.CONNECTED:
                        await asyncio.wait_for(
                            websocket.close(connection.close_code or 1000, connection.close_reason),
                            STUCK_AFTER,
                        )
                    return
                # The channel's heartbeat lets go of a send that never finishes.
                connection.sending_since = time.monotonic()
                await websocket.send_text(message)
                connection.sending_since = 0.0
                del message  # an idle socket must not pin its last message
        except TimeoutError:  # the close could not be sent: the peer is gone
            let_go()
        except (WebSocketDisconnect, OSError, RuntimeError):  # the client is gone
            return

    def let_go() -> None:
        nonlocal stuck
        if stuck or leaving:
            return
        stuck = True
        if main is not None:
            main.cancel()

    connection.on_stuck = let_go

    sender = asyncio.create_task(send())
    # The live channels only push: a client may ping or send the odd message,
    # but one that floods the server is closed (1008, policy violation).
    inbound = RateLimiter(burst=INBOUND_BURST, per=INBOUND_INTERVAL)
    try:
        if since is None:
            await channel.attach(connection, since)
        else:  # a replay reads and sends the log: a few at a time, within a deadline
            async with gate.replay(connection):
                await channel.attach(connection, since)
        while (message := await websocket.receive())["type"] != "websocket.disconnect":
            if inbound.wait("socket"):
                connection.close(1008, "too many messages")
                continue
            inbound.spend("socket")
            if message.get("text") == PING and connection.format == "html":
                connection.offer(PONG)  # the page's heartbeat: after what is queued for it
    except asyncio.CancelledError:
        if not stuck:
            raise
        if main is not None:
            main.uncancel()
    except (WebSocketDisconnect, OSError, RuntimeError):  # the client is gone
        pass
    finally:
        leaving = True
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender
        await channel.detach(connection)


async def events(websocket: WebSocket) -> None:
    """The JSON event stream: a snapshot first, or a replay of events after `since`."""
    code = normalize_code(websocket.path_params["code"])
    viewer = await _authenticate(websocket, code)
    if viewer is None:
        return
    raw = websocket.query_params.get("since")
    since = None if raw is None else whole_number(raw)
    if since is not None and not 0 <= since < 2**63:
        await _refuse(websocket, 422, "invalid_since", "`since` must be a whole number, 0 or more.")
        return
    await _serve(websocket, Connection(code, viewer, "json", page="api"), since)


async def live(websocket: WebSocket) -> None:
    """The htmx channel of a page: its live blocks now (or, with `since`, what changed
    after that seq), then the elements each change touches."""
    code = normalize_code(websocket.path_params["code"])
    viewer = await _authenticate(websocket, code)
    if viewer is None:
        return
    view = websocket.query_params.get("view", "phone")
    if view not in ("board", "control", "phone"):
        await _refuse(websocket, 422, "invalid_view", "view must be board, control or phone.")
        return
    if (view == "phone") == viewer.is_facilitator:
        await _refuse(websocket, 403, "wrong_view", "This view is not for your role.")
        return
    # A page that reconnects says what it last saw: it gets what changed since.
    found = whole_number(websocket.query_params.get("since", ""))
    since = found if 0 <= found < 2**63 else None
    fmt: Format = "html"
    lang = page_locale(websocket).code
    await _serve(websocket, Connection(code, viewer, fmt, page=view, lang=lang), since)


# Plain Starlette routes: these endpoints use no FastAPI dependencies, and a
# phone's socket lives for the whole session, so its per-socket cost matters.
routes = [
    WebSocketRoute("/api/rooms/{code}/events", events),
    WebSocketRoute("/rooms/{code}/live", live),
]
