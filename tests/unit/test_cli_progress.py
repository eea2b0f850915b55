"""The transfer progress of the CLI, driven with a controlled clock: a bar on a real pty, lines elsewhere."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import termios
from collections.abc import Iterator

import pytest

from backendai_async.cli.progress import TransferProgress, human_bytes

MiB = 1 << 20


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def terminal() -> Iterator[tuple[io.TextIOWrapper, int]]:
    """A pty 80 columns wide: the writable end as a text stream, and the reading end."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.ONLCR  # keep "\n" as written
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    stream = io.TextIOWrapper(os.fdopen(slave, "wb"), encoding="utf-8")
    try:
        yield stream, master
    finally:
        stream.close()
        os.close(master)


def _drain(master: int) -> str:
    """What was written to the terminal so far (the writes have returned: it is all there)."""
    data = b""
    while select.select([master], [], [], 0)[0]:
        data += os.read(master, 65536)
    return data.decode()


def test_human_bytes() -> None:
    assert [human_bytes(n) for n in (0, 1023, 1536, 5 * MiB, 3 << 30, 5 << 40)] == [
        "0 B",
        "1023 B",
        "1.5 KiB",
        "5.0 MiB",
        "3.0 GiB",
        "5.0 TiB",
    ]


def test_on_a_terminal_the_bar_is_redrawn_with_percentage_rate_and_eta(
    terminal: tuple[io.TextIOWrapper, int],
) -> None:
    stream, master = terminal
    clock = Clock()
    progress = TransferProgress(stream, "download", clock=clock)
    progress("big.bin", 0, 100 * MiB)
    clock.now += 2
    progress("big.bin", 20 * MiB, 100 * MiB)  # 10 MiB/s: 8 s to go
    clock.now += 0.01
    progress("big.bin", 21 * MiB, 100 * MiB)  # too soon to redraw
    clock.now += 2
    progress("big.bin", 100 * MiB, 100 * MiB)  # the end is always drawn
    progress.finish()
    screen = _drain(master)
    frames = screen.split("\r")[1:]
    assert len(frames) == 4  # start, 20 %, 100 %, and finish's final draw
    assert frames[1] == "download big.bin  20% |###" + " " * 13 + "| 20.0 MiB/100.0 MiB 10.0 MiB/s ETA 0:08\x1b[K"
    assert frames[3].startswith("download big.bin 100% |" + "#" * 15 + "| 100.0 MiB/100.0 MiB ")
    assert frames[3].endswith(" ETA 0:00\x1b[K\n")
    assert all(len(frame.removesuffix("\x1b[K\n").removesuffix("\x1b[K")) < 80 for frame in frames)


def test_a_resumed_download_counts_its_rate_from_where_it_resumed(terminal: tuple[io.TextIOWrapper, int]) -> None:
    stream, master = terminal
    clock = Clock()
    progress = TransferProgress(stream, "download", clock=clock)
    progress("f", 50 * MiB, 100 * MiB)
    clock.now += 5
    progress("f", 60 * MiB, 100 * MiB)
    assert _drain(master).split("\r")[-1].endswith(" 2.0 MiB/s ETA 0:20\x1b[K")


def test_off_a_terminal_one_line_per_ten_percent() -> None:
    stream = io.StringIO()
    clock = Clock()
    progress = TransferProgress(stream, "upload", clock=clock)
    for done in range(0, 101, 5):
        progress("f.bin", done * MiB, 100 * MiB)
        clock.now += 1
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert [line.split()[2] for line in lines] == [f"{p}%" for p in range(0, 101, 10)]
    assert lines[5] == "upload f.bin:  50% 50.0 MiB/100.0 MiB 5.0 MiB/s ETA 0:10"


def test_an_unknown_size_shows_bytes_and_rate() -> None:
    stream = io.StringIO()
    clock = Clock()
    progress = TransferProgress(stream, "download", clock=clock)
    progress("stream", 0, None)
    clock.now += 2
    progress("stream", 4 * MiB, None)
    progress.finish()
    assert stream.getvalue() == "download stream: 4.0 MiB 2.0 MiB/s ETA -:--\n"
