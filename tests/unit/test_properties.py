"""Property tests: what is signed is what goes on the wire, for any name, query and date."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

import backendai_async as bai
from backendai_async.signing import key_date

from .conftest import AK, SK

names = st.text(min_size=1, max_size=20).filter(lambda s: "/" not in s and s not in (".", ".."))
values = st.text(max_size=20)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@settings(max_examples=150, deadline=None)
@given(name=names, query=st.lists(st.tuples(st.sampled_from(["a", "path", "files"]), values), max_size=4))
def test_url_round_trips(name: str, query: list[tuple[str, str]]) -> None:
    client = bai.Client(bai.ClientConfig(AK, SK, "http://127.0.0.1:8091"))
    url = client._pipeline._preparer.url(f"/folders/{name}/files", query)
    parsed = URL(f"http://127.0.0.1:8091{url.raw_path_qs}", encoded=True)  # as a server reads the request line
    assert parsed.path == f"/folders/{name}/files"
    assert list(parsed.query.items()) == query
    assert url.raw_path_qs.isascii()


@settings(max_examples=150, deadline=None)
@given(st.datetimes(), offsets)
def test_key_date_is_the_date_written_in_the_header(when: datetime, tz: timezone) -> None:
    stamped = when.replace(tzinfo=tz)
    assert key_date(stamped.isoformat()) == stamped.strftime("%Y%m%d")


def test_no_event_loop_is_needed_to_build_a_client() -> None:
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    bai.Client(bai.ClientConfig(AK, SK))  # nothing is created outside a running loop
