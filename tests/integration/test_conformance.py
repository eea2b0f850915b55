"""Conformance on the real managers (issue 11): the schemas they build are the stored ones, the GraphQL
documents and REST calls that used to fail now work or are refused before sending, and the defaults
26.9.6 requires are filled in."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLSchema,
    build_client_schema,
    build_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)

import backendai_async as bai
from backendai_async.testing.graphql_server import load_schema

from .conftest import ApiConfigFactory

pytestmark = [pytest.mark.integration]

IMAGE_19_09 = "cr.backend.ai/stable/python:3.9-ubuntu20.04"
#: stack generation -> the stored schema of that manager release
STORED = {"26.09": "26.9.6", "22.09": "22.09", "19.09": "19.09"}
# 26.x disables introspection: the schema is printed by the manager's own graphene objects
PRINT_SCHEMA = (
    "import graphene\n"
    "from ai.backend.manager.api.gql_legacy.schema import Mutation, Query\n"
    "print(graphene.Schema(query=Query, mutation=Mutation, auto_camelcase=False))\n"
)


def _normalised(schema: GraphQLSchema) -> dict[str, str]:
    """Each type's SDL, without descriptions' layout mattering (sorted, printed by graphql-core)."""
    text = print_schema(lexicographic_sort_schema(schema))
    types: dict[str, str] = {}
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith('"')]
        head = next((line for line in lines if not line.startswith(" ")), "")
        if head:
            types[" ".join(head.split()[:2])] = "\n".join(line for line in lines if '"""' not in line)
    return types


