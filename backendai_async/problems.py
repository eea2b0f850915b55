"""What a refusal tells: problem+json bodies and ``Retry-After`` headers, read into the error tree."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from .errors import ClockSkewError, ServerError, server_error_class

__all__ = ["http_date", "retry_after", "server_error", "snippet"]

SNIPPET_LENGTH = 200
#: the manager's refusal of a date outside its ±15 minutes (every release: 19.09 … 26.9)
CLOCK_SKEW = (400, "invalid-auth-params", "Date/time sync error")


def server_error(
    status: int,
    reason: str | None,
    media_type: str,
    headers: Mapping[str, str],
    raw: bytes,
    method: str,
    url: str,
) -> ServerError:
    """One ``ServerError`` subclass; the status is kept whatever the body looks like."""
    problem: dict[str, Any] = {}
    if raw and media_type.endswith("json"):
        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            problem = decoded
            data = decoded.get("data")
            if isinstance(data, dict) and "type" in data and "type" not in decoded:
                problem = {**data, "data": data}  # the webserver's login failure
    title = _str_or_none(problem.get("title"))
    message = (
        _str_or_none(problem.get("msg"))
        or _str_or_none(problem.get("details"))
        or _str_or_none(problem.get("error_msg"))
        or title
        or snippet(raw)
        or reason
        or "server error"
    )
    problem_type = _str_or_none(problem.get("type"))
    fields: dict[str, Any] = {}
    cls = server_error_class(status, problem_type)
    if (status, (problem_type or "").rsplit("/", 1)[-1], message) == CLOCK_SKEW:
        cls = ClockSkewError
        fields["server_time"] = http_date(headers.get("Date"))
    return cls(
        message,
        status=status,
        title=title,
        problem_type=problem_type,
        error_code=_str_or_none(problem.get("error_code")),
        data=problem.get("data"),
        request_method=method,
        request_url=url,
        retry_after=retry_after(headers.get("Retry-After")),
        **fields,
    )


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = http_date(value)
    return None if when is None else max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def http_date(value: str | None) -> datetime | None:
    """An HTTP date header (``Date``, ``Retry-After``) as an aware datetime; None if absent or bad."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def snippet(raw: bytes) -> str:
    """The start of a body, whitespace collapsed, for an error message."""
    text = " ".join(raw[: SNIPPET_LENGTH * 4].decode("utf-8", "replace").split())
    return text[:SNIPPET_LENGTH]


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
