"""A background worker that follows the session events and reacts to them.

It logs every event of the sessions the keypair can see. When a session ends
(``session_terminated``) or fails (``session_failure``) it appends one JSON line to a journal: the
place to notify someone, clean up or start a replacement. SIGINT or SIGTERM stops it cleanly: an
``AbortController`` aborts the event stream, the connection is released, and it exits with 0.

    BACKEND_ENDPOINT=... BACKEND_ACCESS_KEY=... BACKEND_SECRET_KEY=... \
        python -m examples.event_worker [--journal ended.jsonl]

The stream reconnects by itself when the connection drops (``Last-Event-ID``); expect event names
that this script does not know.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import backendai_async as bai

log = logging.getLogger("event_worker")

#: the events that end a session, and the outcome each one means
ENDINGS = {"session_terminated": "terminated", "session_failure": "failed"}


@dataclass(frozen=True)
class Ended:
    """A session that ended, as the journal records it."""

    session: str
    session_id: str
    outcome: str
    reason: str


async def follow(
    client: bai.Client,
    on_end: Callable[[Ended], None],
    *,
    signal: bai.AbortSignal,
    ready: asyncio.Event | None = None,
) -> int:
    """Follow the session events until ``signal`` aborts; call ``on_end`` for each session that ends.
    ``ready`` is set once subscribed. Returns how many sessions ended."""
    ended = 0
    try:
        async with client.session_events(signal=signal) as events:
            if ready is not None:
                ready.set()
            async for event in events:
                data = event.json()
                name = str(data.get("sessionName", "?"))
                log.info("%s %s %s", event.event, name, data.get("reason") or "")
                outcome = ENDINGS.get(event.event)
                if outcome is None:
                    continue
                if outcome == "failed":
                    log.warning("session %s failed: %s", name, data.get("reason"))
                on_end(Ended(name, str(data.get("sessionId", "")), outcome, str(data.get("reason") or "")))
                ended += 1
    except bai.AbortError:
        if not signal.aborted:
            raise  # not our stop: the client was closed under us
    return ended


async def run_until_signalled(
    client: bai.Client, on_end: Callable[[Ended], None], *, ready: asyncio.Event | None = None
) -> int:
    """``follow`` until SIGINT or SIGTERM; the handlers are removed again on the way out."""
    controller = bai.AbortController()
    loop = asyncio.get_running_loop()
    stop_on = (signal.SIGINT, signal.SIGTERM)
    for signum in stop_on:
        loop.add_signal_handler(signum, controller.abort, signum.name)
    try:
        return await follow(client, on_end, signal=controller.signal, ready=ready)
    finally:
        for signum in stop_on:
            loop.remove_signal_handler(signum)


def journal_to(path: Path | None) -> Callable[[Ended], None]:
    """Append each ended session as one JSON line to ``path`` (stdout if None)."""

    def write(ended: Ended) -> None:
        line = json.dumps(asdict(ended))
        if path is None:
            print(line, flush=True)
        else:
            with path.open("a", encoding="utf-8") as journal:
                journal.write(line + "\n")

    return write


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Follow session events; journal the sessions that end.")
    parser.add_argument("--journal", type=Path, help="append JSON lines here (default: stdout)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        async with bai.Client(bai.ClientConfig.from_env(), agent_signature="event-worker") as client:
            ended = await run_until_signalled(client, journal_to(args.journal))
    except bai.BackendAIError as err:
        print(f"event worker failed: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    log.info("stopped after %d ended sessions", ended)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
