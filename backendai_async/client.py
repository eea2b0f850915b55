"""``Client``: the sub-objects and the JavaScript client's top-level names; ``BaseClient`` under it:
lifecycle, version negotiation and the ``request`` escape hatch."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

import aiohttp

from .abort import AbortController
from .auth import Authenticator, HMACAuthenticator, SessionAuthenticator
from .config import ClientConfig, __version__
from .errors import ConfigError, ErrorType, NegotiationRequiredError
from .resources.account import Account
from .resources.base import Resource
from .resources.compute_session import ComputeSession
from .resources.maintenance import Resources
from .resources.pipeline import supports
from .resources.query import GraphQL
from .transport import Clock, Params, Transport
from .utils import Utils
from .versions import ApiVersion, manager_version_key

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .options import CallOptions
    from .resources.agents import Agent, AgentSummary, StorageProxy
    from .resources.images import ContainerImage
    from .resources.keypairs import Keypair, ProjectResourcePolicy, ResourcePolicy, UserResourcePolicy
    from .resources.maintenance import Maintenance
    from .resources.model_services import ModelService
    from .resources.plugins import Cloud, EduApp
    from .resources.resource_presets import ResourcePreset
    from .resources.scaling_groups import ScalingGroup
    from .resources.session_templates import SessionTemplate
    from .resources.settings import Enterprise, Registry, Service, Setting, UserConfig
    from .resources.users import Domain, Group, User
    from .resources.vfolders import VFolder
    from .results import ServerVersion

__all__ = ["BaseClient", "Client"]

_S = TypeVar("_S")
_P = ParamSpec("_P")
_R = TypeVar("_R")
_Part = TypeVar("_Part", bound=Resource)
_Self = TypeVar("_Self", bound="BaseClient")


class _Alias(Generic[_S, _P, _R]):
    """A JS top-level name: ``client.<name>(...)`` calls ``client.<sub_object>.<method>(...)``, with
    the method's signature (for type checkers) and docstring (for ``help()``)."""

    def __init__(self, sub_object: str, method: Callable[Concatenate[_S, _P], _R]) -> None:
        self._sub_object = sub_object
        self._method = method
        self._name: str = getattr(method, "__name__")  # noqa: B009  (Callable has no __name__ for mypy)
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, client: None, owner: type) -> Callable[Concatenate[_S, _P], _R]: ...

    @overload
    def __get__(self, client: Client, owner: type) -> Callable[_P, _R]: ...

    def __get__(self, client: Client | None, owner: type) -> Callable[..., _R]:
        if client is None:
            return self._method
        bound: Callable[_P, _R] = getattr(getattr(client, self._sub_object), self._name)
        client.__dict__[self._name] = bound  # later lookups find it on the client itself
        return bound


