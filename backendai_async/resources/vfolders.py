"""``client.vfolder``: the JavaScript ``VFolder`` (virtual folders, ``/folders``) plus transfers.

Methods keep the JS names (snake_case) and positional order; where JS takes an optional trailing
``name`` it defaults to the object's ``name`` (None on ``client.vfolder``, so pass it). Paths and
bodies follow the negotiated server (gates in ``versions.FEATURES``): ``request-upload`` and the
storage proxy from ``storage-proxy`` (API v6.20200815), the manager's own tus and
``download_single`` before.

``VFolder`` is composed of one ``Resource`` part per job, each in its own module: the folders
(``vfolder_folders``), sharing and invitations (``vfolder_sharing``), files inside a folder
(``vfolder_files``), uploads (``vfolder_uploads``) and downloads (``vfolder_downloads``).
"""

from __future__ import annotations

from .vfolder_downloads import VFolderDownloads
from .vfolder_folders import VFolderFolders
from .vfolder_sharing import VFolderSharing
from .vfolder_uploads import DEFAULT_CONCURRENCY, VFolderUploads

__all__ = ["DEFAULT_CONCURRENCY", "VFolder"]


class VFolder(VFolderFolders, VFolderSharing, VFolderUploads, VFolderDownloads):
    """``client.vfolder``: virtual folders of the manager and their files. ``VFolder(pipeline, name)``
    acts on the folder ``name`` when a call leaves ``name`` out."""
