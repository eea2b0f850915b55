"""``client.session_template``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from ..pagination import paginated
from .base import Resource, listed

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["SessionTemplate"]


class SessionTemplate(Resource):
    """``client.session_template``: session templates (``/template/session``)."""

    @paginated
    async def list(
        self,
        list_all: bool = False,
        group_id: str | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[dict[str, Any]]:
        """The caller's templates (every template with ``list_all``, admins), of ``group_id`` if given."""
        params: dict[str, str] = {}
        if list_all:
            params["all"] = "true"
        if group_id:
            params["group_id"] = group_id
        for item in listed(await self._send("GET", "/template/session", params=params or None, **options), "templates"):
            yield item
