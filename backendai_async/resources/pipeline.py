"""What resources share about the pipeline: its type, path segments checked, features asked."""

from __future__ import annotations

from ..errors import NegotiationRequiredError, UsageError
from ..transport import Transport as Pipeline
from ..versions import feature_enabled

__all__ = ["Pipeline", "segment", "supports"]


def segment(name: str) -> str:
    """``name`` checked for use as one path segment (a session or folder name, an id)."""
    if not name or "/" in name or name in (".", ".."):
        raise UsageError(f"not a valid name for a path segment: {name!r}")
    return name


def supports(pipeline: Pipeline, feature: str) -> bool:
    """Whether the negotiated server has ``feature`` (see ``versions.FEATURES``)."""
    if pipeline.api_version is None:
        raise NegotiationRequiredError("the API version is not known yet: negotiate first")
    manager = pipeline.server_info.manager_version if pipeline.server_info else None
    return feature_enabled(feature, pipeline.api_version, manager)
