"""Type-checked, never run (``nox -s typecheck``: ``mypy --strict tests/typing``): the names that
load on first use reach type checkers as re-exports of the package, with their real types."""

import backendai_async as bai
from backendai_async import EventStream, SessionInfo, VFolder


async def first_event(stream: EventStream, folder: VFolder) -> tuple[str, VFolder]:
    async for event in stream:
        return event.event, folder
    return "", folder


def domain(info: SessionInfo) -> str | None:
    return info.get("domainName")


info: bai.SessionInfo = {"domainName": "default"}
wrong: bai.SessionInfo = {"domainName": 1}  # type: ignore[typeddict-item]  # a TypedDict, not Any
misspelt = bai.SessionInfos  # type: ignore[attr-defined]  # a misspelt name is an error, not Any
