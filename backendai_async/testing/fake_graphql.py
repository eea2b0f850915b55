"""A GraphQL role for the ``FakeManager``: answers only the exact documents and variables a test expects.

``GraphQLScript.install(fm)`` makes it the fake's ``graphql_handler``. Each ``expect()`` names one
document text, its variables and the answer (data, or a callable of the variables); an expectation may
be limited to some roles, and other callers get the manager's refusal. Anything else is answered as a
GraphQL error naming what arrived, so a test sees the mismatch. ``pages()`` serves a paginated list.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["REFUSAL", "GraphQLCall", "GraphQLFailure", "GraphQLScript", "pages"]

#: what the manager answers for a query beyond the caller's role
REFUSAL = "Forbidden operation. (superadmin privilege required)"
_PAGING = ("limit", "offset")

Answer = Any  # data, or a callable taking the variables and returning data


class _Role(Protocol):
    role: str


class _Installable(Protocol):
    """What ``install`` needs of a fake: its keypairs and its GraphQL hook (``FakeManager`` has both)."""

    @property
    def keypairs(self) -> Mapping[str, _Role]: ...

    graphql_handler: Callable[[str, Any, str], Any]


class GraphQLFailure(Exception):
    """Raised by a ``graphql_handler``: the fake answers these GraphQL errors (with ``data``)."""

    def __init__(self, message: str, *, data: Any = None, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors: list[dict[str, Any]] = errors if errors is not None else [{"message": message}]
        self.data = data


@dataclass(frozen=True)
class GraphQLCall:
    """One GraphQL request as the fake received it."""

    query: str
    variables: dict[str, Any]
    access_key: str


@dataclass
class _Expectation:
    query: str
    variables: dict[str, Any]
    answer: Answer
    roles: Collection[str] | None
    paged: bool


class GraphQLScript:
    """A ``graphql_handler`` answering the expected documents; ``calls`` records every request.

    ``role_of(access_key)`` gives the caller's role (``"superadmin"``, ``"admin"`` or ``"user"``).
    """

    def __init__(self, role_of: Callable[[str], str]) -> None:
        self.role_of = role_of
        self.calls: list[GraphQLCall] = []
        self._expected: list[_Expectation] = []

    @classmethod
    def install(cls, fm: _Installable) -> GraphQLScript:
        """A script that knows the roles of ``fm``'s keypairs, installed as its ``graphql_handler``."""
        script = cls(role_of=lambda access_key: fm.keypairs[access_key].role)
        fm.graphql_handler = script
        return script

    def expect(
        self,
        query: str,
        variables: dict[str, Any] | None,
        answer: Answer,
        *,
        roles: Collection[str] | None = None,
        paged: bool = False,
    ) -> None:
        """Answer ``query`` with exactly ``variables`` (``limit``/``offset`` aside when ``paged``)."""
        self._expected.append(_Expectation(query, dict(variables or {}), answer, roles, paged))

    def __call__(self, query: str, variables: Any, access_key: str) -> Any:
        given = dict(variables or {})
        self.calls.append(GraphQLCall(query, given, access_key))
        for expectation in self._expected:
            compared = {k: v for k, v in given.items() if k not in _PAGING} if expectation.paged else given
            if expectation.query != query or expectation.variables != compared:
                continue
            if expectation.paged and not all(isinstance(given.get(k), int) for k in _PAGING):
                raise GraphQLFailure("a paginated list needs integer limit and offset")
            if expectation.roles is not None and self.role_of(access_key) not in expectation.roles:
                raise GraphQLFailure(REFUSAL, data=dict.fromkeys(_roots(query)))
            answer = expectation.answer
            return answer(given) if callable(answer) else answer
        raise GraphQLFailure(f"unexpected GraphQL request: {query!r} with {given!r}")


def pages(root: str, items: Sequence[Any]) -> Callable[[dict[str, Any]], Any]:
    """An answer serving ``items`` as ``root(limit:, offset:) { items total_count }``."""

    def answer(variables: dict[str, Any]) -> Any:
        start, limit = variables["offset"], variables["limit"]
        return {root: {"items": list(items[start : start + limit]), "total_count": len(items)}}

    return answer


def _roots(query: str) -> list[str]:
    """The root field names of a one-level document like ``query(...) { a(...) { ... } }``."""
    body = query[query.index("{") + 1 :].strip()
    name = body.split("(", 1)[0].split("{", 1)[0].strip()
    return [name] if name else []
