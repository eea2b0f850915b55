"""``main()``: parse, run the command on an event loop, turn its failure into one line and an exit code."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence

from ..errors import AbortError, BackendAIError
from .context import Context
from .exits import ExitCode, exit_code
from .output import Output
from .parser import PROG, build_parser
from .settings import Settings

__all__ = ["main"]

Handler = Callable[[Context], Awaitable[None]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``backendai-async`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exited:  # --help (0), or a usage mistake (2), already printed
        return exited.code if isinstance(exited.code, int) else ExitCode.USAGE
    out = Output(sys.stdout, sys.stderr, as_json=args.json)
    with _debug_log(args.debug):
        return _run(args, out)


@contextlib.contextmanager
def _debug_log(enabled: bool) -> Iterator[None]:
    """With ``--debug``, the SDK's DEBUG log on stderr while the command runs."""
    if not enabled:
        yield
        return
    logger = logging.getLogger("backendai_async")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _run(args: argparse.Namespace, out: Output) -> int:
    try:
        settings = Settings.from_args(args, os.environ)
        prepare = getattr(args, "prepare", None)
        if prepare is not None:
            prepare(args, settings)
        asyncio.run(_interruptible(args.handler, Context(args, settings, out)))
    except BrokenPipeError:  # stdout closed by a reader that had enough (`| head`): not a failure
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK
    except KeyboardInterrupt:  # a prompt, or before the loop took over Ctrl-C
        return _fail(AbortError("interrupted"), out, debug=False)
    except Exception as exc:
        return _fail(exc, out, debug=args.debug)
    return ExitCode.OK


async def _interruptible(handler: Handler, ctx: Context) -> None:
    """Run the command; Ctrl-C cancels it (every ``async with`` closes what it opened) and
    becomes ``AbortError``."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    interrupted = False

    def on_interrupt() -> None:
        nonlocal interrupted
        interrupted = True
        if task is not None:
            task.cancel()

    installed = False
    with contextlib.suppress(NotImplementedError, RuntimeError):  # no signal handlers on this loop
        loop.add_signal_handler(signal.SIGINT, on_interrupt)
        installed = True
    try:
        await handler(ctx)
    except asyncio.CancelledError:
        if interrupted:
            raise AbortError("interrupted") from None
        raise
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)


def _message(exc: BaseException) -> str:
    if isinstance(exc, BackendAIError):
        text = str(exc)
    elif isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}" if exc.filename is not None else exc.strerror
    else:
        text = f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)"
    return " ".join(text.split())


def _fail(exc: BaseException, out: Output, *, debug: bool) -> int:
    if debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=out.stderr)
    code = exit_code(exc)
    out.note(f"{PROG}: error: {_message(exc)}")
    return int(code)
