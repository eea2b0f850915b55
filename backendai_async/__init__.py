"""backendai_async: an asyncio-native Python SDK for the Backend.AI REST API."""

import importlib
from typing import TYPE_CHECKING, Any

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
from .reconnect import Reconnection, ReconnectPolicy
from .resources.execution import RunResult
from .resources.login import LoginResult
from .results import (
    AuthRole,
    AuthTestResult,
    CheckPresetsResult,
    DependencyGraph,
    DestroyResult,
    DirectAccessInfo,
    GraphQLResponse,
    IdleCheck,
    LoginAnswer,
    LoginData,
    MessageResult,
    MkdirItem,
    MkdirResult,
    MkdirResults,
    NumberFormat,
    ProblemDetails,
    ResourcePresetItem,
    ResourcePresetList,
    ResourceSlotDetail,
    ScalingGroupList,
    ScalingGroupName,
    ScalingGroupUsage,
    ServerVersion,
    ServicePort,
    SessionCreateResult,
    SessionFileList,
    SessionInfo,
    SessionLogs,
    SessionLogsResult,
    TransferToken,
    VFolderFileEntry,
    VFolderFileList,
    VFolderHosts,
    VFolderId,
    VFolderInfo,
    VFolderItem,
    VolumeInfo,
    VolumeUsage,
    WebserverProblem,
)
from .streaming import EventStream, ExecutionStream, ServerSentEvent, Terminal

if TYPE_CHECKING:
    from .resources.transfer import Download, Progress
    from .resources.upload_session import UploadInterruptedError, UploadSession
    from .resources.vfolders import VFolder

# imported on first use: ``import backendai_async`` stays cheap (``client.vfolder`` loads them too)
_LAZY = {
    "Download": ".resources.transfer",
    "Progress": ".resources.transfer",
    "UploadInterruptedError": ".resources.upload_session",
    "UploadSession": ".resources.upload_session",
    "VFolder": ".resources.vfolders",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "AbortController",
    "AbortError",
    "AbortSignal",
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
    "ConfigError",
    "ConflictError",
    "DependencyGraph",
    "DestroyResult",
    "DirectAccessInfo",
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
    "StreamDroppedError",
    "StreamGaveUpError",
    "Terminal",
    "TransferToken",
    "UnknownError",
    "UnsupportedFeatureError",
    "UnsupportedOperationError",
    "UploadInterruptedError",
    "UploadSession",
    "UsageError",
    "VFolder",
    "VFolderFileEntry",
    "VFolderFileList",
    "VFolderHosts",
    "VFolderId",
    "VFolderInfo",
    "VFolderItem",
    "VolumeInfo",
    "VolumeUsage",
    "WebserverProblem",
    "__version__",
]
