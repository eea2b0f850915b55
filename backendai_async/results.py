"""Typed shapes of the server's answers, as the real Backend.AI 26.9.6 stack sends them.

Every ``TypedDict`` here is ``total=False``: keys come and go between server generations and
states, so read them with ``.get()`` where a key may be absent. Field types are the JSON types
on the wire (``tests/data/shapes/26.9.6/`` holds the recordings they are checked against):
several session fields are *strings* holding a Python ``repr`` of a dict, not JSON.
"""

from typing import Any, TypedDict

__all__ = [
    "AllowedVFolderHosts",
    "AllowedVFolderHostsByScope",
    "Announcement",
    "AuthRole",
    "AuthTestResult",
    "CheckPresetsResult",
    "CommitStatus",
    "DependencyGraph",
    "DestroyResult",
    "DirectAccessInfo",
    "Dotfile",
    "GraphQLResponse",
    "IdleCheck",
    "LoginAnswer",
    "LoginData",
    "MessageResult",
    "MkdirItem",
    "MkdirResult",
    "MkdirResults",
    "NumberFormat",
    "ProblemDetails",
    "ResourcePresetItem",
    "ResourcePresetList",
    "ResourceSlotDetail",
    "SSHKeypair",
    "SSHPublicKey",
    "ScalingGroupList",
    "ScalingGroupName",
    "ScalingGroupUsage",
    "ServerVersion",
    "ServicePort",
    "SessionCreateResult",
    "SessionFileList",
    "SessionInfo",
    "SessionLogs",
    "SessionLogsResult",
    "SharedTo",
    "TransferToken",
    "UsageBucket",
    "UsageValue",
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
]


# ---- version, errors, auth ---------------------------------------------------------------


class ServerVersion(TypedDict, total=False):
    """``GET /`` (``/func/`` through the webserver): ``{"version": "v9.20250722", "manager": "26.9.6"}``."""

    version: str
    manager: str | None


class ProblemDetails(TypedDict, total=False):
    """A manager error body (``application/problem+json``); classify by ``type``, not ``title``.

    ``data`` is whatever the error carries: a path, a name, ``{"existingSessionId": …}``, …
    Agent-wrapped errors also have an ``agent-details`` object (not a Python identifier).
    """

    type: str
    title: str
    error_code: str
    msg: str
    data: Any


class WebserverProblem(TypedDict, total=False):
    """The ``data`` of a refused webserver login: ``{"type", "title", "details"}``."""

    type: str
    title: str
    details: str


class LoginData(TypedDict, total=False):
    """The ``data`` of an accepted webserver login (no secret key on 26.9.6)."""

    access_key: str
    role: str
    status: str


class LoginAnswer(TypedDict, total=False):
    """``POST /server/login`` and ``/server/login-check``: ``data`` is ``LoginData`` when
    authenticated, a ``WebserverProblem`` when refused (401), None for an anonymous check;
    ``session_id`` (login-check only) is the webserver session id or None."""

    authenticated: bool
    data: LoginData | WebserverProblem | None
    session_id: str | None


class AuthTestResult(TypedDict, total=False):
    """``POST /auth/test``: ``{"authorized": "yes", "echo": <echo>}``."""

    authorized: str
    echo: str


class AuthRole(TypedDict, total=False):
    """``GET /auth/role``."""

    global_role: str
    domain_role: str
    group_role: str | None


class GraphQLResponse(TypedDict, total=False):
    """``POST /admin/gql``: the standard GraphQL answer (errors do not change the status)."""

    data: dict[str, Any] | None
    errors: list[dict[str, Any]] | None


# ---- compute sessions ----------------------------------------------------------------------


class ServicePort(TypedDict, total=False):
    """An app service of a session (the dummy agent has none: keys from the server contract)."""

    name: str
    protocol: str
    ports: list[int]
    url_template: str
    allowed_arguments: dict[str, Any]
    allowed_envs: dict[str, Any]
    is_inference: bool


