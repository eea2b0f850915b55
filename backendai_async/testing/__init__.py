"""Test helpers shipped with the SDK: a fake Backend.AI manager and webserver on loopback.

``FakeManager`` is a real ``aiohttp.web`` server; the pytest plugin in ``pytest_plugin`` adds a
``fake_manager`` fixture. Nothing in ``backendai_async`` imports this package. GraphQL documents are
executed with graphql-core (the ``testing`` extra), imported on the first GraphQL request.
"""

from ._directory import Directory
from .fake_admin import AdminState, FakeService
from .fake_graphql import REFUSAL, GraphQLCall, GraphQLFailure, GraphQLScript, pages
from .fake_manager import (
    DEFAULT_KEYPAIRS,
    DEFAULT_USERS,
    ComputeSession,
    FakeManager,
    Fault,
    GraphQLHandler,
    Keypair,
    RecordedRequest,
)
from .fake_vfolders import FakeFolder, TransferFault, VFolderService
from .generations import GENERATIONS, Generation

__all__ = [
    "DEFAULT_KEYPAIRS",
    "DEFAULT_USERS",
    "GENERATIONS",
    "REFUSAL",
    "AdminState",
    "ComputeSession",
    "Directory",
    "FakeFolder",
    "FakeManager",
    "FakeService",
    "Fault",
    "Generation",
    "GraphQLCall",
    "GraphQLFailure",
    "GraphQLHandler",
    "GraphQLScript",
    "Keypair",
    "RecordedRequest",
    "TransferFault",
    "VFolderService",
    "pages",
]
