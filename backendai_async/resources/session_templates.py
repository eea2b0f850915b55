"""``client.session_template``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["SessionTemplate"]


class SessionTemplate(Resource):
    """``client.session_template``: session templates (``/template/session``)."""

    async def list(
        self,
        list_all: bool = False,
        group_id: str | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """The caller's templates (every template with ``list_all``, admins), of ``group_id`` if given."""
        params: dict[str, str] = {}
        if list_all:
            params["all"] = "true"
        if group_id:
            params["group_id"] = group_id
        return await self._send("GET", "/template/session", params=params or None, **options)