class SessionCreateResult(TypedDict, total=False):
    """``POST /session`` (``create_if_not_exists``): 201 both for a new and a reused session;
    ``created`` tells them apart. The reuse path also sends the deprecated ``service_ports``."""

    sessionId: str
    sessionName: str
    status: str
    servicePorts: list[ServicePort]
    service_ports: list[ServicePort]
    created: bool
    kernelId: str  # API v4 (manager 19.09) names the new session's id so


class IdleCheck(TypedDict, total=False):
    """One idle checker's state in ``SessionInfo.idleChecks``."""

    remaining: float | None
    remaining_time_type: str
    extra: Any


class SessionInfo(TypedDict, total=False):
    """``GET /session/{name}`` (``get_info``), main kernel only. ``age`` is in milliseconds.

    ``occupiedSlots``, ``occupyingSlots``, ``requestedSlots``, ``occupiedShares``, ``environ`` and
    ``resourceOpts`` are strings holding a Python ``repr`` (``"{'cpu': Decimal('1.000000')}"``),
    and ``statusInfo`` is ``"None"`` when unset. Right after ``destroy`` the session is still
    answered, with status ``TERMINATING``.
    """

    age: int
    domainName: str
    groupId: str
    userId: str
    lang: str
    image: str
    architecture: str
    registry: str
    tag: str | None
    containerId: str | None
    occupiedSlots: str
    occupyingSlots: str
    requestedSlots: str
    occupiedShares: str
    environ: str
    resourceOpts: str
    status: str
    statusInfo: str | None
    statusData: dict[str, Any] | None
    creationTime: str
    terminationTime: str | None
    numQueriesExecuted: int
    lastStat: dict[str, Any] | None
    idleChecks: dict[str, IdleCheck]


class DestroyResult(TypedDict, total=False):
    """``DELETE /session/{name}`` (``destroy``): 26.9.6 answers ``{"stats": {"status": "terminated"}}``
    for a young session and ``{"stats": {}}`` once the agent has reported statistics; older managers
    send the last statistics or null. ``recursive=True`` answers a list of these."""

    stats: dict[str, Any] | None


class SessionLogsResult(TypedDict, total=False):
    """The ``result`` of ``SessionLogs``."""

    logs: str


class SessionLogs(TypedDict, total=False):
    """``GET /session/{name}/logs`` (``get_logs``): ``{"result": {"logs": <text>}}``."""

    result: SessionLogsResult


class SessionFileList(TypedDict, total=False):
    """``GET /session/{name}/files``: the server sends ``files`` as a JSON-encoded *string*
    (empty from the dummy agent); ``client.list_files`` decodes it into a list."""

    files: str | list[dict[str, Any]]
    errors: str
    abspath: str


class DependencyGraph(TypedDict, total=False):
    """``GET /session/{name}/dependency-graph``: this session and, recursively, its dependencies."""

    session_id: str
    session_name: str
    status: str
    status_changed: str
    depends_on: list["DependencyGraph"]


class DirectAccessInfo(TypedDict, total=False):
    """``GET /session/{name}/direct-access-info``: ``{}`` except for system sessions (keys from the
    server contract, not recorded)."""

    kernel_role: str
    session_type: str
    public_host: str
    sshd_ports: list[int]


# ---- resources -----------------------------------------------------------------------------


class NumberFormat(TypedDict, total=False):
    """How a slot is shown (``ResourceSlotDetail.number_format``): binary units, decimals kept."""

    binary: bool
    round_length: int


class ResourceSlotDetail(TypedDict, total=False):
    """One slot of ``GET /config/resource-slots/details`` (a map of slot name to this)."""

    slot_name: str
    description: str
    human_readable_name: str
    display_unit: str
    number_format: NumberFormat
    display_icon: str


class ResourcePresetItem(TypedDict, total=False):
    """A resource preset; slot values are strings; ``allocatable`` only from ``check``."""

    id: str
    name: str
    resource_slots: dict[str, str]
    shared_memory: str | None
    allocatable: bool


class ResourcePresetList(TypedDict, total=False):
    """``GET /resource/presets`` (``client.resource_preset.list``)."""

    presets: list[ResourcePresetItem]


class ScalingGroupUsage(TypedDict, total=False):
    """The slots used and remaining in one scaling group (``CheckPresetsResult.scaling_groups``)."""

    using: dict[str, str]
    remaining: dict[str, str]


