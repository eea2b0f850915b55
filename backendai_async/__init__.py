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
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestError,
    RequestTimeoutError,
    ResponseError,
    ServerError,
    UnknownError,
)
from .resources.login import LoginResult
from .resources.transfer import Download, Progress
from .resources.vfolders import VFolder

__all__ = [
    "AbortController",
    "AbortError",
    "AbortSignal",
    "AuthenticationError",
    "Authenticator",
    "BackendAIError",
    "BadRequestError",
    "Client",
    "ClientConfig",
    "ConfigError",
    "ConflictError",
    "Download",
    "ErrorType",
    "GraphQLError",
    "GraphQLPermissionError",
    "HMACAuthenticator",
    "InternalServerError",
    "LoginResult",
    "NotFoundError",
    "PermissionDeniedError",
    "PreparedRequest",
    "Progress",
    "RateLimitError",
    "RequestError",
    "RequestTimeoutError",
    "ResponseError",
    "ServerError",
    "SessionAuthenticator",
    "UnknownError",
    "VFolder",
    "__version__",
]
