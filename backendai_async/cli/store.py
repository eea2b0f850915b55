"""The stored login: the webserver session of ``login``, kept for later commands in a 0600 file."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["StoredSession", "forget", "load", "save", "store_path"]


@dataclass(frozen=True)
class StoredSession:
    """The webserver's session id (the ``AIOHTTP_SESSION`` value it also sends as
    ``X-BackendAI-SessionID``) for one endpoint."""

    endpoint: str
    user_id: str
    session_id: str

    def __repr__(self) -> str:
        return f"StoredSession(endpoint={self.endpoint!r}, user_id={self.user_id!r})"


def store_path(environ: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/backendai-async/session.json`` (``~/.config`` without the variable)."""
    base = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".config")
    return Path(base) / "backendai-async" / "session.json"


def load(path: Path) -> StoredSession | None:
    """The stored session, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads(path.read_text())
        return StoredSession(str(data["endpoint"]), str(data["user_id"]), str(data["session_id"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(path: Path, session: StoredSession) -> None:
    """Write the session to a file only its owner can read, created 0600 (never wider for a moment)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = json.dumps({"endpoint": session.endpoint, "user_id": session.user_id, "session_id": session.session_id})
    temporary = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    os.replace(temporary, path)


def forget(path: Path) -> bool:
    """Remove the stored session; whether there was one."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
