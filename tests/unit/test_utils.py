"""client.utils: the JavaScript client's local helpers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import backendai_async as bai
from backendai_async.utils import Utils, change_binary_unit, clamp, elapsed_time, gql_to_list, gql_to_object


@pytest.mark.parametrize(
    ("value", "target", "default", "expected"),
    [(1073741824, "g", "b", 1.0), ("512m", "g", "b", 0.5), ("1 GiB", "m", "b", 1024.0), ("2", "k", "m", 2048.0),
     ("1.5g", "m", "b", 1536.0), (3, "b", "k", 3072.0), ("1 KiB", "b", "b", 1024.0)],
)  # fmt: skip
def test_change_binary_unit(value: float | str, target: str, default: str, expected: float) -> None:
    assert change_binary_unit(value, target, default) == expected


@pytest.mark.parametrize(("value", "target"), [("1x", "g"), ("1g", "auto"), ("", "g"), ("g", "g")])
def test_change_binary_unit_refuses(value: str, target: str) -> None:
    with pytest.raises(bai.UsageError, match=r"unit|quantity"):
        change_binary_unit(value, target)


def test_elapsed_time() -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert elapsed_time(start, start + timedelta(hours=1, minutes=2, seconds=3)) == "01:02:03"
    assert elapsed_time("2026-01-01T00:00:00Z", "2026-01-03T05:00:09+00:00") == "2 Day 05:00:09"
    assert elapsed_time("2026-01-01T00:00:00", "2026-01-01T00:00:00") == "00:00:00"
    recent = (datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat()
    assert elapsed_time(recent).startswith("00:00:0")


def test_small_helpers() -> None:
    assert clamp(5, 0, 3) == 3 and clamp(-1, 0, 3) == 0 and clamp(1.5, 0.0, 3.0) == 1.5
    items = [{"name": "a", "v": 1}, {"name": "b", "v": 2}]
    assert gql_to_object(items, "name") == {"a": items[0], "b": items[1]}
    assert gql_to_list(items, "v") == [1, 2]
    assert Utils().change_binary_unit("1g", "m") == 1024.0
