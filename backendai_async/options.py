"""The per-call options every network method takes, defined once.

A method declares ``**options: Unpack[CallOptions]`` and hands them to the pipeline untouched, so
adding an option means adding it here and to the pipeline that reads it.
"""

from __future__ import annotations

from typing import TypedDict

from .abort import AbortSignal

__all__ = ["CallOptions"]


class CallOptions(TypedDict, total=False):
    """``timeout``: seconds for the whole call (None: the call's default; ``float('inf')``: none).
    ``signal``: an ``AbortSignal`` that aborts the call with ``AbortError``."""

    timeout: float | None
    signal: AbortSignal | None
