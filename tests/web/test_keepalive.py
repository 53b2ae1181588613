"""The light stand-ins app.web.keepalive gives uvicorn's websocket protocol."""

from __future__ import annotations

import asyncio

from app.web.keepalive import Flag, Inbox


async def test_the_inbox_hands_out_events_in_order_and_wakes_a_waiting_reader() -> None:
    inbox = Inbox()
    assert inbox.empty()
    reader = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait({"type": "websocket.connect"})
    inbox.put_nowait({"type": "websocket.receive", "text": "ping"})
    assert await reader == {"type": "websocket.connect"}
    assert inbox.qsize() == 1
    assert await inbox.get() == {"type": "websocket.receive", "text": "ping"}
    assert inbox.empty()


async def test_the_flag_holds_writers_while_cleared_and_releases_them_all_when_set() -> None:
    flag = Flag()
    assert flag.is_set()
    await asyncio.wait_for(flag.wait(), 1)  # set: no wait at all
    flag.clear()
    writers = [asyncio.create_task(flag.wait()) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert not any(w.done() for w in writers)
    flag.set()
    await asyncio.wait_for(asyncio.gather(*writers), 1)


async def test_a_cancelled_wait_leaves_no_waiter_behind() -> None:
    flag = Flag()
    flag.clear()
    waiting = asyncio.create_task(flag.wait())
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert not flag._waiters
    flag.set()
    assert flag.is_set()
