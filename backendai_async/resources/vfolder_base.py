"""What every part of ``client.vfolder`` shares: the folder it acts on by default, and its paths."""

from __future__ import annotations

from yarl import URL

from ..errors import UsageError
from .base import Resource
from .pipeline import Pipeline, segment

__all__ = ["VFolderResource"]


class VFolderResource(Resource):
    """A part of ``client.vfolder``. Methods take the folder ``name`` last, as in JS; it defaults
    to the object's own ``name`` (None on ``client.vfolder``, so pass it)."""

    def __init__(self, pipeline: Pipeline, name: str | None = None) -> None:
        super().__init__(pipeline)
        self.name = name

    def __repr__(self) -> str:
        return f"VFolder(name={self.name!r})"

    def _folder(self, name: str | None) -> str:
        """``/folders/<name>`` for ``name`` or the object's own name."""
        chosen = name if name is not None else self.name
        if chosen is None:
            raise UsageError("which vfolder? pass its name (client.vfolder has none of its own)")
        return f"/folders/{segment(chosen)}"

    def _endpoint_url(self, path: str) -> URL:
        """An absolute URL on the endpoint for a manager path (``/func`` in SESSION mode)."""
        base = self._pipeline.endpoint_url
        return base.with_path(base.path.rstrip("/") + self._pipeline.authenticator.route(path))
