"""Every public method of every ``Client`` sub-object, called against a FakeManager of each server
generation, with what it sent recorded: the shared harness of the GraphQL and REST conformance tests.

Every method is called at least once with arguments made from its signature (so a new method is
called without anyone listing it); ``VARIANTS`` adds the argument sets that change what a method sends
(field sets, filters, pagination, optional arguments). Each call's outcome is one ``Outcome``: the
requests it sent (the version probe aside) and the error it raised, if any.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import backendai_async as bai
from backendai_async.resources.base import Resource
from backendai_async.resources.compute_session import ALL_STATUSES
from backendai_async.resources.users import USER_FIELDS
from backendai_async.testing import FakeManager
from backendai_async.testing._http import RecordedRequest
from backendai_async.testing.generations import GENERATIONS, Generation

from .conftest import AK, SK, USER_AK, USER_SK

__all__ = [
    "GENERATION_LIST",
    "MEASURED",
    "NOT_CALLED",
    "PASS_THROUGH",
    "VARIANTS",
    "Outcome",
    "public_methods",
    "run_generation",
]

# Every simulated generation, plus 20.09.29 (the one release whose schema differs inside 20.09).
GENERATION_LIST: list[Generation] = [
    *GENERATIONS.values(),
    dataclasses.replace(
        GENERATIONS["20.09"],
        key="20.09.29",
        manager_version="20.09.29",
        advertised="v6.20210815",
        accepted=GENERATIONS["20.09"].accepted | {"v6.20210815"},
        schema="20.09.29",
    ),
]
GENERATION_LIST.sort(key=lambda gen: bai.versions.manager_version_key(gen.manager_version))
#: the generations whose schema was measured on that very release (the others borrow the nearest one)
MEASURED: list[Generation] = [gen for gen in GENERATION_LIST if gen.manager_version.startswith(gen.schema)]

# Methods that are not requests to the manager (or only move bytes to the storage proxy given a token).
NOT_CALLED = {
    "graphql.query",  # the caller's own document
    "vfolder.get_download_url_with_token",  # builds a URL, sends nothing
}
#: methods that hold a stream open: entered and left at once
STREAMS = {
    "compute_session.session_events",
    "compute_session.background_task_events",
    "compute_session.pty",
    "compute_session.stream_execute",
}

Call = Callable[[bai.Client], Any]
UUID1, UUID2 = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"

#: (method, label, call): argument sets beyond the one made from the signature
VARIANTS: list[tuple[str, str, Call]] = [
    # compute sessions: every filter, both field sets, one page / count / every page
    (
        "compute_session.list",
        "filters",
        lambda c: c.compute_session.list(status="RUNNING,TERMINATED", access_key="AK", group="g-1", limit=5, offset=5),
    ),
    (
        "compute_session.list",
        "JS field names",
        lambda c: c.compute_session.list(fields=("session_name", "id", "status", "occupied_slots"), status=""),
    ),
    ("compute_session.list", "no fields", lambda c: c.compute_session.list(fields=())),
    (
        "compute_session.total_count",
        "filters",
        lambda c: c.compute_session.total_count(status="RUNNING", access_key="AK", group="g-1"),
    ),
    (
        "compute_session.list_all",
        "all statuses",
        lambda c: c.compute_session.list_all(status=ALL_STATUSES, access_key="AK", group="g-1", page_size=1),
    ),
    (
        "compute_session.get",
        "name field",
        lambda c: c.compute_session.get(("id", "name", "status"), "00000000-0000-0000-0000-000000000000"),
    ),
    # administration lists: paged and one-shot, filters
    ("agent.list", "terminated, paged", lambda c: c.agent.list("TERMINATED", page_size=1)),
    ("agent_summary.list", "paged", lambda c: c.agent_summary.list("ALIVE", page_size=1)),
    ("storage_proxy.list", "paged", lambda c: c.storage_proxy.list(page_size=1)),
    ("keypair.info", "other key", lambda c: c.keypair.info("AKX", ("access_key", "is_active"))),
    ("keypair.list", "by user, any state", lambda c: c.keypair.list("u@x.com", is_active=None, page_size=1)),
    ("user.get", "by e-mail", lambda c: c.user.get("u@x.com", (*USER_FIELDS, "main_access_key"))),
    ("user.list", "any state, paged", lambda c: c.user.list(None, page_size=1)),
    ("group.list", "domain, type", lambda c: c.group.list(None, "default", type=["GENERAL", "MODEL_STORE"])),
    ("domain.list", "active", lambda c: c.domain.list(is_active=True)),
    ("image.list", "installed, system", lambda c: c.image.list(installed_only=True, system_images=True)),
    ("resource_policy.get", "one", lambda c: c.resource_policy.get("default")),
    ("user_resource_policy.get", "one", lambda c: c.user_resource_policy.get("default")),
    ("project_resource_policy.get", "one", lambda c: c.project_resource_policy.get("default")),
    (
        "scaling_group.create",
        "every option",
        lambda c: c.scaling_group.create("sg", {"wsproxy_addr": "http://w", "is_public": True}),
    ),
    (
        "scaling_group.update",
        "every option",
        lambda c: c.scaling_group.update("sg", {"wsproxy_addr": "http://w", "is_public": True, "description": "d"}),
    ),
    ("maintenance.rescan_images", "one registry", lambda c: c.maintenance.rescan_images("cr.backend.ai")),
    (
        "resource_preset.check",
        "scaling group and project",
        lambda c: c.resource_preset.check({"scaling_group": "default", "group": "default"}),
    ),
    # methods that pass a caller's mapping through as the body: a realistic one
    (
        "vfolder.modify_invitee_permission",
        "complete input",
        lambda c: c.vfolder.modify_invitee_permission({"perm": "ro", "user": UUID1, "vfolder": UUID2}),
    ),
    (
        "vfolder.clone",
        "complete input",
        lambda c: c.vfolder.clone({"target_name": "copy", "usage_mode": "general", "permission": "rw"}, "x1"),
    ),
    (
        "model_service.create",
        "complete spec",
        lambda c: c.model_service.create(
            {"service_name": "svc", "replicas": 1, "image": "python:3.9", "config": {"model": "m"}}
        ),
    ),
]
#: methods that pass a caller's mapping through as the body: only their "complete" variants are checked for keys
PASS_THROUGH = {"vfolder.modify_invitee_permission", "vfolder.clone", "model_service.create"}


@dataclass
class Outcome:
    """What one call sent and how it ended."""

    method: str
    label: str
    role: str
    requests: list[RecordedRequest] = field(default_factory=list)
    error: BaseException | None = None

    @property
    def graphql(self) -> list[tuple[str, Any]]:
        """``(document, variables)`` of every GraphQL request the call sent."""
        return [
            (r.json["query"], r.json.get("variables"))
            for r in self.requests
            if r.path in ("/admin/gql", "/admin/graphql") and isinstance(r.json, dict)
        ]


def public_methods() -> dict[str, tuple[str, str]]:
    """``"sub_object.method" -> (sub_object, method)`` for every public method of every sub-object."""
    found: dict[str, tuple[str, str]] = {}
    for prop, value in vars(bai.Client).items():
        if not isinstance(value, property):
            continue
        returned = inspect.get_annotations(value.fget, eval_str=False).get("return")  # type: ignore[arg-type]
        if returned is None:
            continue
        client = bai.Client(bai.ClientConfig("AK", "SK", "http://127.0.0.1:9"))
        sub = getattr(client, prop)
        if not isinstance(sub, Resource):
            continue
        for name in dir(type(sub)):
            if not name.startswith("_") and callable(getattr(type(sub), name)):
                found[f"{prop}.{name}"] = (prop, name)
    return found


def _argument(name: str, annotation: str, tmp: Path) -> Any:
    """A value for a required parameter, from its name and annotation."""
    if name in ("dest", "local_dir"):
        return tmp
    if name in ("source",):
        return b"data"
    if name == "files" and "Mapping" in annotation:
        return {"a.txt": b"x"}
    if name == "fields":
        return ("id",)
    if name == "session_uuid" or (name.endswith("_id") and "uuid" in name):
        return "00000000-0000-0000-0000-000000000000"
    if annotation.startswith("bool"):
        return False
    if annotation.startswith("int"):
        return 1
    if annotation.startswith("float"):
        return 1.0
    if "Mapping" in annotation or annotation.startswith("dict"):
        return {}
    if annotation.startswith(("Sequence", "Iterable")):
        return ["x1"]
    return "x1"


def _default_call(prop: str, name: str, tmp: Path) -> Call:
    sub_cls = type(getattr(bai.Client(bai.ClientConfig("AK", "SK", "http://127.0.0.1:9")), prop))
    signature = inspect.signature(getattr(sub_cls, name))
    kwargs: dict[str, Any] = {}
    for parameter in list(signature.parameters.values())[1:]:
        if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            continue
        if parameter.default is parameter.empty or (parameter.name == "name" and parameter.default is None):
            kwargs[parameter.name] = _argument(parameter.name, str(parameter.annotation), tmp)
    if name == "execute":
        kwargs["mode"] = "query"
    return lambda c: getattr(getattr(c, prop), name)(**kwargs)


async def _finish(result: Any) -> None:
    """Await, iterate or enter whatever a method returned."""
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aenter__"):
        async with result:
            pass
    elif hasattr(result, "__aiter__"):
        async for _ in result:
            pass


def all_calls(tmp: Path) -> Iterator[tuple[str, str, Call]]:
    """Every method with its signature-made arguments, then every variant."""
    for method, (prop, name) in sorted(public_methods().items()):
        if method not in NOT_CALLED:
            yield method, "defaults", _default_call(prop, name, tmp)
    yield from VARIANTS


async def run_generation(
    generation: Generation,
    tmp: Path,
    *,
    roles: tuple[str, ...] = ("superadmin", "user"),
    only: Callable[[str], bool] | None = None,
    api_version: str | None = None,
) -> list[Outcome]:
    """Every call against a fresh FakeManager of ``generation``, as each role in ``roles``."""
    outcomes: list[Outcome] = []
    keys = {"superadmin": (AK, SK), "user": (USER_AK, USER_SK)}
    async with FakeManager(generation) as fm:
        fm.termination_delay = 0
        for role in roles:
            config = bai.ClientConfig(*keys[role], str(fm.url), max_retries=0, api_version=api_version)
            async with bai.Client(config) as client:
                await client.get_manager_version() if api_version is None else None
                for method, label, call in all_calls(tmp):
                    if only is not None and not only(method):
                        continue
                    outcome = Outcome(method, label, role)
                    start = len(fm.requests)
                    try:
                        await asyncio.wait_for(_finish(call(client)), 5)
                    except Exception as exc:  # recorded; each test says which errors it accepts
                        outcome.error = exc
                    outcome.requests = [r for r in fm.requests[start:] if r.path not in ("/", "")]
                    outcomes.append(outcome)
    return outcomes
