"""``AsyncPaginator``: what every list method returns.

``await client.keypair.list()`` gives every item as a ``list``; ``async for kp in
client.keypair.list()`` fetches page after page as the loop goes. Nothing is sent before one of
the two, so a list that is neither awaited nor iterated costs no I/O and leaves no warning.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any, Generic, ParamSpec, TypeVar

__all__ = ["AsyncPaginator", "paginated"]

_T = TypeVar("_T")
_P = ParamSpec("_P")


class AsyncPaginator(Generic[_T]):
    """The items of a list call: awaitable (a ``list``) and async-iterable (pages fetched lazily).

    Each ``await`` or ``async for`` runs the call anew from the first page.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Callable[[], AsyncIterator[_T]]) -> None:
        self._items = items

    def __aiter__(self) -> AsyncIterator[_T]:
        return self._items()

    def __await__(self) -> Generator[Any, None, list[_T]]:
        return self._collect().__await__()

    async def _collect(self) -> list[_T]:
        return [item async for item in self._items()]

    def __repr__(self) -> str:
        return "<AsyncPaginator>"


def paginated(method: Callable[_P, AsyncIterator[_T]]) -> Callable[_P, AsyncPaginator[_T]]:
    """Make an async-generator method return an ``AsyncPaginator`` (its docstring and signature kept)."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> AsyncPaginator[_T]:
        return AsyncPaginator(lambda: method(*args, **kwargs))

    signature = inspect.signature(method)  # for help(): what the call returns now
    returns = str(signature.return_annotation).replace("AsyncIterator[", "AsyncPaginator[", 1)
    wrapper.__signature__ = signature.replace(return_annotation=returns)  # type: ignore[attr-defined]
    return wrapper