class CheckPresetsResult(TypedDict, total=False):
    """``POST /resource/check-presets`` (``client.resource_preset.check``; 26.x requires ``group``).

    Slot values are strings: ``"Infinity"`` for unlimited, ``"NaN"`` where no limit applies.
    """

    presets: list[ResourcePresetItem]
    keypair_limits: dict[str, str]
    keypair_using: dict[str, str]
    keypair_remaining: dict[str, str]
    group_limits: dict[str, str]
    group_using: dict[str, str]
    group_remaining: dict[str, str]
    scaling_group_remaining: dict[str, str]
    scaling_groups: dict[str, ScalingGroupUsage]


class ScalingGroupName(TypedDict, total=False):
    """One entry of ``ScalingGroupList.scaling_groups``."""

    name: str


class ScalingGroupList(TypedDict, total=False):
    """``GET /scaling-groups?group=…`` (``client.scaling_group.list``)."""

    scaling_groups: list[ScalingGroupName]


# ---- virtual folders ----------------------------------------------------------------------


class VFolderItem(TypedDict, total=False):
    """A folder as ``GET /folders`` lists it and ``POST /folders`` answers (201).

    ``id`` is 32 hex digits here (``/folders/_/id`` gives the dashed form); ``user``/``group``
    are UUIDs or None; ``created_at``, ``user_email``, ``group_name`` and ``type`` may be ``""``
    (26.9.6 sends ``""``, not null).
    """

    id: str
    name: str
    quota_scope_id: str
    host: str
    usage_mode: str
    created_at: str
    permission: str
    creator: str
    ownership_type: str
    user: str | None
    group: str | None
    cloneable: bool
    status: str
    is_owner: bool
    max_size: int
    user_email: str
    group_name: str
    type: str
    max_files: int
    cur_size: int


class VFolderInfo(TypedDict, total=False):
    """``GET /folders/{name}`` (``client.vfolder.info``): other keys than the listing."""

    name: str
    id: str
    quota_scope_id: str
    host: str
    status: str
    numFiles: int
    used_bytes: int
    created_at: str
    last_used: str | None
    user: str | None
    group: str | None
    type: str
    is_owner: bool
    permission: str
    usage_mode: str
    cloneable: bool


class VFolderId(TypedDict, total=False):
    """``GET /folders/_/id`` with a JSON body ``{"name"}`` (a query alone is a 400)."""

    id: str
    name: str


class VolumeUsage(TypedDict, total=False):
    """How full a storage volume is (``VolumeInfo.usage``), in percent."""

    percentage: float


class VolumeInfo(TypedDict, total=False):
    """One storage host of ``VFolderHosts.volume_info``: its backend and what it can do."""

    backend: str
    capabilities: list[str]
    usage: VolumeUsage
    sftp_scaling_groups: list[str]


class VFolderHosts(TypedDict, total=False):
    """``GET /folders/_/hosts`` (``list_hosts``); ``/_/all-hosts`` has no ``volume_info``."""

    default: str | None
    allowed: list[str]
    volume_info: dict[str, VolumeInfo]


class VFolderFileEntry(TypedDict, total=False):
    """A directory entry; ``type`` is ``"FILE"``, ``"DIRECTORY"`` or ``"SYMLINK"``, ``mode`` the
    integer ``st_mode``. Uploads leave a ``.upload`` directory in the folder root."""

    name: str
    type: str
    size: int
    mode: int
    created: str
    modified: str


class VFolderFileList(TypedDict, total=False):
    """``GET /folders/{name}/files`` (``list_files``); older servers add a JSON-string ``files``."""

    items: list[VFolderFileEntry]
    files: str


class MkdirItem(TypedDict, total=False):
    """One path of a mkdir: the path (``item``), and the reason when it failed (``msg``)."""

    item: str
    msg: str | None


class MkdirResults(TypedDict, total=False):
    """``MkdirResult.results``: the paths created and those that failed."""

    success: list[MkdirItem]
    failed: list[MkdirItem]


class MkdirResult(TypedDict, total=False):
    """``POST /folders/{name}/mkdir`` (200, or 207 when some paths failed)."""

    results: MkdirResults


