"""The SHA-256 of a file, read a piece at a time (transfers are compared by it)."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["sha256_of"]

_PIECE = 1024 * 1024


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for piece in iter(lambda: f.read(_PIECE), b""):
            digest.update(piece)
    return digest.hexdigest()
