"""The error contract: one ``ErrorType`` (the JS client's values) and one exception tree."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

__all__ = [
    "AbortError",
    "AuthenticationError",
    "BackendAIError",
    "BadRequestError",
    "ClockSkewError",
    "ConfigError",
    "ConflictError",
    "EndpointMismatchError",
    "ErrorType",
    "GraphQLError",
    "GraphQLPermissionError",
    "InsecureConnectionError",
    "InternalServerError",
    "InvalidArgumentTypeError",
    "NegotiationRequiredError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestError",
    "RequestTimeoutError",
    "ResponseError",
    "ServerError",
    "SessionAlreadyExistsError",
    "StreamDroppedError",
    "StreamGaveUpError",
    "UnknownError",
    "UnsupportedFeatureError",
    "UnsupportedOperationError",
    "UsageError",
    "server_error_class",
]


class ErrorType(enum.IntEnum):
    """Error kinds with the JavaScript client's numeric values."""

    ERR_SERVER = 0
    ERR_RESPONSE = 1
    ERR_REQUEST = 2
    ERR_ABORT = 3
    ERR_TIMEOUT = 4
    ERR_UNKNOWN = 99


class BackendAIError(Exception):
    """Every failure of a network call is one of these."""

    type: ErrorType = ErrorType.ERR_UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        title: str | None = None,
        problem_type: str | None = None,
        error_code: str | None = None,
        data: Any = None,
        request_method: str | None = None,
        request_url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.title = title
        self.problem_type = problem_type
        self.error_code = error_code
        self.data = data
        self.request_method = request_method
        self.request_url = request_url
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f" ({self.request_method} {self.request_url})" if self.request_method else ""
        status = f"{self.status} " if self.status is not None else ""
        return f"{status}{self.message}{where}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(type={self.type.name}, status={self.status!r}, "
            f"problem_type={self.problem_type!r}, message={self.message!r})"
        )


class ServerError(BackendAIError):
    """The server answered with a status of 400 or more."""

    type = ErrorType.ERR_SERVER


class BadRequestError(ServerError):
    """400."""


class ClockSkewError(BadRequestError):
    """400 ``Date/time sync error``: the server refused the request's date, more than 15 minutes
    off its clock. ``server_time`` is the answer's ``Date`` (None if it had none)."""

    def __init__(self, message: str, *, server_time: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.server_time = server_time


class AuthenticationError(ServerError):
    """401."""


class PermissionDeniedError(ServerError):
    """403."""


class NotFoundError(ServerError):
    """404."""


class ConflictError(ServerError):
    """409."""


class RateLimitError(ServerError):
    """429."""


class InternalServerError(ServerError):
    """5xx."""


class SessionAlreadyExistsError(BadRequestError):
    """``session-already-exists``: a live session has the name (another image, or no reuse)."""

    @property
    def existing_session_id(self) -> str | None:
        """The server's ``data.existingSessionId``."""
        value = self.data.get("existingSessionId") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else None


class UnsupportedOperationError(ServerError):
    """``not-implemented``: the server no longer offers the operation (e.g. restart on 26.7+:
    status 501; older releases answered 400)."""


class GraphQLError(ServerError):
    """GraphQL answered with ``errors``; ``errors`` is that list, ``data`` any partial data."""

    def __init__(self, message: str, *, errors: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors: list[Any] = errors or []


class GraphQLPermissionError(GraphQLError, PermissionDeniedError):
    """GraphQL refused the operation for lack of privilege ("Forbidden operation.",
    "Insufficient privilege."): the manager answers 200 with errors where REST answers 403."""


class ResponseError(BackendAIError):
    """A status arrived but the body could not be read or decoded."""

    type = ErrorType.ERR_RESPONSE


class StreamDroppedError(ResponseError):
    """A long-lived stream lost its connection without the server ending it: a terminal or
    streaming-execute websocket that dropped (the message names which, and the close code)."""


class StreamGaveUpError(StreamDroppedError):
    """An event stream stayed disconnected for its policy's ``give_up_after``; ``attempts`` is how
    many connection attempts failed, and the last failure is the ``__cause__``."""

    def __init__(self, message: str, *, attempts: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.attempts = attempts


class RequestError(BackendAIError):
    """The request could not be sent (DNS, refused, reset, TLS)."""

    type = ErrorType.ERR_REQUEST


class InsecureConnectionError(RequestError):
    """Refused for security, before anything was sent: a server certificate that does not verify,
    or a plain-http URL where the endpoint is https. Another attempt would be refused again, so it
    is never retried (with several endpoints, the call moves to the next one)."""


class AbortError(BackendAIError):
    """The call's ``signal`` was aborted, or the client was closed under it."""

    type = ErrorType.ERR_ABORT


class RequestTimeoutError(BackendAIError, TimeoutError):
    """The call's own deadline passed."""

    type = ErrorType.ERR_TIMEOUT


class UnknownError(BackendAIError):
    """Anything the pipeline could not classify."""

    type = ErrorType.ERR_UNKNOWN


class UsageError(BackendAIError, ValueError):
    """The SDK was used in a way it cannot serve; raised before anything is sent (``status`` None)."""

    type = ErrorType.ERR_REQUEST


class ConfigError(UsageError):
    """A configuration mistake, raised before any I/O."""


class EndpointMismatchError(ConfigError):
    """The configured endpoints serve different API versions, so they are not one cluster; raised
    before the call is sent to the endpoint that differs."""


class InvalidArgumentTypeError(UsageError, TypeError):
    """An argument of the wrong type (a signal that is not an ``AbortSignal``, a non-string name)."""


class NegotiationRequiredError(UsageError, RuntimeError):
    """The answer needs the server's version, which is not known yet: negotiate first
    (``await client.get_manager_version()``)."""


class UnsupportedFeatureError(UsageError):
    """The negotiated server lacks a feature the call needs; nothing was sent.

    ``feature`` names it, ``required`` is the API or manager version that has it, ``server`` the
    server's version.
    """

    def __init__(self, feature: str, required: str, server: str | None, message: str | None = None) -> None:
        super().__init__(message or f"{feature} needs {required}; the server is {server or 'unknown'}")
        self.feature = feature
        self.required = required
        self.server = server


_BY_STATUS: dict[int, type[ServerError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


# problem type slug (``https://api.backend.ai/probs/<slug>``) -> class, before the status table
_BY_PROBLEM: dict[str, type[ServerError]] = {
    "session-already-exists": SessionAlreadyExistsError,
    "not-implemented": UnsupportedOperationError,
}


def server_error_class(status: int, problem_type: str | None = None) -> type[ServerError]:
    """The most specific ``ServerError`` subclass for an HTTP status and problem type."""
    if problem_type:
        by_problem = _BY_PROBLEM.get(problem_type.rstrip("/").rsplit("/", 1)[-1])
        if by_problem is not None:
            return by_problem
    if status >= 500:
        return InternalServerError
    return _BY_STATUS.get(status, ServerError)
