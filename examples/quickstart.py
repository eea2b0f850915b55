"""Quick start: negotiate, watch the session events, create a compute session if it does not
exist, run code in it, show it, destroy it, and print the events the session went through.

With ``BACKEND_ENDPOINT`` set (and ``BACKEND_ACCESS_KEY`` / ``BACKEND_SECRET_KEY``, see the README)
it talks to that server; otherwise it starts a FakeManager on loopback, in this process, which runs
the code with this Python. Optional: ``BACKEND_IMAGE`` (default
``cr.backend.ai/stable/python:3.9-ubuntu20.04``).
"""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import AsyncExitStack

import backendai_async as bai
from backendai_async.testing import FakeManager

IMAGE = os.environ.get("BACKEND_IMAGE", "cr.backend.ai/stable/python:3.9-ubuntu20.04")
SESSION = "quickstart-demo"
CODE = "import platform; print(f'hello from Python {platform.python_version()}')"
EVENT_WAIT = 30.0


def say(step: str, detail: object = "") -> None:
    print(f"  {step:<28} {detail}")


async def lifecycle(events: bai.EventStream, session_id: str | None) -> list[str]:
    """The names of the session's events, up to its termination."""
    seen: list[str] = []
    async for event in events:
        data = event.json()
        if session_id in (data.get("sessionId"), data.get("sessionName")):
            seen.append(event.event)
            if event.event == "session_terminated":
                break
    return seen


async def main() -> int:
    async with AsyncExitStack() as stack:
        if os.environ.get("BACKEND_ENDPOINT"):
            config = bai.ClientConfig.from_env()
            print(f"backendai_async {bai.__version__} -> {config.endpoint} ({config.connection_mode} mode)")
        else:
            fake = await stack.enter_async_context(FakeManager())
            fake.session_api.run_locally = True  # execute runs the code in a local subprocess
            config = bai.ClientConfig("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", str(fake.url))
            print(f"backendai_async {bai.__version__} -> in-process FakeManager at {config.endpoint}")
            print("  (set BACKEND_ENDPOINT, BACKEND_ACCESS_KEY and BACKEND_SECRET_KEY to use a real server)")
        client = await stack.enter_async_context(bai.Client(config, agent_signature="quickstart"))
        try:
            if config.connection_mode == "SESSION":
                login = await client.login()
                say("login", "ok" if login else f"refused: {login.fail_reason}")
                if not login:
                    return 1
            manager = await client.get_manager_version()
            say("manager version", manager)
            say("negotiated API version", client.api_version)
            events = await stack.enter_async_context(client.session_events())
            first = await client.create_if_not_exists(IMAGE, SESSION, {"cpu": 1, "mem": "512m"})
            say("create_if_not_exists", f"created={first['created']} status={first.get('status')}")
            again = await client.create_if_not_exists(IMAGE, SESSION, {"cpu": 1, "mem": "512m"})
            say("create_if_not_exists again", f"created={again['created']} (the same session)")
            info = await client.get_info(SESSION)
            say("get_info", f"status={info.get('status')} image={info.get('image')}")
            try:
                run = await client.run_code(SESSION, CODE, timeout=60)
                say("run_code", f"{run.status} exit={run.exit_code} stdout={run.stdout.strip()!r}")
            except bai.ServerError as err:  # e.g. a dummy agent answers 500
                say("run_code", f"{type(err).__name__} {err.status}: {err.message}")
            await client.destroy(SESSION, forced=True)
            say("destroy", "done")
            try:
                await client.get_info(SESSION)
            except bai.NotFoundError as err:
                say("get_info after destroy", f"{type(err).__name__} {err.status} ({err.title})")
            session_id = first.get("sessionId") or first.get("kernelId")
            seen = await asyncio.wait_for(lifecycle(events, session_id), EVENT_WAIT)
            say("session events", " -> ".join(seen))
        except bai.BackendAIError as err:
            print(f"failed: {err.type.name} {type(err).__name__}: {err}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
