"""Capped exponential backoff with jitter, as a pure function: the one wait of retried calls,
of transfers riding out a storage-proxy outage, and of event streams reconnecting."""

from __future__ import annotations

__all__ = ["backoff"]


def backoff(attempt: int, jitter: float, base: float, cap: float) -> float:
    """Seconds to wait after ``attempt`` (0-based) failed attempts: ``min(cap, base * 2**attempt)``
    scaled by ``jitter`` (in [0, 1)) into [0.5, 1) of that step, so that clients failing together
    spread out. Any ``attempt`` is safe (the exponent stops growing long after the cap)."""
    return min(cap, base * 2.0 ** min(attempt, 62)) * (0.5 + jitter / 2)
