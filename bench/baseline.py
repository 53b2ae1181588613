"""The machine's physical limit: a bare `websockets` broadcast server.

No persistence, no rendering: a command on /cmd makes it broadcast one
message of the given size (with the same data-seq marker the app sends) to
every socket on /sub. `python -m bench.baseline PORT SIZE`.
"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve


async def main(port: int, size: int) -> None:
    subscribers: set[ServerConnection] = set()
    seq = 0
    filler = "x" * max(0, size - 60)

    async def handler(ws: ServerConnection) -> None:
        nonlocal seq
        if ws.request is not None and ws.request.path.startswith("/cmd"):
            async for _ in ws:
                seq += 1
                broadcast(subscribers, f'<div>{filler}</div><span data-seq="{seq}"></span>')
            return
        subscribers.add(ws)
        try:
            await ws.send('<span data-seq="0"></span>')
            await ws.wait_closed()
        finally:
            subscribers.discard(ws)

    async with serve(
        handler, "127.0.0.1", port, compression=None, max_size=None, ping_interval=None
    ):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
