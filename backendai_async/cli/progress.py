"""Transfer progress on stderr: a redrawn bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["TransferProgress", "human_bytes"]

_REDRAW = 0.1  #: seconds between two redraws of the bar
_LINE_STEP = 10  #: percent between two plain lines


def human_bytes(count: float) -> str:
    """``1536`` → ``1.5 KiB``."""
    if abs(count) < 1024:
        return f"{count:.0f} B"
    for unit in ("KiB", "MiB", "GiB"):
        count /= 1024
        if abs(count) < 1024:
            return f"{count:.1f} {unit}"
    return f"{count / 1024:.1f} TiB"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError):
        return 80


class TransferProgress:
    """The SDK's progress callback ``(path, done, total)``: a bar with percentage, rate and ETA when
    ``stream`` is a terminal, otherwise a line at each 10 % (and at the end)."""

    def __init__(self, stream: TextIO, verb: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._verb = verb
        self._clock = clock
        self._tty = stream.isatty()
        self._start: float | None = None
        self._first = 0  # bytes done at the first call (a resumed download starts above 0)
        self._drawn = 0.0
        self._next_line = 0
        self._done = 0
        self._total: int | None = None
        self._label = ""

    def __call__(self, path: str, done: int, total: int | None) -> None:
        now = self._clock()
        if self._start is None:
            self._start, self._first = now, done
        self._label, self._done, self._total = path, done, total
        if self._tty:
            if now - self._drawn >= _REDRAW or (total is not None and done >= total):
                self._drawn = now
                self._draw(now)
        else:
            percent = self._percent()
            if percent is not None and percent >= self._next_line:
                self._next_line = (int(percent) // _LINE_STEP + 1) * _LINE_STEP
                self._line(now)

    def finish(self) -> None:
        """End the bar's line (after success or failure)."""
        if self._start is None:
            return
        now = self._clock()
        if self._tty:
            self._draw(now)
            self._stream.write("\n")
        elif self._percent() is None:
            self._line(now)
        self._stream.flush()

    def _percent(self) -> float | None:
        if not self._total:
            return 100.0 if self._total == 0 else None
        return min(100.0, 100.0 * self._done / self._total)

    def _rate(self, now: float) -> float | None:
        elapsed = now - (self._start or now)
        return (self._done - self._first) / elapsed if elapsed > 0 else None

    def _figures(self, now: float) -> str:
        rate = self._rate(now)
        size = human_bytes(self._done) + (f"/{human_bytes(self._total)}" if self._total is not None else "")
        speed = f"{human_bytes(rate)}/s" if rate is not None else "-/s"
        if rate and self._total is not None:
            eta = "ETA " + _duration(max(0, self._total - self._done) / rate)
        else:
            eta = "ETA -:--"
        return f"{size} {speed} {eta}"

    def _line(self, now: float) -> None:
        percent = self._percent()
        shown = f"{percent:3.0f}% " if percent is not None else ""
        self._stream.write(f"{self._verb} {self._label}: {shown}{self._figures(now)}\n")
        self._stream.flush()

    def _draw(self, now: float) -> None:
        percent = self._percent()
        figures = self._figures(now)
        width = _columns(self._stream)
        label = self._label if len(self._label) <= 24 else "…" + self._label[-23:]
        head = f"{self._verb} {label} " + (f"{percent:3.0f}% " if percent is not None else "")
        room = width - len(head) - len(figures) - 4
        bar = ""
        if room >= 10:
            filled = int(room * (percent or 0) / 100)
            bar = "|" + "#" * filled + " " * (room - filled) + "| "
        self._stream.write("\r" + head + bar + figures + "\x1b[K")
        self._stream.flush()
