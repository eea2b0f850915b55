"""``python -m backendai_async.testing [--port N] [--generation G] [--host H]``: a standalone FakeManager.

For an app under test in another process (uvicorn, another language): it starts the fake, prints
ONE JSON line on stdout, ``{"endpoint", "access_key", "secret_key", "storage_url", "generation"}``
(the superadmin keypair; the others are the documented defaults), then serves until SIGINT or
SIGTERM and exits with status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Sequence

from ._state import DEFAULT_KEYPAIRS
from .fake_manager import FakeManager
from .generations import GENERATIONS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m backendai_async.testing",
        description="Run a fake Backend.AI manager (and webserver, and storage proxy) until SIGINT or SIGTERM.",
    )
    parser.add_argument("--port", type=int, default=0, help="the manager's port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--generation",
        default="26.9",
        choices=sorted(GENERATIONS, key=lambda key: [int(p) for p in key.split(".")]),
        help="the simulated manager release (default: 26.9)",
    )
    return parser


async def serve(port: int, host: str, generation: str) -> None:
    """Start the fake, announce it on stdout, serve until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    manager = FakeManager(generation)
    try:
        await manager.start(port=port, host=host)
        admin = next(kp for kp in DEFAULT_KEYPAIRS if kp.role == "superadmin")
        announcement = {
            "endpoint": str(manager.url),
            "access_key": admin.access_key,
            "secret_key": admin.secret_key,
            "storage_url": str(manager.vfolders.storage_url),
            "generation": manager.generation.key,
        }
        sys.stdout.write(json.dumps(announcement) + "\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await manager.close()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    asyncio.run(serve(args.port, args.host, args.generation))
    return 0


if __name__ == "__main__":
    sys.exit(main())
