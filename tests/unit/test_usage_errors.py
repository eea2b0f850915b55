"""Misuse the pipeline refuses on purpose is a typed ``UsageError``, raised before any I/O."""

from __future__ import annotations

import pytest
from yarl import URL

import backendai_async as bai
from backendai_async.resources.pipeline import segment, supports
from backendai_async.testing import FakeManager

from .conftest import ClientFactory


@pytest.mark.parametrize("name", ["", ".", "..", "a/b"])
def test_a_bad_path_segment_is_a_usage_error(name: str) -> None:
    with pytest.raises(bai.UsageError, match="path segment"):
        segment(name)


async def test_supports_before_negotiation_needs_negotiation(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    with pytest.raises(bai.NegotiationRequiredError):
        supports(client._pipeline, "session-download-post")
    await client.get_manager_version()
    assert supports(client._pipeline, "session-download-post") is True  # the fake is a 26.x manager


async def test_a_relative_url_target_is_a_usage_error(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    with pytest.raises(bai.UsageError, match="absolute"):
        await client._pipeline.send("GET", URL("/relative"))
    assert fm.requests == []
