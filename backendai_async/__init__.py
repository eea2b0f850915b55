"""backendai_async: an asyncio-native Python SDK for the Backend.AI REST API."""

from importlib import import_module
from typing import TYPE_CHECKING

from .abort import AbortController, AbortSignal
from .auth import Authenticator, HMACAuthenticator, PreparedRequest, SessionAuthenticator
from .client import Client
from .config import ClientConfig, __version__
from .errors import (
    AbortError,
    AuthenticationError,
    BackendAIError,
    BadRequestError,
    ClockSkewError,
    ConfigError,
    ConflictError,
    EndpointMismatchError,
    ErrorType,
    GraphQLError,
    GraphQLPermissionError,
    InsecureConnectionError,
    InternalServerError,
    InvalidArgumentTypeError,
    NegotiationRequiredError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestError,
    RequestTimeoutError,
    ResponseError,
    ServerError,
    SessionAlreadyExistsError,
    StreamDroppedError,
    StreamGaveUpError,
    UnknownError,
    UnsupportedFeatureError,
    UnsupportedOperationError,
    UsageError,
)
from .options import CallOptions
from .pagination import AsyncPaginator
from .resources.execution import RunResult
from .resources.login import LoginResult

if TYPE_CHECKING:  # what loads on first use, for type checkers; __all__ below says which names are public
    from .reconnect import *
    from .resources.transfer import *
    from .resources.upload_session import *
    from .resources.vfolders import *
    from .results import *
    from .streaming import *

# The names of __all__ imported on first use, so that ``import backendai_async`` stays cheap, with
# their modules; the result TypedDicts are not listed: every other such name is in results.py.
# A new result needs one line in __all__ and nothing else here.
_LAZY = {
    "EventStream": ".streaming",
    "ExecutionStream": ".streaming",
    "ServerSentEvent": ".streaming",
    "Terminal": ".streaming",
    "ReconnectPolicy": ".reconnect",
    "Reconnection": ".reconnect",
    "Download": ".resources.transfer",
    "Progress": ".resources.transfer",
    "UploadInterruptedError": ".resources.upload_session",
    "UploadSession": ".resources.upload_session",
    "VFolder": ".resources.vfolders",
}


def _load(name: str) -> object:
    """A name of ``__all__`` that is not imported yet: import its module, and keep the value."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: object = getattr(import_module(_LAZY.get(name, ".results"), __name__), name)
    globals()[name] = value
    return value


def _names() -> list[str]:
    """``dir()``: the names imported so far and those that load on first use."""
    return sorted({*globals(), *__all__})


if not TYPE_CHECKING:  # hidden from type checkers, so that they report a misspelt name
    __getattr__ = _load
    __dir__ = _names

__all__ = [
    "AbortController",
    "AbortError",
    "AbortSignal",
    "AllowedVFolderHosts",
    "AllowedVFolderHostsByScope",
    "Announcement",
    "AsyncPaginator",
    "AuthRole",
    "AuthTestResult",
    "AuthenticationError",
    "Authenticator",
    "BackendAIError",
    "BadRequestError",
    "CallOptions",
    "CheckPresetsResult",
    "Client",
    "ClientConfig",
    "ClockSkewError",
    "CommitStatus",
    "ConfigError",
    "ConflictError",
    "DependencyGraph",
    "DestroyResult",
    "DirectAccessInfo",
    "Dotfile",
    "Download",
    "EndpointMismatchError",
    "ErrorType",
    "EventStream",
    "ExecutionStream",
    "GraphQLError",
    "GraphQLPermissionError",
    "GraphQLResponse",
    "HMACAuthenticator",
    "IdleCheck",
    "InsecureConnectionError",
    "InternalServerError",
    "InvalidArgumentTypeError",
    "LoginAnswer",
    "LoginData",
    "LoginResult",
    "MessageResult",
    "MkdirItem",
    "MkdirResult",
    "MkdirResults",
    "NegotiationRequiredError",
    "NotFoundError",
    "NumberFormat",
    "PermissionDeniedError",
    "PreparedRequest",
    "ProblemDetails",
    "Progress",
    "RateLimitError",
    "ReconnectPolicy",
    "Reconnection",
    "RequestError",
    "RequestTimeoutError",
    "ResourcePresetItem",
    "ResourcePresetList",
    "ResourceSlotDetail",
    "ResponseError",
    "RunResult",
    "SSHKeypair",
    "SSHPublicKey",
    "ScalingGroupList",
    "ScalingGroupName",
    "ScalingGroupUsage",
    "ServerError",
    "ServerSentEvent",
    "ServerVersion",
    "ServicePort",
    "SessionAlreadyExistsError",
    "SessionAuthenticator",
    "SessionCreateResult",
    "SessionFileList",
    "SessionInfo",
    "SessionLogs",
    "SessionLogsResult",
    "SharedTo",
    "StreamDroppedError",
    "StreamGaveUpError",
    "Terminal",
    "TransferToken",
    "UnknownError",
    "UnsupportedFeatureError",
    "UnsupportedOperationError",
    "UploadInterruptedError",
    "UploadSession",
    "UsageBucket",
    "UsageError",
    "UsageValue",
    "VFolder",
    "VFolderFileEntry",
    "VFolderFileList",
    "VFolderHostPermissions",
    "VFolderHosts",
    "VFolderId",
    "VFolderInfo",
    "VFolderInvitation",
    "VFolderInvitationList",
    "VFolderInviteResult",
    "VFolderInvitee",
    "VFolderInviteeList",
    "VFolderItem",
    "VolumeInfo",
    "VolumeUsage",
    "WebserverProblem",
    "__version__",
]
