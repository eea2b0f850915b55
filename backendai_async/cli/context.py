"""What every command receives."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from .output import Output
from .settings import Settings

__all__ = ["Context"]


@dataclass(frozen=True)
class Context:
    """The parsed arguments, the settings they give, and where output goes."""

    args: argparse.Namespace
    settings: Settings
    out: Output
