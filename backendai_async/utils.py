"""``client.utils``: the JavaScript client's local helpers (no requests)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

from .errors import UsageError

__all__ = ["BINARY_UNITS", "Utils", "change_binary_unit", "clamp", "elapsed_time", "gql_to_list", "gql_to_object"]

#: the short units, powers of 1024 apart
BINARY_UNITS = ("b", "k", "m", "g", "t", "p")
_LONG_UNITS = {"B": "b", "KiB": "k", "MiB": "m", "GiB": "g", "TiB": "t", "PiB": "p"}
_QUANTITY = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]*)\s*")

Number = TypeVar("Number", int, float)


def change_binary_unit(value: float | str, target_unit: str = "g", default_unit: str = "b") -> float:
    """``value`` in ``target_unit``: a number in ``default_unit``, or text such as ``"512m"`` or ``"1 GiB"``.

    >>> change_binary_unit("1 GiB", "m")
    1024.0
    """
    for unit in (target_unit, default_unit):
        if unit not in BINARY_UNITS:
            raise UsageError(f"unknown binary unit {unit!r} (one of {', '.join(BINARY_UNITS)})")
    m = _QUANTITY.fullmatch(str(value))
    if m is None:
        raise UsageError(f"not a quantity: {value!r}")
    number, unit = float(m.group(1)), m.group(2)
    source = _LONG_UNITS.get(unit, unit.lower()) if unit else default_unit
    if source not in BINARY_UNITS:
        raise UsageError(f"unknown binary unit {unit!r} in {value!r}")
    return number * 1024.0 ** (BINARY_UNITS.index(source) - BINARY_UNITS.index(target_unit))


def elapsed_time(start: datetime | str, end: datetime | str | None = None) -> str:
    """``"HH:MM:SS"`` from ``start`` to ``end`` (now when None), ``"N Day HH:MM:SS"`` past a day.

    ISO 8601 text is accepted; a time without an offset is taken as UTC.
    """
    begin = _aware(start)
    finish = _aware(end) if end is not None else datetime.now(timezone.utc)
    seconds = max(0, int((finish - begin).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return (f"{days} Day " if days else "") + f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def _aware(moment: datetime | str) -> datetime:
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00")) if isinstance(moment, str) else moment
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def clamp(value: Number, minimum: Number, maximum: Number) -> Number:
    """``value`` kept within ``[minimum, maximum]``."""
    return max(minimum, min(value, maximum))


def gql_to_object(items: Iterable[Mapping[str, Any]], key: str) -> dict[Any, Mapping[str, Any]]:
    """The items of a GraphQL list by their ``key`` field."""
    return {item[key]: item for item in items}


def gql_to_list(items: Iterable[Mapping[str, Any]], key: str) -> list[Any]:
    """The ``key`` field of every item of a GraphQL list."""
    return [item[key] for item in items]


class Utils:
    """``client.utils``."""

    change_binary_unit = staticmethod(change_binary_unit)
    elapsed_time = staticmethod(elapsed_time)
    clamp = staticmethod(clamp)
    gql_to_object = staticmethod(gql_to_object)
    gql_to_list = staticmethod(gql_to_list)

    def __repr__(self) -> str:
        return "<Utils>"
