"""What every JS sub-object shares: GraphQL documents built from a declaration, paging, REST calls.

A resource declares a request as data: the root field, its arguments (name -> GraphQL type and
value; ``None`` values are left out of the document), and the field list to select. ``document()``
turns that into one deterministic text, so tests (and the FakeManager) can compare it exactly.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from ..errors import GraphQLError, ResponseError, UnsupportedFeatureError
from ..versions import GRAPHQL_GATES, unsupported
from .graphql import DEFAULT_PAGE_SIZE, graphql_error, paginate, run_query
from .pipeline import Pipeline, supports

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["DEFAULT_PAGE_SIZE", "PAGE_ARGS", "Args", "MutationResult", "Resource", "document", "listed", "selection"]

#: argument name -> (GraphQL type, value); a ``None`` value leaves the argument out
Args = Mapping[str, tuple[str, Any]]
#: the arguments of a paginated list (``paginate`` fills in the values)
PAGE_ARGS: Args = {"limit": ("Int!", 0), "offset": ("Int!", 0)}


class MutationResult(TypedDict, total=False):
    """What a mutation answers: ``ok``, ``msg`` and, for some, the object it made."""

    ok: bool
    msg: str


def selection(fields: Iterable[str]) -> str:
    """A selection set body from a field list (entries like ``groups { id name }`` allowed)."""
    return " ".join(fields)


def document(root: str, args: Args, body: str | None, *, mutation: bool = False) -> tuple[str, dict[str, Any]]:
    """``(text, variables)`` for ``root(args) { body }``: one variable per given argument.

    >>> document("keypair", {"access_key": ("String!", "AK")}, "access_key")[0]
    'query($access_key: String!) { keypair(access_key: $access_key) { access_key } }'
    """
    given = {name: spec for name, spec in args.items() if spec[1] is not None}
    declared = ", ".join(f"${name}: {kind}" for name, (kind, _) in given.items())
    passed = ", ".join(f"{name}: ${name}" for name in given)
    head = ("mutation" if mutation else "query") + (f"({declared})" if declared else "")
    call = root + (f"({passed})" if passed else "")
    inner = f" {{ {body} }}" if body else ""
    return f"{head} {{ {call}{inner} }}", {name: value for name, (_, value) in given.items()}


class Resource:
    """A JavaScript sub-object (``client.keypair``, ``client.user``, …) or a part of one: it only
    describes requests, sent through the ``pipeline`` it is built with."""

    #: the GraphQL type ``_select`` selects from: its fields gated in ``versions.GRAPHQL_GATES`` are left
    #: out on servers without them
    gql_type: ClassVar[str | None] = None

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        #: the pipeline's ``send`` itself: a call costs no wrapper frame
        self._send = pipeline.send

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    async def _supports(self, feature: str, **options: Unpack[CallOptions]) -> bool:
        await self._pipeline.negotiate(**options)
        return supports(self._pipeline, feature)

    def _has(self, feature: str) -> bool:
        """Whether the server, already negotiated, has ``feature``."""
        return supports(self._pipeline, feature)

    def _unsupported(self, feature: str, what: str) -> UnsupportedFeatureError:
        """The error for ``what``, which needs ``feature`` that the negotiated server lacks."""
        info = self._pipeline.server_info
        return unsupported(feature, self._pipeline.api_version, info.manager_version if info else None, what)

    async def _select(self, fields: Iterable[str], **options: Unpack[CallOptions]) -> str:
        """The selection for ``fields`` of ``gql_type``, without those the negotiated server lacks."""
        await self._pipeline.negotiate(**options)
        return selection(f for f in fields if self._has_element(f"{self.gql_type}.{f.split('{')[0].strip()}"))

    def _has_element(self, coordinate: str) -> bool:
        """Whether the negotiated server's schema has ``coordinate`` (see ``versions.GRAPHQL_GATES``)."""
        feature = GRAPHQL_GATES.get(coordinate)
        return feature is None or supports(self._pipeline, feature)

    async def _require(self, coordinate: str, **options: Unpack[CallOptions]) -> None:
        """Refuse, before sending, a GraphQL element the server lacks: ``UnsupportedFeatureError``."""
        await self._pipeline.negotiate(**options)
        if not self._has_element(coordinate):
            raise self._unsupported(GRAPHQL_GATES[coordinate], coordinate)

    async def _require_root(self, kind: str, root: str, args: Args, **options: Unpack[CallOptions]) -> None:
        """Refuse a root field, or an argument given to it, that the server lacks."""
        await self._require(f"{kind}.{root}", **options)
        for name, (_, value) in args.items():
            if value is not None:
                await self._require(f"{kind}.{root}({name}:)", **options)

    async def _get(
        self,
        root: str,
        args: Args,
        body: str | None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Run the query ``root(args) { body }`` and return ``data[root]``."""
        await self._require_root("Query", root, args, **options)
        text, variables = document(root, args, body)
        return _field(await run_query(self._pipeline, text, variables, **options), root)

    async def _mutate(
        self,
        root: str,
        args: Args,
        body: str = "ok msg",
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Run the mutation; an answer with ``ok: false`` raises ``GraphQLError`` with its ``msg``
        (``GraphQLPermissionError`` for "no permission to execute …")."""
        await self._require_root("Mutation", root, args, **options)
        text, variables = document(root, args, body, mutation=True)
        data = await run_query(self._pipeline, text, variables, **options)
        result = _field(data, root)
        if isinstance(result, dict) and result.get("ok") is False:
            message = str(result.get("msg") or f"{root} failed")
            raise graphql_error([{"message": message, "path": [root]}], data, 200)
        return result  # type: ignore[no-any-return]

    async def _iterate(
        self,
        root: str,
        args: Args,
        body: str,
        page_size: int | None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[Any]:
        """Every item of ``root``: page after page when ``page_size`` is given, else the one list."""
        await self._require_root("Query", root, args, **options)
        if page_size is None:
            for item in await self._get(root, args, body, **options) or ():
                yield item
            return
        text, variables = document(root, {**PAGE_ARGS, **args}, f"items {{ {body} }} total_count")
        run = functools.partial(run_query, self._pipeline)
        async for item in paginate(run, text, root, variables, page_size=page_size, **options):
            yield item


def listed(answer: Any, what: str) -> list[Any]:
    """``answer`` if it is the list a REST list call expects, else ``ResponseError``."""
    if not isinstance(answer, list):
        raise ResponseError(f"{what} answered {type(answer).__name__}, not a list", status=200, data=answer)
    return answer


def _field(data: Any, root: str) -> Any:
    if not isinstance(data, dict) or root not in data:
        raise GraphQLError(f"the answer has no {root}", status=200, data=data)
    return data[root]
