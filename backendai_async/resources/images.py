"""``client.image`` (the JS ``ContainerImage``)."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from ..pagination import paginated
from .base import Resource
from .sessions import SessionLifecycle, generate_session_name

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import DestroyResult

__all__ = ["IMAGE_FIELDS", "INSTALL_RESOURCES", "INSTALL_TIMEOUT", "ContainerImage", "ImageInfo"]

IMAGE_FIELDS = (
    "name", "tag", "registry", "digest", "installed", "labels { key value }", "resource_limits { key min max }",
)  # fmt: skip

INSTALL_RESOURCES = {"cpu": 1, "mem": "512m"}  # the JS client's values
INSTALL_TIMEOUT = 600.0
DEFAULT_REGISTRY = "index.docker.io"


class ImageInfo(TypedDict, total=False):
    """A container image (the fields asked for)."""

    id: str
    name: str
    tag: str
    registry: str
    architecture: str
    digest: str
    installed: bool
    aliases: list[str]
    labels: list[dict[str, str]]
    resource_limits: list[dict[str, Any]]


def _etcd_image_key(registry: str, image: str, tag: str) -> str:
    """The etcd key prefix of an image: ``:`` and ``/`` escaped as the manager stores them."""
    return f"images/{registry.replace(':', '%3A')}/{image.replace('/', '%2F')}/{tag.replace('/', '%2F')}"


class ContainerImage(Resource):
    """``client.image``: the images the manager knows and their etcd settings."""

    gql_type = "Image"

    @paginated
    async def list(
        self,
        fields: Sequence[str] = IMAGE_FIELDS,
        installed_only: bool = False,
        system_images: bool = False,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[ImageInfo]:
        """Every image (only installed ones with ``installed_only``; only system images such as the
        SFTP server with ``system_images``, API v4.20190601+)."""
        body = await self._select(fields, **options)
        args: dict[str, tuple[str, Any]] = {"is_installed": ("Boolean", True if installed_only else None)}
        if system_images and await self._supports("system-images", **options):
            args["is_operation"] = ("Boolean", True)
        async for item in self._iterate("images", args, body, None, **options):
            yield item

    async def modify_resource(
        self,
        registry: str,
        image: str,
        tag: str,
        limits: Mapping[str, Mapping[str, Any]],
        **options: Unpack[CallOptions],
    ) -> Sequence[Any]:
        """Set resource limits: ``limits`` is ``{slot: {"min": …, "max": …}}`` (one ``/config/set`` each, in order)."""
        prefix = _etcd_image_key(registry, image, tag)
        results: list[Any] = []
        for slot, bounds in limits.items():
            for bound, value in bounds.items():
                body = {"key": f"{prefix}/resource/{slot}/{bound}", "value": value}
                results.append(await self._send("POST", "/config/set", json=body, **options))
        return results

    async def modify_label(
        self,
        registry: str,
        image: str,
        tag: str,
        key: str,
        value: str,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Set the label ``key`` of the image."""
        body = {"key": f"{_etcd_image_key(registry, image, tag)}/labels/{key}", "value": value}
        return await self._send("POST", "/config/set", json=body, **options)

    async def get(
        self,
        registry: str,
        image: str,
        tag: str,
        **options: Unpack[CallOptions],
    ) -> Any:
        """The image's resource settings from etcd."""
        body = {"key": f"{_etcd_image_key(registry, image, tag)}/resource/", "prefix": True}
        return await self._send("POST", "/config/get", json=body, **options)

    async def install(
        self,
        name: str,
        resources: Mapping[str, Any] | None = None,
        registry: str = DEFAULT_REGISTRY,
        **options: Unpack[CallOptions],
    ) -> DestroyResult | builtins.list[DestroyResult]:
        """Pull the image onto an agent by starting a throwaway session from it, then destroying it.

        ``name`` is ``repository:tag`` under ``registry`` (none for the Docker Hub default);
        ``resources`` default to 1 CPU and 512 MiB; the default deadline is 10 minutes.
        """
        reference = name if registry == DEFAULT_REGISTRY else f"{registry}/{name}"
        sessions = SessionLifecycle(self._pipeline)
        session_name = generate_session_name()
        timeout = options.get("timeout")
        await sessions.create_if_not_exists(
            reference,
            session_name,
            resources or INSTALL_RESOURCES,
            timeout=INSTALL_TIMEOUT if timeout is None else timeout,
            signal=options.get("signal"),
        )
        return await sessions.destroy(session_name, **options)
