"""What a step of a scenario did, and the comparison with what the real 26.9.6 stack did.

A step's outcome is ``{"ok": true, "shape": ...}`` or ``{"ok": false, "error": <class>,
"status": <HTTP status>, "problem_type": <the server's problem type>}``. ``expected/<client>.json``
holds the outcomes recorded on the real stack (``BAI_CONFORMANCE_RECORD=1`` in a run against it
rewrites them); both backends are compared with them, so the fake is held to what the real server
did, and a drift of the real server shows up too.
"""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Awaitable
from typing import Any, TypeVar

import backendai_async as bai
from tests.support.shapes import differences, shape_of

EXPECTED = pathlib.Path(__file__).parent / "expected"
RECORD_ENV = "BAI_CONFORMANCE_RECORD"
T = TypeVar("T")


def failure(exc: bai.BackendAIError) -> dict[str, Any]:
    return {"ok": False, "error": type(exc).__name__, "status": exc.status, "problem_type": exc.problem_type}


class Steps:
    """The outcomes of one scenario's steps, in order."""

    def __init__(self) -> None:
        self.outcomes: dict[str, dict[str, Any]] = {}

    async def run(self, step: str, call: Awaitable[T]) -> T | None:
        """Await ``call`` and note its outcome; a ``BackendAIError`` is noted, not raised."""
        try:
            value = await call
        except bai.BackendAIError as exc:
            self.note(step, failure(exc))
            return None
        self.note(step, {"ok": True, "shape": shape_of(value)})
        return value

    def note(self, step: str, outcome: dict[str, Any]) -> None:
        assert step not in self.outcomes, f"step {step!r} twice"
        self.outcomes[step] = outcome


def disagreements(expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]) -> list[str]:
    """Every step where ``actual`` differs from ``expected`` in success, status, problem type or shape."""
    found = []
    for step in expected.keys() | actual.keys():
        want, got = expected.get(step), actual.get(step)
        if want is None or got is None:
            found.append(f"{step}: {'not run' if got is None else 'not recorded'}")
            continue
        if want["ok"] != got["ok"]:
            found.append(f"{step}: expected {_brief(want)}, got {_brief(got)}")
        elif not want["ok"]:
            for key in ("error", "status", "problem_type"):
                if want.get(key) != got.get(key):
                    found.append(f"{step}: {key} expected {want.get(key)!r}, got {got.get(key)!r}")
        else:
            found += [f"{step}: {d}" for d in differences(want["shape"], got["shape"])]
    return sorted(found)


def _brief(outcome: dict[str, Any]) -> str:
    if outcome["ok"]:
        return "success"
    return f"{outcome.get('error')} {outcome.get('status')} {outcome.get('problem_type')}"


def expected_outcomes(client: str, scenario: str) -> dict[str, dict[str, Any]]:
    data = json.loads((EXPECTED / f"{client}.json").read_text())
    return data[scenario]  # type: ignore[no-any-return]


def conform(client: str, scenario: str, backend: str, outcomes: dict[str, dict[str, Any]]) -> None:
    """Assert that ``outcomes`` agree with the real stack's recorded ones (or, when recording
    against the real stack, store them)."""
    if backend == "real" and os.environ.get(RECORD_ENV) == "1":
        path = EXPECTED / f"{client}.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        before = data.get(scenario, {})
        # keep a stored outcome that still accepts the new one (e.g. a hand-written $anyOf)
        kept = {
            step: before[step] if step in before and not disagreements({step: before[step]}, {step: got}) else got
            for step, got in outcomes.items()
        }
        data[scenario] = dict(sorted(kept.items()))
        path.write_text(json.dumps(dict(sorted(data.items())), indent=1) + "\n")
        return
    found = disagreements(expected_outcomes(client, scenario), outcomes)
    assert not found, f"{client} on the {backend} backend differs from the real 26.9.6 stack:\n" + "\n".join(found)
