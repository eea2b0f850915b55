"""``AbortController`` / ``AbortSignal``: the JavaScript-style explicit abort of a call.

Aborting makes every call that was given the signal fail with ``AbortError`` (ERR_ABORT) and
release its connection. Call ``abort()`` from the event loop's thread (from another thread, use
``loop.call_soon_threadsafe(controller.abort)``).
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["AbortController", "AbortSignal"]


class AbortSignal:
    """Tells whether, and why, a controller aborted; runs callbacks once when it does."""

    __slots__ = ("_aborted", "_callbacks", "_reason")

    def __init__(self) -> None:
        self._aborted = False
        self._reason: object = None
        self._callbacks: dict[int, Callable[[], None]] = {}

    @property
    def aborted(self) -> bool:
        """Whether the controller has aborted."""
        return self._aborted

    @property
    def reason(self) -> object:
        """What was passed to ``abort()`` (None if nothing was)."""
        return self._reason

    def add_callback(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` on abort (at once if already aborted); returns the remover."""
        if self._aborted:
            callback()
            return _noop
        key = id(callback)
        self._callbacks[key] = callback
        return lambda: self._callbacks.pop(key, None) and None

    def _abort(self, reason: object) -> None:
        if self._aborted:
            return
        self._aborted = True
        self._reason = reason
        callbacks, self._callbacks = list(self._callbacks.values()), {}
        for callback in callbacks:
            callback()

    def __repr__(self) -> str:
        return f"AbortSignal(aborted={self._aborted})"


class AbortController:
    """Owns one ``AbortSignal``; ``abort()`` fires it (idempotent)."""

    __slots__ = ("signal",)

    def __init__(self) -> None:
        self.signal = AbortSignal()

    def abort(self, reason: object = None) -> None:
        """Abort every call given this controller's signal; ``reason`` is kept on the signal."""
        self.signal._abort(reason)

    def __repr__(self) -> str:
        return f"AbortController(aborted={self.signal.aborted})"


def _noop() -> None:
    return None
