"""Errors chosen by the server's problem type before its status."""

from __future__ import annotations

import json

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, Fault

from .conftest import ClientFactory

PROBS = "https://api.backend.ai/probs/"


@pytest.mark.parametrize(
    ("status", "slug", "cls"),
    [
        (400, "session-already-exists", bai.SessionAlreadyExistsError),
        (501, "not-implemented", bai.UnsupportedOperationError),
        (400, "not-implemented", bai.UnsupportedOperationError),
        (400, "invalid-api-params", bai.BadRequestError),
        (500, "internal-server-error", bai.InternalServerError),
    ],
)
async def test_problem_type_picks_the_class(
    status: int, slug: str, cls: type[bai.ServerError], fm: FakeManager, make_client: ClientFactory
) -> None:
    body = {"type": PROBS + slug, "title": "t", "data": {"existingSessionId": "abc"}}
    fm.inject(
        Fault(path="/auth", status=status, body=json.dumps(body).encode(), content_type="application/problem+json")
    )
    client = make_client(fm)
    with pytest.raises(bai.ServerError) as info:
        await client.request("GET", "/auth")
    assert type(info.value) is cls
    assert info.value.status == status
    if cls is bai.SessionAlreadyExistsError:
        assert info.value.existing_session_id == "abc"