class MessageResult(TypedDict, total=False):
    """``{"msg": ""}``: folder ``rename``, ``rename_file`` and ``delete_files`` on 26.9.6."""

    msg: str


class TransferToken(TypedDict, total=False):
    """``request-upload`` / ``request-download``: a storage-proxy ``url`` and its ``token``."""

    token: str
    url: str


# ---- folder sharing ------------------------------------------------------------------------


class VFolderInviteResult(TypedDict, total=False):
    """``POST /folders/{name}/invite``: the e-mails invited (201)."""

    invited_ids: list[str]


class VFolderInvitation(TypedDict, total=False):
    """One invitation sent to the caller (``invitee`` and ``state`` are ``""`` on 26.9.6)."""

    id: str
    inviter: str
    invitee: str
    perm: str
    state: str
    created_at: str
    modified_at: str
    vfolder_id: str
    vfolder_name: str


class VFolderInvitationList(TypedDict, total=False):
    """``GET /folders/invitations/list``."""

    invitations: list[VFolderInvitation]


class SharedTo(TypedDict, total=False):
    """Whom a folder is shared with: the user's ``uuid`` and ``email``."""

    uuid: str
    email: str


class VFolderInvitee(TypedDict, total=False):
    """One user a folder of the caller's is shared with (``owner`` is the owner's user id)."""

    vfolder_id: str
    vfolder_name: str
    status: str
    owner: str
    type: str
    shared_to: SharedTo
    perm: str


class VFolderInviteeList(TypedDict, total=False):
    """``GET /folders/_/shared``."""

    shared: list[VFolderInvitee]


class VFolderHostPermissions(TypedDict, total=False):
    """``GET /acl``: every permission name a storage host can grant."""

    vfolder_host_permission_list: list[str]


# ---- the caller's account and settings ---------------------------------------------------


class SSHPublicKey(TypedDict, total=False):
    """``GET /auth/ssh-keypair``: the public key of the caller's keypair (``""`` before one is made)."""

    ssh_public_key: str


class SSHKeypair(TypedDict, total=False):
    """``PATCH`` / ``POST /auth/ssh-keypair``: the pair now stored (the private key is a secret)."""

    ssh_public_key: str
    ssh_private_key: str


class Dotfile(TypedDict, total=False):
    """One dotfile of ``GET /user-config/dotfiles``: its ``path`` under the home directory, its
    ``permission`` in octal text (``"644"``) and its ``data``."""

    path: str
    permission: str
    data: str


class Announcement(TypedDict, total=False):
    """``GET /manager/announcement``."""

    enabled: bool
    message: str


class UsageValue(TypedDict, total=False):
    """One measure of a usage bucket: ``{"value": 0, "unit_hint": "bytes"}``."""

    value: float
    unit_hint: str


class UsageBucket(TypedDict, total=False):
    """One bucket of ``GET /resource/stats/user/month`` (``date`` is a POSIX timestamp)."""

    date: float
    num_sessions: UsageValue
    cpu_allocated: UsageValue
    mem_allocated: UsageValue
    gpu_allocated: UsageValue
    io_read_bytes: UsageValue
    io_write_bytes: UsageValue
    disk_used: UsageValue


class AllowedVFolderHosts(TypedDict, total=False):
    """A scope's ``allowed_vfolder_hosts``: JSON text of ``{host: [permission, …]}`` (22.09+), a list of
    hosts on 19.09."""

    allowed_vfolder_hosts: str | list[str] | None


class AllowedVFolderHostsByScope(TypedDict, total=False):
    """``storage_proxy.get_allowed_vfolder_hosts_by_current_user_info``: each scope's hosts (None for a
    scope the server cannot resolve)."""

    domain: AllowedVFolderHosts | None
    group: AllowedVFolderHosts | None
    keypair_resource_policy: AllowedVFolderHosts | None


class CommitStatus(TypedDict, total=False):
    """``GET /session/{name}/commit``: the latest commit's ``status`` (``"ready"``, ``"ongoing"``, …)
    and the ``kernel`` id."""

    status: str
    kernel: str
