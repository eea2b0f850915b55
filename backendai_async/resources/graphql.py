"""GraphQL on ``/admin/gql`` (v6.20210815+) or ``/admin/graphql``: running a document, errors, paging."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import BadRequestError, GraphQLError, GraphQLPermissionError, UsageError
from ..legacy import inline_variables
from .pipeline import Pipeline, supports

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["DEFAULT_PAGE_SIZE", "graphql_error", "paginate", "run_query"]

DEFAULT_PAGE_SIZE = 100


async def run_query(
    pipeline: Pipeline,
    q: str,
    variables: Mapping[str, Any] | None = None,
    **options: Unpack[CallOptions],
) -> Any:
    """``client.query()`` for resources that hold only the pipeline."""
    if pipeline.api_version is None:
        await pipeline.negotiate(**options)
    modern = supports(pipeline, "gql-endpoint")
    if supports(pipeline, "params-in-query"):  # API v1-v3: the document travels in the query string
        q, variables = inline_variables(q, variables), None
    body: dict[str, Any] = {"query": q, "variables": dict(variables) if variables is not None else None}
    try:
        answer = await pipeline.send(
            "POST",
            "/admin/gql" if modern else "/admin/graphql",
            json=body,
            **options,
            retry_safe=not q.lstrip().startswith("mutation"),
        )
    except BadRequestError as exc:  # the legacy endpoint answers GraphQL errors with a 400
        if exc.problem_type and exc.problem_type.endswith("/graphql-error"):
            raise graphql_error(exc.data, None, exc.status) from exc
        raise
    if modern or (isinstance(answer, dict) and answer.keys() <= {"data", "errors"} and "data" in answer):
        if not isinstance(answer, dict):
            answer = {}
        if answer.get("errors"):
            raise graphql_error(answer["errors"], answer.get("data"), 200)
        return answer.get("data")
    return answer


# how the manager words a refusal for lack of privilege (in errors, or in a mutation's `msg`)
_REFUSALS = ("Forbidden operation", "Insufficient privilege", "no permission to execute")


def graphql_error(errors: Any, data: Any, status: int | None) -> GraphQLError:
    """The error for a GraphQL ``errors`` list: ``GraphQLPermissionError`` for a privilege refusal."""
    items = errors if isinstance(errors, list) else [errors]
    first = items[0] if items else {}
    message = str((first.get("message") if isinstance(first, dict) else first) or "GraphQL error")
    kind = GraphQLPermissionError if message.startswith(_REFUSALS) else GraphQLError
    return kind(message, errors=items, status=status, title="GraphQL error", data=data)


async def paginate(
    run_query: Any,
    document: str,
    field: str,
    variables: Mapping[str, Any] | None = None,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    **options: Unpack[CallOptions],
) -> AsyncIterator[Any]:
    """Every item of a paginated GraphQL list (``<field>(limit:, offset:) { items total_count }``).

    ``document`` takes ``$limit`` and ``$offset``; pages are fetched one after another until
    ``total_count`` items were seen or a page comes back short, so no empty page is fetched and
    nothing is silently capped.
    """
    if page_size < 1:
        raise UsageError(f"page_size must be at least 1, not {page_size!r}")
    offset = 0
    while True:
        data = await run_query(document, {**(variables or {}), "limit": page_size, "offset": offset}, **options)
        page = data.get(field) if isinstance(data, dict) else None
        if not (isinstance(page, dict) and isinstance(page.get("items"), list)):
            raise GraphQLError(f"the answer has no {field}.items list", status=200, data=data)
        items: list[Any] = page["items"]
        for item in items:
            yield item
        offset += len(items)
        total = page.get("total_count")
        if len(items) < page_size or (isinstance(total, int) and offset >= total):
            return
