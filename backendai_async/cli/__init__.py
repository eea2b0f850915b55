"""The ``backendai-async`` command line (``python -m backendai_async``): argparse only, never
imported by ``import backendai_async``."""

from .main import main

__all__ = ["main"]
