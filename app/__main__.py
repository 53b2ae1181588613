"""`python -m app [--host H] [--port P] [--workers N]`: serve the app with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from app.config import Settings
from app.startup import banner, lan_address, serve


def main() -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    parser.add_argument("--host", default=settings.host, help="interface (default: HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help="port (default: PORT)")
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (more than 1 needs redis://)"
    )
    args = parser.parse_args()
    if args.workers > 1 and settings.broker_url.startswith("memory://"):
        parser.error(
            "--workers > 1 needs BROKER_URL=redis://… : with memory:// each worker would "
            "see only its own sockets and rooms would silently split."
        )
    config = uvicorn.Config(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        # Request headers must arrive within HEADER_TIMEOUT_SECONDS (slowloris).
        http="app.web.protocols:HttpProtocol",
        ws="app.web.keepalive:Protocol",
        ws_per_message_deflate=settings.ws_per_message_deflate,
        ws_max_size=settings.max_body_bytes,
        # A phone that vanished (battery, Wi-Fi) is noticed within interval + timeout (40 s).
        ws_ping_interval=settings.ws_ping_interval_seconds,
        ws_ping_timeout=settings.ws_ping_timeout_seconds,
    )
    # Once it listens: the addresses to open, and how to let phones in.
    text = banner(host=args.host, port=args.port, public_url=settings.public_url, lan=lan_address())
    serve(config, text)


if __name__ == "__main__":
    main()
