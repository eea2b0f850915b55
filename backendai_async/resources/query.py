"""``client.graphql``: run any GraphQL document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .base import Resource
from .graphql import run_query

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["GraphQL"]


class GraphQL(Resource):
    """``client.graphql``: any GraphQL document (``client.query`` is an alias of ``query``)."""

    async def query(
        self,
        q: str,
        variables: Mapping[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Run a GraphQL document and return its ``data``.

        GraphQL errors raise ``GraphQLError`` (its ``errors`` hold the list, its ``data`` whatever
        partial data came back); a refusal for lack of privilege raises ``GraphQLPermissionError``,
        which is also a ``PermissionDeniedError``. A query (not a mutation) is retried like a GET.
        """
        return await run_query(self._pipeline, q, variables, **options)