class BaseClient:
    """The connection under ``Client``: lifecycle, version negotiation, the ``request`` escape hatch,
    and the sub-objects built so far (``Client`` declares them)."""

    ERR_SERVER = ErrorType.ERR_SERVER
    ERR_RESPONSE = ErrorType.ERR_RESPONSE
    ERR_REQUEST = ErrorType.ERR_REQUEST
    ERR_ABORT = ErrorType.ERR_ABORT
    ERR_TIMEOUT = ErrorType.ERR_TIMEOUT
    ERR_UNKNOWN = ErrorType.ERR_UNKNOWN

    def __init__(
        self,
        config: ClientConfig | None = None,
        agent_signature: str | None = None,
        *,
        authenticator: Authenticator | None = None,
        http_session: aiohttp.ClientSession | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config if config is not None else ClientConfig.from_env()
        if trace_configs and http_session is not None:
            raise ConfigError("trace_configs: pass them to your own http_session's aiohttp.ClientSession")
        if authenticator is None:
            authenticator = _default_authenticator(self.config)
        user_agent = f"backendai-async/{__version__}" + (f"; {agent_signature}" if agent_signature else "")
        self._closer = AbortController()
        self._pipeline: Transport = Transport(
            self.config,
            authenticator,
            closing=self._closer.signal,
            http_session=http_session,
            trace_configs=trace_configs,
            user_agent=user_agent,
            clock=Clock(clock) if clock is not None else None,
        )
        self._closed = False
        self._parts: dict[type[Resource], Resource] = {}

    def __repr__(self) -> str:
        return (
            f"Client(endpoint={self.config.endpoint!r}, mode={self.config.connection_mode}, "
            f"api_version={self.api_version!r})"
        )

    # ---- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self: _Self) -> _Self:
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
    def endpoint(self) -> str:
        """The endpoint in use: the first of ``config.endpoints`` until a failover moves the client
        to another (see ``Transport.endpoints``)."""
        return str(self._pipeline.endpoint_url)

    @property
    def authenticator(self) -> Authenticator:
        """What adds the credentials to every attempt (given, or the connection mode's built-in)."""
        return self._pipeline.authenticator

    @property
    def clock_offset(self) -> float:
        """Seconds added to the local clock to date signed requests: 0.0 until a server refuses a
        skewed date, then the offset its ``Date`` header showed."""
        return self._pipeline.clock.offset

    def _part(self, cls: type[_Part]) -> _Part:
        part = self._parts.get(cls)
        if part is None:
            part = self._parts[cls] = cls(self._pipeline)
        return part  # type: ignore[return-value]  # keyed by its own class

    # ---- versions --------------------------------------------------------------------------

    @property
    def api_version(self) -> str | None:
        """The API version sent in ``X-BackendAI-Version`` (None before negotiation)."""
        return self._pipeline.api_version

    @property
    def api_version_major(self) -> int | None:
        """The major number of ``api_version`` (e.g. 9; None before negotiation)."""
        version = self._pipeline.api_version
        return ApiVersion.parse(version).major if version else None

    @property
    def manager_version(self) -> str | None:
        """The manager release the server reported (None before ``get_manager_version()``)."""
        info = self._pipeline.server_info
        return info.manager_version if info else None

    async def get_server_version(self, **options: Unpack[CallOptions]) -> ServerVersion:
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

        Raises ``NegotiationRequiredError`` before negotiation and ``KeyError`` for an unknown name.
        """
        if self.api_version is None:
            raise NegotiationRequiredError("the API version is not known yet: call get_manager_version() first")
        return supports(self._pipeline, feature)

    def is_api_version_compatible_with(self, version: str) -> bool:
        """Whether the negotiated API version is ``version`` or newer."""
        if self.api_version is None:
            raise NegotiationRequiredError("the API version is not known yet: call get_manager_version() first")
        return ApiVersion.parse(version) <= ApiVersion.parse(self.api_version)

    def is_manager_version_compatible_with(self, version: str) -> bool:
        """Whether the manager is ``version`` or newer (PEP 440 order: ``24.03.0rc1 < 24.03.0``)."""
        if self.manager_version is None:
            raise NegotiationRequiredError("the manager version is not known: call get_manager_version() first")
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
        body is returned (JSON, text, or bytes by Content-Type; None when empty). A route the
        negotiated server lacks (``versions.REST_GATES``) raises ``UnsupportedFeatureError``
        before anything is sent.
        """
        return await self._pipeline.send(method.upper(), path, params=params, json=json, headers=headers, **options)


class Client(BaseClient):
    """An asyncio Backend.AI client; use it as ``async with Client(config) as client``.

    ``config`` defaults to ``ClientConfig.from_env()``. ``agent_signature`` is appended to the
    User-Agent. ``authenticator`` replaces the built-in one of the connection mode (HMAC signing in
    API mode, the webserver session in SESSION mode). ``http_session`` lends an
    ``aiohttp.ClientSession`` that the client uses but never closes; without it the client creates
    its own inside the running loop on first use and closes it in ``close()``. ``trace_configs``
    (``aiohttp.TraceConfig``) go to that own session, for metrics and tracing. ``clock`` returns the
    local time (aware) that dates signed requests; ``clock_offset`` corrects it after a skew refusal.

    The calls live on sub-objects (``client.compute_session``, ``client.vfolder``, ``client.keypair``,
    …), each built on first use; the JS client's top-level names are aliases of their methods.
    """

    utils = Utils()  # stateless local helpers

    # ---- the JS client's top-level names, as aliases of the sub-objects' methods ------------
    create_if_not_exists = _Alias("compute_session", ComputeSession.create_if_not_exists)
    create_kernel = _Alias("compute_session", ComputeSession.create_if_not_exists)  # JS legacy name
    create_session_from_template = _Alias("compute_session", ComputeSession.create_session_from_template)
    get_info = _Alias("compute_session", ComputeSession.get_info)
    destroy = _Alias("compute_session", ComputeSession.destroy)
    destroy_kernel = _Alias("compute_session", ComputeSession.destroy)  # JS legacy name
    restart = _Alias("compute_session", ComputeSession.restart)
    refresh_kernel = _Alias("compute_session", ComputeSession.restart)  # JS legacy name
    rename = _Alias("compute_session", ComputeSession.rename)
    get_logs = _Alias("compute_session", ComputeSession.get_logs)
    get_task_logs = _Alias("compute_session", ComputeSession.get_task_logs)
    get_direct_access_info = _Alias("compute_session", ComputeSession.get_direct_access_info)
    shutdown_service = _Alias("compute_session", ComputeSession.shutdown_service)
    get_status_history = _Alias("compute_session", ComputeSession.get_status_history)
    get_dependency_graph = _Alias("compute_session", ComputeSession.get_dependency_graph)
    execute = _Alias("compute_session", ComputeSession.execute)
    run_code = _Alias("compute_session", ComputeSession.run_code)
    interrupt = _Alias("compute_session", ComputeSession.interrupt)
    complete = _Alias("compute_session", ComputeSession.complete)
    upload = _Alias("compute_session", ComputeSession.upload)
    download = _Alias("compute_session", ComputeSession.download)
    download_single = _Alias("compute_session", ComputeSession.download_single)
    list_files = _Alias("compute_session", ComputeSession.list_files)
    session_events = _Alias("compute_session", ComputeSession.session_events)
    background_task_events = _Alias("compute_session", ComputeSession.background_task_events)
    pty = _Alias("compute_session", ComputeSession.pty)
    stream_execute = _Alias("compute_session", ComputeSession.stream_execute)
    login = _Alias("account", Account.login)
    check_login = _Alias("account", Account.check_login)
    logout = _Alias("account", Account.logout)
    token_login = _Alias("account", Account.token_login)
    signout = _Alias("account", Account.signout)
    update_full_name = _Alias("account", Account.update_full_name)
    update_password = _Alias("account", Account.update_password)
    fetch_ssh_keypair = _Alias("account", Account.fetch_ssh_keypair)
    refresh_ssh_keypair = _Alias("account", Account.refresh_ssh_keypair)
    post_ssh_keypair = _Alias("account", Account.post_ssh_keypair)
    is_manager_supporting_totp = _Alias("account", Account.is_manager_supporting_totp)
    initialize_totp = _Alias("account", Account.initialize_totp)
    activate_totp = _Alias("account", Account.activate_totp)
    remove_totp = _Alias("account", Account.remove_totp)
    query = _Alias("graphql", GraphQL.query)
    get_resource_slots = _Alias("resources", Resources.get_resource_slots)

    # ---- the sub-objects (each built, and its module imported, on first use) ----------------

    @property
    def compute_session(self) -> ComputeSession:
        """Compute sessions: lifecycle, code execution, files, events and terminal, listing (the JS
        ``computeSession`` plus the JS client's top-level session calls)."""
        return self._part(ComputeSession)

    @property
    def vfolder(self) -> VFolder:
        """Virtual folders: the folders, sharing, files inside, uploads and downloads (JS ``vfolder``)."""
        from .resources.vfolders import VFolder

        return self._part(VFolder)

    @property
    def account(self) -> Account:
        """The caller's account: login and logout (SESSION mode), password, SSH keypair, TOTP."""
        return self._part(Account)

    @property
    def graphql(self) -> GraphQL:
        """Any GraphQL document: ``await client.graphql.query(document, variables)``."""
        return self._part(GraphQL)

    @property
    def keypair(self) -> Keypair:
        """Keypairs (JS ``keypair``)."""
        from .resources.keypairs import Keypair

        return self._part(Keypair)

    @property
    def resource_policy(self) -> ResourcePolicy:
        """Keypair resource policies (JS ``resourcePolicy``)."""
        from .resources.keypairs import ResourcePolicy

        return self._part(ResourcePolicy)

    @property
    def user_resource_policy(self) -> UserResourcePolicy:
        """User resource policies (JS ``userResourcePolicy``)."""
        from .resources.keypairs import UserResourcePolicy

        return self._part(UserResourcePolicy)

    @property
    def project_resource_policy(self) -> ProjectResourcePolicy:
        """Project resource policies (JS ``projectResourcePolicy``)."""
        from .resources.keypairs import ProjectResourcePolicy

        return self._part(ProjectResourcePolicy)

    @property
    def user(self) -> User:
        """Users (JS ``user``)."""
        from .resources.users import User

        return self._part(User)

    @property
    def group(self) -> Group:
        """Projects, formerly groups (JS ``group``)."""
        from .resources.users import Group

        return self._part(Group)

    @property
    def domain(self) -> Domain:
        """Domains (JS ``domain``)."""
        from .resources.users import Domain

        return self._part(Domain)

    @property
    def image(self) -> ContainerImage:
        """Container images and their settings (JS ``image``)."""
        from .resources.images import ContainerImage

        return self._part(ContainerImage)

    @property
    def agent(self) -> Agent:
        """Compute agents (JS ``agent``)."""
        from .resources.agents import Agent

        return self._part(Agent)

    @property
    def agent_summary(self) -> AgentSummary:
        """The agent summary a non-admin may see (JS ``agentSummary``)."""
        from .resources.agents import AgentSummary

        return self._part(AgentSummary)

    @property
    def storage_proxy(self) -> StorageProxy:
        """Storage volumes (JS ``storageproxy``)."""
        from .resources.agents import StorageProxy

        return self._part(StorageProxy)

    @property
    def resources(self) -> Resources:
        """Cluster totals, usage statistics, the slot table (the JS ``resources`` sub-object, not the
        ``backendai_async.resources`` package)."""
        return self._part(Resources)

    @property
    def maintenance(self) -> Maintenance:
        """Image rescans and usage recalculation (JS ``maintenance``)."""
        from .resources.maintenance import Maintenance

        return self._part(Maintenance)

    @property
    def resource_preset(self) -> ResourcePreset:
        """Resource presets (JS ``resourcePreset``)."""
        from .resources.resource_presets import ResourcePreset

        return self._part(ResourcePreset)

    @property
    def scaling_group(self) -> ScalingGroup:
        """Scaling groups, or resource groups (JS ``scalingGroup``)."""
        from .resources.scaling_groups import ScalingGroup

        return self._part(ScalingGroup)

    @property
    def registry(self) -> Registry:
        """Container registries in etcd (JS ``registry``)."""
        from .resources.settings import Registry

        return self._part(Registry)

    @property
    def setting(self) -> Setting:
        """Settings under ``config/`` in etcd (JS ``setting``)."""
        from .resources.settings import Setting

        return self._part(Setting)

    @property
    def service(self) -> Service:
        """The manager's announcement (JS ``service``)."""
        from .resources.settings import Service

        return self._part(Service)

    @property
    def user_config(self) -> UserConfig:
        """The caller's bootstrap script and dotfiles (JS ``userConfig``)."""
        from .resources.settings import UserConfig

        return self._part(UserConfig)

    @property
    def enterprise(self) -> Enterprise:
        """The enterprise license (JS ``enterprise``)."""
        from .resources.settings import Enterprise

        return self._part(Enterprise)

    @property
    def session_template(self) -> SessionTemplate:
        """Session templates (JS ``sessionTemplate``)."""
        from .resources.session_templates import SessionTemplate

        return self._part(SessionTemplate)

    @property
    def model_service(self) -> ModelService:
        """Model serving endpoints (JS ``modelService``)."""
        from .resources.model_services import ModelService

        return self._part(ModelService)

    @property
    def cloud(self) -> Cloud:
        """Sign-up and password help of the hosted service (JS ``cloud``)."""
        from .resources.plugins import Cloud

        return self._part(Cloud)

    @property
    def edu_app(self) -> EduApp:
        """The education app launcher (JS ``eduApp``)."""
        from .resources.plugins import EduApp

        return self._part(EduApp)


def _default_authenticator(config: ClientConfig) -> Authenticator:
    if config.connection_mode == "SESSION":
        return SessionAuthenticator()
    if not config.access_key or not config.secret_key:  # ClientConfig already checks this
        raise ConfigError("API mode needs access_key and secret_key")
    return HMACAuthenticator(config.access_key, config.secret_key, config.hash_type)
