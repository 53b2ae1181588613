"""`python -m app [--host H] [--port P]`: serve the app with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from app.config import Settings


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    parser.add_argument("--host", default=settings.host, help="interface (default: HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help="port (default: PORT)")
    args = parser.parse_args()
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        proxy_headers=True,
        ws_per_message_deflate=False,
    )


if __name__ == "__main__":
    main()
