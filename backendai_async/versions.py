"""API and manager versions: parsing, the known-version table, negotiation and feature gates."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from .errors import UnsupportedFeatureError, UsageError

__all__ = [
    "FEATURES",
    "GRAPHQL_GATES",
    "KNOWN_API_VERSIONS",
    "LATEST_API_VERSION",
    "REST_GATES",
    "ApiVersion",
    "Gate",
    "choose_api_version",
    "feature_enabled",
    "manager_version_key",
    "rest_gate",
    "unsupported",
]


class ApiVersion(NamedTuple):
    """``vMAJOR.YYYYMMDD``, ordered by (major, revision date)."""

    major: int
    revision: str

    @classmethod
    def parse(cls, text: str) -> ApiVersion:
        m = re.fullmatch(r"v(\d+)\.(\d{8})", text.strip())
        if m is None:
            raise UsageError(f"malformed API version {text!r} (expected e.g. 'v9.20250722')")
        return cls(int(m.group(1)), m.group(2))

    def __str__(self) -> str:
        return f"v{self.major}.{self.revision}"


#: Every version this client can speak, oldest first (v3.20170615 … v9.20250722).
KNOWN_API_VERSIONS: tuple[str, ...] = (
    "v3.20170615",
    "v4.20181215",
    "v4.20190115",
    "v4.20190315",
    "v4.20190615",
    "v5.20191215",
    "v6.20200815",
    "v6.20210815",
    "v6.20220315",
    "v6.20220615",
    "v6.20230315",
    "v7.20230615",
    "v8.20240315",
    "v8.20240915",
    "v9.20250722",
)
LATEST_API_VERSION = KNOWN_API_VERSIONS[-1]

# Accepted only by some server generations: sent only when the server advertises it itself.
# v6.20210815 is rejected by managers 26.3+, v6.20221201 by everything before 26.3.
_NEVER_GUESS = frozenset({"v6.20210815", "v6.20221201"})
_KNOWN = frozenset(KNOWN_API_VERSIONS)


def choose_api_version(advertised: str) -> str:
    """The version to send to a server that advertises ``advertised`` on ``GET /``.

    A known version is sent as it is (a server always accepts its own); an unknown one gets the
    newest known version below it that every server of that age accepts.
    Raises ``ValueError`` for a malformed or too old advertisement.
    """
    if advertised in _KNOWN:
        return advertised
    target = ApiVersion.parse(advertised)
    for candidate in reversed(KNOWN_API_VERSIONS):
        if candidate not in _NEVER_GUESS and ApiVersion.parse(candidate) <= target:
            return candidate
    raise UsageError(f"server API version {advertised} is older than {KNOWN_API_VERSIONS[0]}")


_PEP440 = (  # compiled on first use (re caches it), not at import
    r"v?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre_l>a|alpha|b|beta|rc|c|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:-(?P<post_n1>\d+)|[-_.]?(?:post|rev|r)[-_.]?(?P<post_n2>\d*))?"
    r"(?:[-_.]?dev[-_.]?(?P<dev_n>\d*))?"
    r"(?:\+[a-z0-9.]+)?"
)
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}

ManagerVersionKey = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def manager_version_key(version: str) -> ManagerVersionKey:
    """A sort key ordering manager versions like PEP 440 (``24.03.0rc1 < 24.03.0``)."""
    m = re.fullmatch(_PEP440, version.strip(), re.IGNORECASE)
    if m is None:
        raise UsageError(f"malformed manager version {version!r}")
    release = [int(p) for p in m.group("release").split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    pre_l, dev_n = m.group("pre_l"), m.group("dev_n")
    post_n = m.group("post_n1") or m.group("post_n2")
    has_post = m.group("post_n1") is not None or m.group("post_n2") is not None
    has_dev = dev_n is not None
    if pre_l is not None:
        pre: tuple[int, ...] = (0, _PRE_RANK[pre_l.lower()], int(m.group("pre_n") or 0))
    elif has_dev and not has_post:
        pre = (-1,)  # 1.0.dev0 sorts before 1.0a0
    else:
        pre = (1,)
    post = (int(post_n or 0),) if has_post else (-1,)
    dev = (0, int(dev_n or 0)) if has_dev else (1,)
    return (tuple(release), pre, post, dev)


class Gate(NamedTuple):
    """Versions a feature needs: API at least ``api`` and below ``api_below``, manager at least
    ``manager`` (every given bound must hold)."""

    api: str | None = None
    manager: str | None = None
    api_below: str | None = None


#: Every version-dependent behaviour, in one place. API gates are ``(major, date)`` strings.
FEATURES: dict[str, Gate] = {
    # wire-format gates used by the SDK itself
    "body-signing": Gate(api_below="v4.20181215"),  # the signature covers the body
    # ... so 19.09's handlers read their parameters from the query string (legacy.py)
    "params-in-query": Gate(api_below="v4.20181215"),
    "image-key": Gate(api="v4.20190315"),  # `image` instead of `lang`
    "owner-access-key": Gate(api="v4.20190315"),
    "session-create-options": Gate(api="v4.20190615"),  # enqueueOnly, maxWaitSeconds, reuseIfExists
    "session-prefix": Gate(api="v5.20191215"),  # /session instead of /kernel
    "session-name-key": Gate(api="v5.20191215"),  # `name` instead of `clientSessionToken`
    "bootstrap-script": Gate(api="v5.20191215"),
    "cluster-top-level": Gate(api="v6.20200815"),  # cluster_size/cluster_mode outside config
    "gql-endpoint": Gate(api="v6.20210815"),  # /admin/gql instead of /admin/graphql
    "session-dependencies": Gate(api="v6.20220315"),
    "architecture": Gate(api="v6.20220315"),
    "session-priority": Gate(api="v8.20240915"),
    "batch-timeout": Gate(api="v8.20240915", manager="24.12"),
    "attach-network": Gate(api="v9.20250722"),
    "session-download-post": Gate(api="v7.20230615"),  # POST download/download_single (23.09+)
    "session-status-history": Gate(manager="25.12"),
    "vfolder-usage-mode": Gate(api="v4.20191215"),  # create() sends usage_mode and permission
    "vfolder-hosts-group": Gate(manager="22.03"),  # list_hosts(group_id)
    "vfolder-delete-files-post": Gate(manager="24.03.7"),  # POST /delete-files (DELETE before)
    "paginated-lists": Gate(api="v5.20191215"),  # keypair_list/user_list/agent_list instead of keypairs/users/agents
    "config-resource-slots": Gate(api="v4.20190601"),  # /config/resource-slots instead of /etcd/resource-slots
    # the JavaScript client's feature names
    "scaling-group": Gate(api="v4.20190601"),
    "group": Gate(api="v4.20190601"),
    "group-folder": Gate(api="v4.20190601"),
    "system-images": Gate(api="v4.20190601"),
    "detailed-session-states": Gate(api="v4.20190601"),
    "change-user-name": Gate(api="v4.20190601"),
    "multi-container": Gate(api="v6.20200815"),
    "multi-node": Gate(api="v6.20200815"),
    "storage-proxy": Gate(api="v6.20200815"),
    "hardware-metadata": Gate(api="v6.20200815"),
    "avoid-hol-blocking": Gate(manager="20.09.16"),
    "session-detail-status": Gate(manager="20.09.16"),
    "schedulable": Gate(manager="21.09"),
    "wsproxy-addr": Gate(manager="21.09"),
    "scheduler-opts": Gate(manager="22.03"),
    "session-lifetime": Gate(manager="22.03"),
    "secure-payload": Gate(api="v6.20220615"),
    "image-commit": Gate(manager="22.09"),
    "fine-grained-storage-permissions": Gate(manager="22.09"),
    "2FA": Gate(manager="22.09"),
    "force2FA": Gate(manager="22.09"),
    "idle-checks": Gate(manager="22.09.19"),
    "is-public": Gate(manager="22.09.22"),
    "inference-workload": Gate(api="v6.20230315", manager="23.03"),
    "local-vscode-remote-connection": Gate(manager="23.03"),
    "display-allocated-shmem": Gate(manager="23.03"),
    "sftp-scaling-group": Gate(manager="23.03.3"),
    "quota-scope": Gate(manager="23.03.7"),
    "model-serving": Gate(manager="23.03.11"),
    "sudo-session-enabled": Gate(manager="23.09.0"),
    "container-registry-gql": Gate(manager="23.09.2"),
    "main-access-key": Gate(manager="23.09.7"),
    "model-serving-endpoint-user-info": Gate(manager="23.09.8"),
    "modify-endpoint": Gate(manager="23.09.9"),
    "max-session-count-per-model-session": Gate(manager="23.09.10"),
    "configure-user-resource-policy": Gate(manager="23.09.10"),
    "vfolder-trash-bin": Gate(manager="24.03.0"),
    "model-store": Gate(manager="24.03.0"),
    "per-user-image": Gate(manager="24.03.0"),
    "user-committed-image": Gate(manager="24.03.0"),
    "endpoint-extra-mounts": Gate(manager="24.03.4"),
    "modify-endpoint-environ": Gate(manager="24.03.5"),
    "endpoint-runtime-variant": Gate(manager="24.03.5"),
    "per-kernel-logs": Gate(manager="24.03.7"),
    "extend-login-session": Gate(manager="24.09"),
    # GraphQL schema differences (GRAPHQL_GATES below says which schema element each one gates)
    "gql-session-v5": Gate(api="v5.20191215"),  # ComputeSession.containers, compute_session(id: UUID!)
    "gql-uuid-ids": Gate(api="v5.20191215"),  # group(id: UUID!) instead of group(id: String!)
    "rescan-task-id": Gate(api="v5.20191215"),  # rescan_images answers a background task id
    "scaling-group-create-input": Gate(api="v6.20200815"),  # CreateScalingGroupInput, not ScalingGroupInput
    "agent-summary": Gate(api="v6.20220615"),  # agent_summary_list for non-admins
    "user-project-resource-policies": Gate(api="v7.20230615"),
    # REST routes some generations lack (REST_GATES below). Where the release that added a route is not
    # known, the gate opens with the first API version after the newest measured manager without it.
    "rest-after-19.09": Gate(api="v5.20191215"),  # 19.09 lacks them, 22.09 has them
    "rest-after-22.09": Gate(api="v6.20230315"),  # 22.09 lacks them, 26.9 has them
    "manager-token-download": Gate(api_below="v6.20200815"),  # replaced by storage-proxy downloads
    # what a generation requires that older ones defaulted (measured on 26.9.6)
    "check-presets-group-required": Gate(manager="26.0"),  # POST /resource/check-presets needs `group`
}

#: GraphQL schema coordinates that only some server generations have, and the feature of ``FEATURES``
#: that gates each: ``Query.root`` / ``Mutation.root`` (a root field), ``Query.root(arg:)`` (an
#: argument), ``Type.field`` (a field of an object type), ``Type`` (an input type). Resources refuse a
#: root or argument the server lacks before sending, and leave a gated field out of a selection. A unit
#: test checks every entry against the schemas measured on real managers (the gate must be open on
#: exactly the measured generations whose schema has the element).
GRAPHQL_GATES: dict[str, str] = {
    "Query.agent_summary_list": "agent-summary",
    "Query.storage_volume": "storage-proxy",
    "Query.storage_volume_list": "storage-proxy",
    "Query.user_resource_policy": "user-project-resource-policies",
    "Query.user_resource_policies": "user-project-resource-policies",
    "Query.project_resource_policy": "user-project-resource-policies",
    "Query.project_resource_policies": "user-project-resource-policies",
    "Mutation.create_user_resource_policy": "user-project-resource-policies",
    "Mutation.modify_user_resource_policy": "user-project-resource-policies",
    "Mutation.delete_user_resource_policy": "user-project-resource-policies",
    "Mutation.create_project_resource_policy": "user-project-resource-policies",
    "Mutation.modify_project_resource_policy": "user-project-resource-policies",
    "Mutation.delete_project_resource_policy": "user-project-resource-policies",
    "Mutation.modify_agent": "schedulable",
    "Query.compute_session(id:)": "gql-session-v5",
    "ComputeSession.containers": "gql-session-v5",
    "RescanImages.task_id": "rescan-task-id",
    "CreateScalingGroupInput": "scaling-group-create-input",
    "Query.images(is_operation:)": "system-images",
    "Query.groups(type:)": "model-store",
    "ScalingGroup.wsproxy_addr": "wsproxy-addr",
    "ScalingGroup.is_public": "is-public",
    "User.main_access_key": "main-access-key",
    "KeyPairResourcePolicy.max_session_lifetime": "session-lifetime",
}

#: ``"METHOD /path"`` of REST routes only some generations have (``*`` is one path segment; a session
#: route is written with ``/session``, which also stands for API v4's ``/kernel``), and the feature of
#: ``FEATURES`` that gates each. Calls to them are refused before sending on servers without them. A
#: unit test checks the table against the routes of the measured managers (``tests/unit/data/rest_routes``).
REST_GATES: dict[str, str] = {
    "POST /auth/ssh-keypair": "rest-after-19.09",
    "POST /auth/update-full-name": "rest-after-19.09",
    "GET /events/background-task": "rest-after-19.09",
    "GET /acl": "rest-after-19.09",
    "GET /template/session": "rest-after-19.09",
    "GET /user-config/bootstrap-script": "bootstrap-script",
    "POST /user-config/bootstrap-script": "bootstrap-script",
    "POST /session/_/create-from-template": "rest-after-19.09",
    "POST /session/*/commit": "image-commit",
    "GET /session/*/commit": "image-commit",
    "POST /session/*/imagify": "user-committed-image",
    "GET /session/*/direct-access-info": "rest-after-19.09",
    "POST /session/*/rename": "rest-after-19.09",
    "POST /session/*/start-service": "rest-after-19.09",
    "POST /session/*/shutdown-service": "rest-after-19.09",
    "GET /session/*/dependency-graph": "rest-after-22.09",
    "POST /folders/*/clone": "rest-after-19.09",
    "POST /folders/*/leave": "rest-after-19.09",
    "POST /folders/*/share": "rest-after-19.09",
    "DELETE /folders/*/unshare": "rest-after-19.09",
    "POST /folders/*/update-options": "rest-after-19.09",
    "GET /folders/_/quota": "rest-after-19.09",
    "POST /folders/_/quota": "rest-after-19.09",
    "POST /folders/purge": "vfolder-trash-bin",
    "POST /folders/restore-from-trash-bin": "vfolder-trash-bin",
    "POST /folders/delete-from-trash-bin": "vfolder-trash-bin",
    "GET /folders/_/download_with_token": "manager-token-download",
    "GET /services": "model-serving",
    "POST /services": "model-serving",
    "GET /services/*": "model-serving",
    "DELETE /services/*": "model-serving",
    "POST /services/*/scale": "model-serving",
    "POST /services/*/sync": "model-serving",
    "POST /services/*/token": "model-serving",
    "PUT /services/*/routings/*": "model-serving",
    "DELETE /services/*/routings/*": "model-serving",
}


_ENABLED: dict[tuple[str, str, str | None], bool] = {}  # answers of feature_enabled, asked on every call
_ENABLED_LIMIT = 1024


def feature_enabled(feature: str, api_version: str, manager_version: str | None) -> bool:
    """Whether ``feature`` is available at this API version and manager version.

    A manager gate is closed when the manager version is unknown (a pinned API version).
    Raises ``KeyError`` for a feature name not in ``FEATURES``.
    """
    key = (feature, api_version, manager_version)
    enabled = _ENABLED.get(key)
    if enabled is None:
        enabled = _gate_open(FEATURES[feature], api_version, manager_version)
        if len(_ENABLED) < _ENABLED_LIMIT:
            _ENABLED[key] = enabled
    return enabled


def _gate_open(gate: Gate, api_version: str, manager_version: str | None) -> bool:
    current = ApiVersion.parse(api_version)
    if gate.api_below is not None and current >= ApiVersion.parse(gate.api_below):
        return False
    if gate.api is not None and current < ApiVersion.parse(gate.api):
        return False
    if gate.manager is not None:
        if manager_version is None:
            return False
        return manager_version_key(manager_version) >= manager_version_key(gate.manager)
    return True


def unsupported(
    feature: str, api_version: str | None, manager_version: str | None, what: str | None = None
) -> UnsupportedFeatureError:
    """The error for a call that needs ``feature`` (``what`` names it for the reader) on a server
    that lacks it, or whose manager version is not known (a pinned API version)."""
    gate = FEATURES[feature]
    what = what or feature
    required = " and ".join(
        f"{kind} {version}"
        for kind, version in (("API", gate.api), ("manager", gate.manager), ("API below", gate.api_below))
        if version
    )
    server = f"API {api_version}" + (f", manager {manager_version}" if manager_version and gate.manager else "")
    if gate.manager and manager_version is None:
        message = f"{what} needs {required}; call get_manager_version() first to learn the server's"
    else:
        message = f"{what} needs {required}; the server is {server}"
    return UnsupportedFeatureError(feature, required, server, message)


@functools.cache
def _rest_patterns() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    compiled = []
    for route, feature in REST_GATES.items():
        method, path = route.split(" ", 1)
        regex = "/".join("[^/]+" if part == "*" else re.escape(part) for part in path.split("/"))
        compiled.append((method, re.compile(regex + "/?"), feature))
    return tuple(compiled)


_GATE_CACHE_LIMIT = 1024
_gates_of_routes: dict[tuple[str, str], str | None] = {}  # (method, path) -> rest_gate's answer


def rest_gate(method: str, path: str) -> str | None:
    """The feature (``REST_GATES``) the route ``method path`` needs, or None (remembered: every
    call asks)."""
    key = (method, path)
    try:
        return _gates_of_routes[key]
    except KeyError:
        pass
    route = "/session/" + path[len("/kernel/") :] if path.startswith("/kernel/") else path
    found = next(
        (feature for gated, pattern, feature in _rest_patterns() if gated == method and pattern.fullmatch(route)),
        None,
    )
    if len(_gates_of_routes) >= _GATE_CACHE_LIMIT:
        _gates_of_routes.clear()
    _gates_of_routes[key] = found
    return found