async def _built_schema(stack: dict[str, Any], gen: str, api_config: ApiConfigFactory) -> GraphQLSchema:
    if gen == "26.09":
        python = Path(stack["stack_home"]) / "venvs" / gen / "bin" / "python"
        process = await asyncio.create_subprocess_exec(
            str(python), "-c", PRINT_SCHEMA, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        printed, _ = await process.communicate()
        assert process.returncode == 0
        return build_schema(printed.decode())
    async with bai.Client(api_config(on=gen)) as client:
        data = await client.query(get_introspection_query(descriptions=False))
    return build_client_schema(data)


@pytest.mark.parametrize("gen", list(STORED))
async def test_the_managers_build_the_stored_schemas(
    stack: dict[str, Any], gen: str, api_config: ApiConfigFactory
) -> None:
    api_config(on=gen)  # skips a generation that is not up
    built = _normalised(await _built_schema(stack, gen, api_config))
    stored = _normalised(load_schema(STORED[gen]))
    drift = sorted(
        f"{name}: {'only built' if name not in stored else 'only stored' if name not in built else 'differs'}"
        for name in built.keys() | stored.keys()
        if built.get(name) != stored.get(name)
    )
    assert not drift, f"{gen} builds a schema that differs from {STORED[gen]}.graphql:\n" + "\n".join(drift)


# ---- GraphQL that failed before, on the real servers -------------------------------------------


@pytest.mark.parametrize("gen", ["19.09", "22.09", "26.09"])
async def test_session_list_and_gated_roots(gen: str, api_config: ApiConfigFactory) -> None:
    async with bai.Client(api_config(on=gen)) as client:
        await client.get_manager_version()
        page = await client.compute_session.list(status="RUNNING,TERMINATED")  # 19.09: no `containers`
        assert "compute_session_list" in page
        groups = [g async for g in client.scaling_group.list_available()]
        assert groups
        if gen == "19.09":
            for call in (client.storage_proxy.list(), client.agent_summary.list()):
                with pytest.raises(bai.UnsupportedFeatureError) as refused:
                    await call
                assert refused.value.status is None
        elif gen == "22.09":  # the document is valid; 22.09 answers "No such agent" without agents
            with pytest.raises(bai.GraphQLError, match="No such agent"):
                await client.agent_summary.list()
        else:
            assert isinstance(await client.agent_summary.list(), list)
        if gen == "26.09":
            assert await client.user_resource_policy.get() is not None
            assert await client.project_resource_policy.get() is not None
            assert [v async for v in client.storage_proxy.list()]
        else:
            for policy in (client.user_resource_policy, client.project_resource_policy):
                with pytest.raises(bai.UnsupportedFeatureError, match=r"v7\.20230615"):
                    await policy.get()


# ---- REST: keys the managers read, routes they lack, defaults they need -----------------------


@pytest.mark.parametrize("gen", ["19.09", "22.09", "26.09"])
@pytest.mark.parametrize("role", ["superadmin", "user"])
async def test_check_presets_without_arguments(gen: str, role: str, api_config: ApiConfigFactory) -> None:
    async with bai.Client(api_config(role, on=gen)) as client:
        result = await client.resource_preset.check()
    assert "presets" in result and "keypair_remaining" in result


async def test_routes_19_09_lacks_are_refused(api_config: ApiConfigFactory) -> None:
    async with bai.Client(api_config(on="19.09")) as client:
        await client.get_manager_version()
        for call in (
            client.rename("no-such", "other"),
            client.compute_session.commit_session("no-such"),
            client.session_template.list(),
            client.user_config.get_bootstrap_script(),
        ):
            with pytest.raises(bai.UnsupportedFeatureError):
                await call


async def test_routes_22_09_has(api_config: ApiConfigFactory) -> None:
    async with bai.Client(api_config(on="22.09")) as client:
        assert isinstance(await client.session_template.list(), list)
        assert await client.user_config.get_bootstrap_script() is not None
        with pytest.raises(bai.UnsupportedFeatureError, match=r"v6\.20230315"):
            await client.get_dependency_graph("no-such")
        # the route exists and reads task_id: anything but an input-validation refusal
        try:
            await client.get_task_logs("00000000-0000-0000-0000-000000000000")
        except bai.BadRequestError as exc:
            pytest.fail(f"22.09 refused the parameters: {exc}")
        except bai.ServerError:
            pass  # e.g. no such task


# ---- API v3 pinned on 19.09: real work ---------------------------------------------------------


async def test_pinned_v3_does_real_work_on_19_09(api_config: ApiConfigFactory) -> None:
    """19.09 reads v1-v3 parameters from the query string: query() and create get past input
    validation (19.09 has no agent: creation fails in scheduling, not with 400), get_info and destroy
    answer."""
    config = api_config("superadmin", on="19.09", api_version="v3.20170615", max_retries=0)
    async with bai.Client(config) as client:
        data = await client.query(
            "query($ak: String!) { keypair(access_key: $ak) { access_key is_active } }",
            {"ak": config.access_key},
        )
        assert data["keypair"] == {"access_key": config.access_key, "is_active": True}
        sessions = await client.compute_session.list(status="RUNNING,PENDING,TERMINATED,ERROR,CANCELLED")
        assert "compute_session_list" in sessions

        images = [i async for i in client.image.list(fields=("name", "tag", "registry"))]
        image = f"{images[0]['registry']}/{images[0]['name']}:{images[0]['tag']}" if images else IMAGE_19_09
        name = f"v3-{uuid.uuid4().hex[:8]}"
        refusal: bai.ServerError | None = None
        try:
            created = await client.create_if_not_exists(image, name, timeout=30)
        except bai.ServerError as exc:  # 19.09 has no agent (and maybe no such image)
            refusal = exc
        if refusal is None:
            assert created.get("kernelId") or created.get("status")
        else:  # past input validation: the server looked the image up, or tried to schedule
            assert "Input validation error" not in refusal.message, refusal
            assert refusal.error_code is None or "parameters" not in refusal.error_code
        try:
            info = await client.get_info(name)
        except bai.NotFoundError:  # a create refused by the scheduler leaves no session behind
            info = None
        if info is not None:
            assert "status" in info
            await client.destroy(name, forced=True)
        with pytest.raises(bai.NotFoundError):
            await client.get_info(f"{name}-none")
        with pytest.raises(bai.NotFoundError):
            await client.destroy(f"{name}-none")


# ---- defaults: every call that needs no argument passes the real servers' validation ---------

NO_ARGUMENT_CALLS = [
    "resource_preset.list", "resource_preset.check", "resource_preset.current_project", "scaling_group.list",
    "scaling_group.list_available", "vfolder.list", "vfolder.list_hosts", "vfolder.list_allowed_types",
    "vfolder.invitations", "session_template.list", "user_config.get", "user_config.get_bootstrap_script",
    "resources.get_resource_slots", "resources.user_stats", "resources.total_resource_information",
    "service.get_announcement", "keypair.info", "keypair.list", "user.get", "user.list", "group.list",
    "domain.list", "image.list", "compute_session.list", "compute_session.total_count",
    "compute_session.list_all", "agent.list", "agent_summary.list", "storage_proxy.list",
    "storage_proxy.get_all_permissions", "model_service.list", "account.fetch_ssh_keypair",
    "account.is_manager_supporting_totp", "enterprise.get_license", "resource_policy.get",
    "user_resource_policy.get", "project_resource_policy.get",
]  # fmt: skip


@pytest.mark.parametrize("gen", ["26.09", "22.09", "19.09"])
@pytest.mark.parametrize("role", ["superadmin", "user"])
async def test_calls_without_arguments_pass_validation(gen: str, role: str, api_config: ApiConfigFactory) -> None:
    """Called with no arguments, no read-only call is refused by the server's input validation (a 400):
    the defaults the SDK sends, or leaves out, are ones the server accepts. Refusals for the role (403)
    or for a feature the generation lacks (before sending) are fine; so is what the stack lacks to
    answer (22.09 runs without agents and storage proxy)."""
    refused: list[str] = []
    async with bai.Client(api_config(role, on=gen)) as client:
        await client.get_manager_version()
        for dotted in NO_ARGUMENT_CALLS:
            sub, method = dotted.split(".")
            result = getattr(getattr(client, sub), method)()
            try:
                if hasattr(result, "__aiter__"):
                    [item async for item in result]
                else:
                    await result
            except bai.BadRequestError as exc:
                refused.append(f"{dotted}: {exc.status} {exc.title}: {exc.message}")
            except bai.BackendAIError:  # 403 for the role, refused before sending, 22.09 without storage proxy
                pass
    assert not refused, f"{gen} as {role}:\n" + "\n".join(refused)
