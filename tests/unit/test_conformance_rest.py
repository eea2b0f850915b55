"""Every REST request of every public method, on 19.09, 22.09 and 26.9, goes to a route that manager
has, with parameter keys it accepts and the keys it requires; routes a generation lacks are refused
before sending (``versions.REST_GATES``), and that table agrees with the managers' routes.

The managers' routes and parameters are in ``data/rest_routes/<generation>.json``, derived from the
installed manager packages by ``tests/tools/derive_rest_routes.py`` (trafaret ``check_api_params`` on
19.09 and 22.09, pydantic request models on 26.x).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from backendai_async.testing.generations import GENERATIONS
from backendai_async.versions import REST_GATES, feature_enabled

from .conformance import PASS_THROUGH, run_generation

DATA = Path(__file__).parent / "data" / "rest_routes"
#: fake generation key -> file of the manager whose routes were derived
GENERATION_FILES = {"19.09": "19.09", "22.09": "22.09", "26.9": "26.09"}
#: routes served by manager plugins or the enterprise edition, not by the open-source manager
PLUGIN_PREFIXES = ("/cloud/", "/eduapp/", "/license", "/totp")


@cache
def routes(key: str) -> tuple[str, list[tuple[dict[str, Any], re.Pattern[str]]]]:
    facts = json.loads((DATA / f"{GENERATION_FILES[key]}.json").read_text(encoding="utf-8"))
    compiled = []
    for route in facts["routes"]:
        parts = ["[^/]+" if seg.startswith("{") else re.escape(seg) for seg in route["path"].strip("/").split("/")]
        compiled.append((route, re.compile("/" + "/".join(parts) + "/?")))
    return facts["unknown_keys"], compiled


def find(key: str, method: str, path: str) -> dict[str, Any] | None:
    _, table = routes(key)
    return next((r for r, p in table if p.fullmatch(path) and r["method"] in (method, "*")), None)


@pytest.mark.parametrize("key", GENERATION_FILES)
async def test_every_request_goes_to_a_route_with_keys_it_accepts(key: str, tmp_path: Path) -> None:
    unknown_keys, _ = routes(key)
    outcomes = await run_generation(GENERATIONS[key], tmp_path, roles=("superadmin",))
    problems: list[str] = []
    checked = 0
    for outcome in outcomes:
        for request in outcome.requests:
            if request.path in ("/admin/gql", "/admin/graphql") or request.path.startswith(PLUGIN_PREFIXES):
                continue
            route = find(key, request.method, request.path)
            where = f"{outcome.method} [{outcome.label}] {request.method} {request.path}"
            if route is None:
                problems.append(f"{where}: no such route")
                continue
            checked += 1
            params = route["params"]
            if params is None or (outcome.method in PASS_THROUGH and outcome.label == "defaults"):
                continue
            sent = set(request.query) | (set(request.json) if isinstance(request.json, dict) else set())
            if unknown_keys == "refused" and not params["extra"] and sent - set(params["keys"]):
                problems.append(f"{where}: keys the server refuses {sorted(sent - set(params['keys']))}")
            missing = [group for group in params["required"] if not set(group) & sent]
            if missing:
                problems.append(f"{where}: required keys missing {missing}")
    assert not problems, "\n".join(problems)
    assert checked > 60


@pytest.mark.parametrize("key", GENERATION_FILES)
@pytest.mark.parametrize("route", sorted(REST_GATES))
def test_rest_gates_follow_the_managers_routes(route: str, key: str) -> None:
    method, path = route.split(" ", 1)
    generation = GENERATIONS[key]
    if path.startswith("/session/"):
        path = generation.session_prefix + path[len("/session") :]
    present = find(key, method, path.replace("*", "x1")) is not None
    opened = feature_enabled(REST_GATES[route], generation.advertised, generation.manager_version)
    assert present == opened, f"{route} on {key}: route {'present' if present else 'absent'}, gate {opened}"
