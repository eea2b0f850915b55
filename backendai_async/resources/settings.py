"""etcd configuration and small services: ``client.registry``, ``client.setting``, ``client.service``,
``client.user_config`` and ``client.enterprise``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import NotFoundError
from .base import Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import Announcement, Dotfile

__all__ = ["Enterprise", "Registry", "Service", "Setting", "UserConfig"]

_REGISTRY_KEY = "config/docker/registry"
DOTFILE_PERMISSION = "644"


class _Etcd(Resource):
    async def _config(self, verb: str, body: dict[str, Any], **options: Unpack[CallOptions]) -> Any:
        return await self._send("POST", f"/config/{verb}", json=body, **options)


class Registry(_Etcd):
    """``client.registry``: container registries stored in etcd (superadmin)."""

    async def list(self, **options: Unpack[CallOptions]) -> Any:
        """Every registry entry."""
        return await self._config("get", {"key": _REGISTRY_KEY, "prefix": True}, **options)

    async def set(self, key: str, value: Any, **options: Unpack[CallOptions]) -> Any:
        """Store the registry ``key`` (a host name, URL-quoted in the etcd key)."""
        return await self._config("set", {"key": f"{_REGISTRY_KEY}/{quote(key, safe='')}", "value": value}, **options)

    async def delete(self, key: str, **options: Unpack[CallOptions]) -> Any:
        """Remove the registry ``key`` and everything under it."""
        body = {"key": f"{_REGISTRY_KEY}/{quote(key, safe='')}", "prefix": True}
        return await self._config("delete", body, **options)


class Setting(_Etcd):
    """``client.setting``: keys under ``config/`` in etcd (superadmin)."""

    async def list(self, prefix: str = "", **options: Unpack[CallOptions]) -> Any:
        """Every setting under ``config/<prefix>``."""
        return await self._config("get", {"key": f"config/{prefix}", "prefix": True}, **options)

    async def get(self, key: str, **options: Unpack[CallOptions]) -> Any:
        """The setting ``config/<key>``."""
        return await self._config("get", {"key": f"config/{key}", "prefix": False}, **options)

    async def set(self, key: str, value: Any, **options: Unpack[CallOptions]) -> Any:
        """Store ``config/<key>``."""
        return await self._config("set", {"key": f"config/{key}", "value": value}, **options)

    async def delete(self, key: str, prefix: bool = False, **options: Unpack[CallOptions]) -> Any:
        """Remove ``config/<key>`` (and every key under it with ``prefix``)."""
        return await self._config("delete", {"key": f"config/{key}", "prefix": prefix}, **options)


class Service(Resource):
    """``client.service``: the manager's announcement."""

    async def get_announcement(self, **options: Unpack[CallOptions]) -> Announcement:
        """``{"enabled", "message"}``."""
        result: Announcement = await self._send("GET", "/manager/announcement", **options)
        return result

    async def update_announcement(
        self,
        enabled: bool = True,
        message: str = "",
        **options: Unpack[CallOptions],
    ) -> None:
        """Show (or hide, ``enabled=False``) ``message`` to every user (superadmin)."""
        body = {"enabled": enabled, "message": message}
        await self._send("POST", "/manager/announcement", json=body, **options)


class UserConfig(Resource):
    """``client.user_config``: the caller's bootstrap script and dotfiles."""

    async def get_bootstrap_script(self, **options: Unpack[CallOptions]) -> str:
        """The bootstrap script run at the start of every session of the keypair."""
        result: str = await self._send("GET", "/user-config/bootstrap-script", **options)
        return result

    async def update_bootstrap_script(self, script: str, **options: Unpack[CallOptions]) -> None:
        """Replace the bootstrap script."""
        body = {"script": script}
        await self._send("POST", "/user-config/bootstrap-script", json=body, **options)

    async def create(self, data: str, path: str, **options: Unpack[CallOptions]) -> None:
        """Create the dotfile ``path`` (relative to the home directory) with ``data``."""
        body = {"path": path, "data": data, "permission": DOTFILE_PERMISSION}
        await self._send("POST", "/user-config/dotfiles", json=body, **options)

    async def get(self, **options: Unpack[CallOptions]) -> list[Dotfile]:
        """Every dotfile: ``[{"path", "permission", "data"}]``."""
        result: list[Dotfile] = await self._send("GET", "/user-config/dotfiles", **options)
        return result

    async def update(self, data: str, path: str, **options: Unpack[CallOptions]) -> None:
        """Replace the dotfile ``path``."""
        body = {"data": data, "path": path, "permission": DOTFILE_PERMISSION}
        await self._send("PATCH", "/user-config/dotfiles", json=body, **options)

    async def delete(self, path: str, **options: Unpack[CallOptions]) -> None:
        """Remove the dotfile ``path``.

        ``path`` goes in the body (what older managers read) and in the query (what 26.9 reads).
        """
        await self._send(
            "DELETE",
            "/user-config/dotfiles",
            params={"path": path},
            json={"path": path},
            **options,
        )


class Enterprise(Resource):
    """``client.enterprise``."""

    async def get_license(self, **options: Unpack[CallOptions]) -> Any:
        """The license (superadmin), or None on an open-source manager (which answers 404)."""
        try:
            return await self._send("GET", "/license", **options)
        except NotFoundError:
            return None
