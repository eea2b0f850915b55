"""Code execution in a session: ``execute`` (every mode), the ``run_code`` loop, ``interrupt``,
``complete``. The run id goes out as both ``runId`` (≤ 25.5) and ``run_id`` (25.6+), §4.5."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ResponseError, UsageError
from .pipeline import segment
from .sessions import SessionResource, session_prefix

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["FINISHED_STATUSES", "ExecuteMode", "InputCallback", "RunResult", "SessionExecution"]

ExecuteMode = Literal["query", "batch", "continue", "input", "complete"]
FINISHED_STATUSES = frozenset({"finished", "clean-finished", "build-finished", "exec-timeout"})

#: ``on_input(options) -> text``: answers a ``waiting-input`` (``options["is_password"]`` says
#: whether to hide what is typed); may be a coroutine function.
InputCallback = Callable[[Mapping[str, Any]], "str | Awaitable[str]"]


@dataclass
class RunResult:
    """What ``run_code`` collected over every step of one run."""

    run_id: str | None
    status: str
    exit_code: int | None
    console: list[Any] = field(default_factory=list)
    files: list[Any] = field(default_factory=list)

    @property
    def stdout(self) -> str:
        """Everything the run wrote to standard output, joined."""
        return "".join(str(item[1]) for item in self.console if item and item[0] == "stdout")

    @property
    def stderr(self) -> str:
        """Everything the run wrote to standard error, joined."""
        return "".join(str(item[1]) for item in self.console if item and item[0] == "stderr")


class SessionExecution(SessionResource):
    """Code execution in a session: ``execute``, ``run_code``, ``interrupt``, ``complete``."""

    async def execute(
        self,
        session: str,
        run_id: str | None,
        mode: ExecuteMode,
        code: str,
        opts: Mapping[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """One execute request: ``{"result": {runId, status, console, exitCode, options, files}}``.

        ``continue`` and ``input`` need the ``runId`` of the first answer; ``batch`` takes
        ``opts`` ``{clean, build, buildLog, exec}``.
        """
        version = await self._pipeline.negotiate(**options)
        body = {"mode": mode, "code": code, "runId": run_id, "run_id": run_id, "options": dict(opts or {})}
        result: dict[str, Any] = await self._pipeline.send(
            "POST", f"{session_prefix(version)}/{segment(session)}", json=body, **options
        )
        return result

    async def run_code(
        self,
        session: str,
        code: str,
        *,
        mode: Literal["query", "batch"] = "query",
        opts: Mapping[str, Any] | None = None,
        on_input: InputCallback | None = None,
        run_id: str | None = None,
        **options: Unpack[CallOptions],
    ) -> RunResult:
        """Run ``code`` to the end: poll ``continued`` runs, answer ``waiting-input`` through
        ``on_input``, and collect console output and files. ``timeout`` bounds the whole run.

        Raises ``UsageError`` when the code waits for input and there is no ``on_input``.
        """
        loop = asyncio.get_running_loop()
        timeout = options.get("timeout")
        end = None if timeout is None else loop.time() + timeout

        def remaining() -> float | None:
            return None if end is None else max(end - loop.time(), 0.001)

        collected = RunResult(run_id, "", None)
        step_mode: ExecuteMode = mode
        step_code, step_opts = code, opts
        while True:
            answer = await self.execute(
                session,
                collected.run_id,
                step_mode,
                step_code,
                step_opts,
                timeout=remaining(),
                signal=options.get("signal"),
            )
            result = answer.get("result") if isinstance(answer, dict) else None
            if not isinstance(result, dict) or not isinstance(result.get("status"), str):
                raise ResponseError(f"execute returned no result status: {str(answer)[:200]!r}", status=200)
            collected.run_id = result.get("runId") or collected.run_id
            collected.status = result["status"]
            collected.console.extend(result.get("console") or [])
            collected.files.extend(result.get("files") or [])
            if collected.status in FINISHED_STATUSES:
                collected.exit_code = result.get("exitCode")
                return collected
            step_opts = None
            if collected.status == "waiting-input":
                if on_input is None:
                    raise UsageError("the code waits for input: pass on_input to run_code")
                reply = on_input(result.get("options") or {})
                step_mode, step_code = "input", await reply if isinstance(reply, Awaitable) else reply
            else:  # continued
                step_mode, step_code = "continue", ""

    async def interrupt(self, session: str, **options: Unpack[CallOptions]) -> None:
        """Interrupt the code running in the session's main kernel."""
        version = await self._pipeline.negotiate(**options)
        await self._pipeline.send("POST", f"{session_prefix(version)}/{segment(session)}/interrupt", **options)

    async def complete(
        self,
        session: str,
        code: str,
        opts: Mapping[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """Code completion: ``{"result": {"status", "completions": [...]}}``; ``opts`` holds
        ``row``, ``col``, ``line``, ``post``."""
        version = await self._pipeline.negotiate(**options)
        result: dict[str, Any] = await self._pipeline.send(
            "POST",
            f"{session_prefix(version)}/{segment(session)}/complete",
            json={"code": code, "options": dict(opts or {})},
            **options,
        )
        return result
