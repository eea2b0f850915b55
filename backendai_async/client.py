"""``Client``: lifecycle, version negotiation, and the JavaScript client's top-level methods."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import aiohttp

from .abort import AbortController
from .auth import Authenticator, HMACAuthenticator, SessionAuthenticator
from .config import ClientConfig, __version__
from .errors import ConfigError, ErrorType
from .resources.account import AccountMethods
from .resources.execution import ExecutionMethods
from .resources.graphql import GraphQLMethods
from .resources.login import LoginMethods
from .resources.pipeline import supports
from .resources.session_files import SessionFileMethods
from .resources.sessions import SessionMethods
from .resources.streams import StreamMethods
from .transport import Params, Transport
from .utils import Utils
from .versions import ApiVersion, manager_version_key

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .options import CallOptions

if TYPE_CHECKING:
    from .resources.agents import Agent, AgentSummary, StorageProxy
    from .resources.compute_session import ComputeSessions
    from .resources.images import ContainerImage
    from .resources.keypairs import Keypair, ProjectResourcePolicy, ResourcePolicy, UserResourcePolicy
    from .resources.maintenance import Maintenance, Resources
    from .resources.model_services import ModelService
    from .resources.plugins import Cloud, EduApp
    from .resources.resource_presets import ResourcePreset
    from .resources.scaling_groups import ScalingGroup
    from .resources.session_templates import SessionTemplate
    from .resources.settings import Enterprise, Registry, Service, Setting, UserConfig
    from .resources.users import Domain, Group, User
    from .resources.vfolders import VFolder

__all__ = ["Client"]

_R = TypeVar("_R")


class _SubObject(Generic[_R]):
    """A JS sub-object (``client.keypair``, …): its module is imported and the object built on
    first access, then kept on the client. Importing the package stays cheap."""

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name
        self._attr = ""

    def __set_name__(self, owner: type, attr: str) -> None:
        self._attr = attr

    @overload
    def __get__(self, client: None, owner: type) -> _SubObject[_R]: ...

    @overload
    def __get__(self, client: Client, owner: type) -> _R: ...

    def __get__(self, client: Client | None, owner: type) -> _SubObject[_R] | _R:
        if client is None:
            return self
        cls = getattr(importlib.import_module(self._module, __package__), self._name)
        value: _R = cls(client._pipeline)
        client.__dict__[self._attr] = value
        return value


class Client(
    SessionMethods,
    ExecutionMethods,
    SessionFileMethods,
    StreamMethods,
    LoginMethods,
    GraphQLMethods,
    AccountMethods,
):
    """An asyncio Backend.AI client; use it as ``async with Client(config) as client``.

    ``config`` defaults to ``ClientConfig.from_env()``. ``agent_signature`` is appended to the
    User-Agent. ``authenticator`` replaces the built-in one of the connection mode (HMAC signing in
    API mode, the webserver session in SESSION mode). ``http_session`` lends an
    ``aiohttp.ClientSession`` that the client uses but never closes; without it the client creates
    its own inside the running loop on first use and closes it in ``close()``.
    """

    ERR_SERVER = ErrorType.ERR_SERVER
    ERR_RESPONSE = ErrorType.ERR_RESPONSE
    ERR_REQUEST = ErrorType.ERR_REQUEST
    ERR_ABORT = ErrorType.ERR_ABORT
    ERR_TIMEOUT = ErrorType.ERR_TIMEOUT
    ERR_UNKNOWN = ErrorType.ERR_UNKNOWN

    # the JavaScript client's sub-objects
    resource_preset: _SubObject[ResourcePreset] = _SubObject(".resources.resource_presets", "ResourcePreset")
    agent: _SubObject[Agent] = _SubObject(".resources.agents", "Agent")
    agent_summary: _SubObject[AgentSummary] = _SubObject(".resources.agents", "AgentSummary")
    storage_proxy: _SubObject[StorageProxy] = _SubObject(".resources.agents", "StorageProxy")
    keypair: _SubObject[Keypair] = _SubObject(".resources.keypairs", "Keypair")
    resource_policy: _SubObject[ResourcePolicy] = _SubObject(".resources.keypairs", "ResourcePolicy")
    user_resource_policy: _SubObject[UserResourcePolicy] = _SubObject(".resources.keypairs", "UserResourcePolicy")
    project_resource_policy: _SubObject[ProjectResourcePolicy] = _SubObject(
        ".resources.keypairs", "ProjectResourcePolicy"
    )
    user: _SubObject[User] = _SubObject(".resources.users", "User")
    group: _SubObject[Group] = _SubObject(".resources.users", "Group")
    domain: _SubObject[Domain] = _SubObject(".resources.users", "Domain")
    image: _SubObject[ContainerImage] = _SubObject(".resources.images", "ContainerImage")
    resources: _SubObject[Resources] = _SubObject(".resources.maintenance", "Resources")
    maintenance: _SubObject[Maintenance] = _SubObject(".resources.maintenance", "Maintenance")
    scaling_group: _SubObject[ScalingGroup] = _SubObject(".resources.scaling_groups", "ScalingGroup")
    registry: _SubObject[Registry] = _SubObject(".resources.settings", "Registry")
    setting: _SubObject[Setting] = _SubObject(".resources.settings", "Setting")
    service: _SubObject[Service] = _SubObject(".resources.settings", "Service")
    user_config: _SubObject[UserConfig] = _SubObject(".resources.settings", "UserConfig")
    enterprise: _SubObject[Enterprise] = _SubObject(".resources.settings", "Enterprise")
    session_template: _SubObject[SessionTemplate] = _SubObject(".resources.session_templates", "SessionTemplate")
    model_service: _SubObject[ModelService] = _SubObject(".resources.model_services", "ModelService")
    cloud: _SubObject[Cloud] = _SubObject(".resources.plugins", "Cloud")
    edu_app: _SubObject[EduApp] = _SubObject(".resources.plugins", "EduApp")
    utils = Utils()  # stateless local helpers
    vfolder: _SubObject[VFolder] = _SubObject(".resources.vfolders", "VFolder")
    compute_session: _SubObject[ComputeSessions] = _SubObject(".resources.compute_session", "ComputeSessions")

    def __init__(
        self,
        config: ClientConfig | None = None,
        agent_signature: str | None = None,
        *,
        authenticator: Authenticator | None = None,
        http_session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.config = config if config is not None else ClientConfig.from_env()
        if authenticator is None:
            authenticator = _default_authenticator(self.config)
        user_agent = f"backendai-async/{__version__}" + (f"; {agent_signature}" if agent_signature else "")
        self._closer = AbortController()
        self._pipeline: Transport = Transport(
            self.config,
            authenticator,
            closing=self._closer.signal,
            http_session=http_session,
            user_agent=user_agent,
        )
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"Client(endpoint={self.config.endpoint!r}, mode={self.config.connection_mode}, "
            f"api_version={self.api_version!r})"
        )

    # ---- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Abort the calls in flight (they raise ``AbortError``) and close what the client owns."""
        if self._closed:
            return
        self._closed = True
        self._closer.abort("the client was closed")
        await self._pipeline.close()

    @property
    def http_session(self) -> aiohttp.ClientSession:
        """The ``aiohttp.ClientSession`` in use (the borrowed one, or the client's own)."""
        return self._pipeline.http_session

    @property
    def authenticator(self) -> Authenticator:
        return self._pipeline.authenticator

    # ---- versions --------------------------------------------------------------------------

    @property
    def api_version(self) -> str | None:
        """The API version sent in ``X-BackendAI-Version`` (None before negotiation)."""
        return self._pipeline.api_version

    @property
    def api_version_major(self) -> int | None:
        version = self._pipeline.api_version
        return ApiVersion.parse(version).major if version else None

    @property
    def manager_version(self) -> str | None:
        """The manager release the server reported (None before ``get_manager_version()``)."""
        info = self._pipeline.server_info
        return info.manager_version if info else None

    async def get_server_version(self, **options: Unpack[CallOptions]) -> dict[str, str | None]:
        """``GET /``: ``{"version": <advertised API version>, "manager": <release or None>}``."""
        info = await self._pipeline.probe(**options)
        return {"version": info.api_version, "manager": info.manager_version}

    async def get_manager_version(self, **options: Unpack[CallOptions]) -> str | None:
        """Negotiate (once) and return the manager release, e.g. ``"26.9.6"``."""
        if self._pipeline.server_info is None:
            await self._pipeline.probe(**options)
        await self._pipeline.negotiate(**options)
        return self.manager_version

    def supports(self, feature: str) -> bool:
        """Whether the negotiated server has ``feature`` (names of ``versions.FEATURES``).

        Raises ``RuntimeError`` before negotiation and ``KeyError`` for an unknown name.
        """
        return supports(self._pipeline, feature)

    def is_api_version_compatible_with(self, version: str) -> bool:
        """Whether the negotiated API version is ``version`` or newer."""
        if self.api_version is None:
            raise RuntimeError("the API version is not known yet: call get_manager_version() first")
        return ApiVersion.parse(version) <= ApiVersion.parse(self.api_version)

    def is_manager_version_compatible_with(self, version: str) -> bool:
        """Whether the manager is ``version`` or newer (PEP 440 order: ``24.03.0rc1 < 24.03.0``)."""
        if self.manager_version is None:
            raise RuntimeError("the manager version is not known: call get_manager_version() first")
        return manager_version_key(version) <= manager_version_key(self.manager_version)

    # ---- the escape hatch ------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Call any endpoint through the same pipeline (negotiation, routing, signing, errors).

        ``path`` is the manager path (``/func`` is added in SESSION mode), unencoded; the parsed
        body is returned (JSON, text, or bytes by Content-Type; None when empty).
        """
        return await self._pipeline.send(method.upper(), path, params=params, json=json, headers=headers, **options)


def _default_authenticator(config: ClientConfig) -> Authenticator:
    if config.connection_mode == "SESSION":
        return SessionAuthenticator()
    if not config.access_key or not config.secret_key:  # ClientConfig already checks this
        raise ConfigError("API mode needs access_key and secret_key")
    return HMACAuthenticator(config.access_key, config.secret_key, config.hash_type)
