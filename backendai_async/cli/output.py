"""What commands print: JSON with ``--json``, otherwise tables and ``key: value`` lines for people."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

__all__ = ["Output"]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class Output:
    """Results on ``stdout``; notes (what was done, progress) on ``stderr``."""

    def __init__(self, stdout: TextIO, stderr: TextIO, *, as_json: bool) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.as_json = as_json

    def json(self, value: Any) -> None:
        """One JSON document (one line: ``session events`` prints a stream of them)."""
        self.stdout.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
        self.stdout.flush()

    def result(self, value: Any, text: str) -> None:
        """``value`` as JSON with ``--json``, else ``text``."""
        if self.as_json:
            self.json(value)
        else:
            self.line(text)

    def line(self, text: str) -> None:
        """One line of text on stdout."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def table(self, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
        """The rows as JSON, or as aligned columns under a header."""
        if self.as_json:
            self.json(list(rows))
            return
        cells = [[column.upper() for column in columns]]
        cells += [[_cell(row.get(column)) for column in columns] for row in rows]
        widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
        for line in cells:
            self.stdout.write(
                "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() + "\n"
            )
        self.stdout.flush()

    def record(self, value: Mapping[str, Any]) -> None:
        """One object as JSON, or as ``key: value`` lines."""
        if self.as_json:
            self.json(dict(value))
            return
        width = max((len(key) for key in value), default=0)
        for key, item in value.items():
            self.stdout.write(f"{key.ljust(width)}  {_cell(item)}\n")
        self.stdout.flush()

    def note(self, text: str) -> None:
        """A line for people on stderr (never mixed into the JSON on stdout)."""
        self.stderr.write(text + "\n")
        self.stderr.flush()
