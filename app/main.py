"""`uvicorn app.main:app`: the app with settings from the environment."""

import gc

from app.web.app import create_app

app = create_app()

# A live server holds thousands of long-lived objects (a socket, its tasks and
# buffers per phone). Python's default collector runs a generation-0 pass
# every 700 allocations and, every so often, a full pass over all of them: at
# 1,000 phones those pauses showed as a fan-out p99 of 130–230 ms. Freezing
# what is loaded at start-up and collecting less often brought it to ~100 ms
# (docs/benchmarks.md). Reference counting still frees everything at once;
# only the cycle collector runs less often.
gc.collect()
gc.freeze()
gc.set_threshold(20_000, 50, 100)
