"""An unfinished upload that a later call, or another process, can resume: ``UploadSession``,
its state file, and ``UploadInterruptedError`` that hands it over when an upload gives up."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from yarl import URL

from ..errors import RequestError, UsageError

__all__ = ["SESSION_GONE", "UploadInterruptedError", "UploadSession"]

_KIND = "backendai_async.upload-session"

#: tus HEAD/PATCH statuses of a session the storage proxy no longer knows. Measured on 26.9.6:
#: 404 ``tus-session-not-found`` once its offset expired (24 h after the last PATCH), its staging
#: file is gone, or it completed; 400 ``invalid-api-params`` once the token expired
#: (``session-expire``, a day by default). 410 is tus's own word for an expired upload.
SESSION_GONE = frozenset({400, 404, 410})


class UploadSession:
    """An upload session on the storage proxy: ``client.vfolder.upload(..., resume=session)``
    continues it from the bytes the server has.

    ``path`` and ``folder`` name the destination, ``size`` the total in bytes, ``offset`` the
    bytes the server had when last asked. ``source`` is the local file (absolute path) and
    ``modified`` its modification time in nanoseconds when it started, None for bytes and async
    iterables. The tus URL holds the upload token, a credential: it is never shown; ``save()``
    writes it to a file only its owner can read.
    """

    __slots__ = ("folder", "modified", "offset", "path", "size", "source", "url")

    def __init__(
        self,
        url: URL,
        *,
        path: str,
        folder: str | None,
        size: int,
        offset: int = 0,
        source: str | None = None,
        modified: int | None = None,
    ) -> None:
        self.url = url
        self.path = path
        self.folder = folder
        self.size = size
        self.offset = offset
        self.source = source
        self.modified = modified

    def __repr__(self) -> str:
        return f"UploadSession(path={self.path!r}, folder={self.folder!r}, offset={self.offset}, size={self.size})"

    def check_continues(
        self, path: str, folder: str | None, size: int, source: str | None, modified: int | None
    ) -> None:
        """Raise ``UsageError`` unless this session uploads the same bytes to the same place:
        destination and size, and the same unmodified local file when it recorded one."""
        if (self.path, self.folder, self.size) != (path, folder, size):
            raise UsageError(
                f"the upload session is for {self.path!r} in {self.folder!r} ({self.size} bytes), "
                f"not {path!r} in {folder!r} ({size} bytes)"
            )
        if self.source is not None and self.source != source:
            raise UsageError(f"the upload session is for the local file {self.source}, not {source or 'this data'}")
        if self.modified is not None and self.modified != modified:
            raise UsageError(
                f"{self.source} was modified after its upload started: delete the state file to upload it again"
            )

    def save(self, file: str | os.PathLike[str]) -> None:
        """Write the session to ``file`` (JSON, mode 0600, replaced atomically)."""
        target = Path(file)
        temporary = target.with_name(target.name + ".tmp")
        state = {
            "kind": _KIND,
            "url": str(self.url),
            "path": self.path,
            "folder": self.folder,
            "size": self.size,
            "source": self.source,
            "modified": self.modified,
        }
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as out:
            json.dump(state, out)
        os.replace(temporary, target)

    @classmethod
    def load(cls, file: str | os.PathLike[str]) -> UploadSession:
        """The session ``save()`` wrote to ``file``."""
        try:
            state: Any = json.loads(Path(file).read_text(encoding="utf-8"))
        except ValueError:
            state = None
        fields = state if isinstance(state, dict) else {}
        url, path, folder, size, source, modified = (
            fields.get(key) for key in ("url", "path", "folder", "size", "source", "modified")
        )
        if not (
            fields.get("kind") == _KIND
            and isinstance(url, str)
            and isinstance(path, str)
            and (folder is None or isinstance(folder, str))
            and isinstance(size, int)
            and (source is None or isinstance(source, str))
            and (modified is None or isinstance(modified, int))
        ):
            raise UsageError(f"{os.fspath(file)} is not an upload state file")
        return cls(URL(url), path=path, folder=folder, size=size, source=source, modified=modified)


class UploadInterruptedError(RequestError):
    """An upload gave up: the storage proxy stayed unreachable, or kept failing, for longer than
    the outage window. ``session`` resumes it later (``upload(..., resume=exc.session)``); the
    last failure is the ``__cause__``."""

    def __init__(self, message: str, session: UploadSession, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.session = session
