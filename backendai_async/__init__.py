"""backendai_async: an asyncio-native Python SDK for the Backend.AI REST API."""

from .abort import AbortController, AbortSignal
from .auth import Authenticator, HMACAuthenticator, PreparedRequest, SessionAuthenticator
from .client import Client
from .config import ClientConfig, __version__
from .errors import (
    AbortError,
    AuthenticationError,
    BackendAIError,
    BadRequestError,
    ConfigError,
    ConflictError,
    ErrorType,
    GraphQLError,
    GraphQLPermissionError,
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
    UnknownError,
    UnsupportedFeatureError,
    UnsupportedOperationError,
    UsageError,
)
from .options import CallOptions
from .pagination import AsyncPaginator
from .resources.execution import RunResult
from .resources.login import LoginResult
from .resources.transfer import Download, Progress
from .resources.vfolders import VFolder
from .streaming import EventStream, ExecutionStream, ServerSentEvent, Terminal

__all__ = [
    "AbortController",
    "AbortError",
    "AbortSignal",
    "AsyncPaginator",
    "AuthenticationError",
    "Authenticator",
    "BackendAIError",
    "BadRequestError",
    "CallOptions",
    "Client",
    "ClientConfig",
    "ConfigError",
    "ConflictError",
    "Download",
    "ErrorType",
    "EventStream",
    "ExecutionStream",
    "GraphQLError",
    "GraphQLPermissionError",
    "HMACAuthenticator",
    "InternalServerError",
    "InvalidArgumentTypeError",
    "LoginResult",
    "NegotiationRequiredError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreparedRequest",
    "Progress",
    "RateLimitError",
    "RequestError",
    "RequestTimeoutError",
    "ResponseError",
    "RunResult",
    "ServerError",
    "ServerSentEvent",
    "SessionAlreadyExistsError",
    "SessionAuthenticator",
    "Terminal",
    "UnknownError",
    "UnsupportedFeatureError",
    "UnsupportedOperationError",
    "UsageError",
    "VFolder",
    "__version__",
]
