"""Exit codes: one per kind of failure, and the one-line message for each error."""

from __future__ import annotations

import enum

from ..errors import (
    AbortError,
    AuthenticationError,
    BackendAIError,
    NotFoundError,
    PermissionDeniedError,
    RequestError,
    RequestTimeoutError,
    ResponseError,
    ServerError,
    UsageError,
)

__all__ = ["EXIT_CODES_HELP", "ExitCode", "exit_code"]


class ExitCode(enum.IntEnum):
    """What the process returns."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    AUTH = 3
    NOT_FOUND = 4
    SERVER = 5
    NETWORK = 6
    LOCAL_FILE = 7
    INTERRUPTED = 130


EXIT_CODES_HELP = """\
exit codes:
  0    success
  1    unexpected error (a bug: rerun with --debug for the traceback)
  2    usage: bad arguments or configuration, a feature the server lacks
  3    authentication: not logged in, refused credentials, permission denied
  4    not found: no such session, folder or file on the server
  5    server: any other error answer, or an unreadable one
  6    network: the server could not be reached, or did not answer in time
  7    local file: a local path could not be read or written
  130  interrupted (Ctrl-C); a partial download is kept and the same command resumes it"""


def exit_code(exc: BaseException) -> ExitCode:
    """The exit code for an error that ends a command."""
    if isinstance(exc, UsageError):
        return ExitCode.USAGE
    if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
        return ExitCode.AUTH
    if isinstance(exc, NotFoundError):
        return ExitCode.NOT_FOUND
    if isinstance(exc, (ServerError, ResponseError)):
        return ExitCode.SERVER
    if isinstance(exc, (RequestError, RequestTimeoutError)):
        return ExitCode.NETWORK
    if isinstance(exc, AbortError):
        return ExitCode.INTERRUPTED
    if isinstance(exc, OSError) and not isinstance(exc, BackendAIError):
        return ExitCode.LOCAL_FILE
    return ExitCode.FAILURE
