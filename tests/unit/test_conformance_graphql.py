"""Every GraphQL document any public method can emit validates against the real schema of every
measured server generation; what a generation lacks is refused before anything is sent.

The documents are collected by calling every public method of every ``Client`` sub-object (with
arguments made from its signature, plus the variants in ``conformance.VARIANTS``) against a FakeManager
of each generation, as a superadmin and as a user, and validated here with graphql-core against the
schema measured on that manager release (``backendai_async/testing/schemas``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

import backendai_async as bai
from backendai_async.testing.generations import Generation
from backendai_async.testing.graphql_server import load_schema

from .conformance import MEASURED, NOT_CALLED, VARIANTS, Outcome, public_methods, run_generation


@pytest.fixture(scope="module")
def methods() -> dict[str, tuple[str, str]]:
    return public_methods()


@pytest.mark.parametrize("generation", MEASURED, ids=lambda gen: gen.key)
async def test_every_document_is_valid_or_refused_before_sending(generation: Generation, tmp_path: Path) -> None:
    outcomes = await run_generation(generation, tmp_path)
    schema = load_schema(generation.schema)
    invalid: list[str] = []
    documents: set[str] = set()
    for outcome in outcomes:
        _check_refusal(outcome)
        for document, _ in outcome.graphql:
            documents.add(document)
            errors = validate(schema, parse(document))
            if errors:
                invalid.append(f"{outcome.method} [{outcome.label}, {outcome.role}]: {errors[0].message}")
    assert not invalid, f"{len(invalid)} invalid documents on {generation.key}:\n" + "\n".join(invalid)
    assert len(documents) > 30, "the harness sent far fewer documents than the SDK has"


def _check_refusal(outcome: Outcome) -> None:
    """A refusal for lack of a feature sends nothing; every other failure is a typed SDK error (a
    TypeError from made-up arguments would hide a document from the check)."""
    if isinstance(outcome.error, bai.UnsupportedFeatureError):
        assert outcome.requests == [], f"{outcome.method} refused after sending {outcome.requests}"
        assert outcome.error.status is None and outcome.error.required and outcome.error.server
    elif outcome.error is not None:
        assert isinstance(outcome.error, bai.BackendAIError), f"{outcome.method}: {outcome.error!r}"


def test_every_public_method_is_called(methods: dict[str, tuple[str, str]]) -> None:
    """The harness calls every public method but the listed few, and every variant names a real one."""
    assert methods.keys() >= NOT_CALLED
    assert {method for method, _, _ in VARIANTS} <= methods.keys()
    assert len(methods) - len(NOT_CALLED) > 150


@pytest.mark.parametrize(
    ("method", "generation_key"),
    [
        ("compute_session.list", "19.09"),  # `containers` is left out
        ("rescan_images", "19.09"),  # no task_id
    ],
)
async def test_optional_fields_a_generation_lacks_are_left_out(
    method: str, generation_key: str, tmp_path: Path
) -> None:
    generation = next(gen for gen in MEASURED if gen.key == generation_key)
    outcomes = await run_generation(generation, tmp_path, roles=("superadmin",), only=lambda m: m.endswith(method))
    sent = [document for outcome in outcomes for document, _ in outcome.graphql]
    assert sent
    assert not any("containers" in document or "task_id" in document for document in sent)
