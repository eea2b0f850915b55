"""The FakeManager's administration REST routes: resource presets, etcd config, scaling groups,
session templates, model services, the caller's account (SSH keypair, TOTP, password), user config.

State lives in ``FakeManager.admin`` (an ``AdminState``) and may be read or changed by tests.
Superadmin-only routes answer 403 to other roles, as the manager does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web
from multidict import MultiMapping

from .generations import Generation

__all__ = ["AdminState", "FakeService"]

_PROBLEM = "https://api.backend.ai/probs/"


class _Call(Protocol):
    method: str
    path: str
    query: MultiMapping[str]
    json: Any
    access_key: str | None
    version: str | None


Route = tuple[str, str, Callable[[Any, dict[str, str]], web.StreamResponse], bool]


def _problem(status: int, slug: str, title: str) -> web.Response:
    body = {"type": _PROBLEM + slug, "title": title}
    return web.json_response(body, status=status, content_type="application/problem+json")


def _body(call: _Call) -> dict[str, Any]:
    return call.json if isinstance(call.json, dict) else {}


@dataclass
class FakeService:
    """A model service: its spec and the wanted number of sessions."""

    id: str
    name: str
    spec: dict[str, Any]
    desired_session_count: int
    routes: dict[str, float] = field(default_factory=dict)  # route id -> traffic ratio


@dataclass
class AdminState:
    """What the administration routes keep; ``role_of(access_key)`` tells the caller's role."""

    role_of: Callable[[str], str]
    #: the simulated generation; None answers as before 26.x
    generation: Generation | None = None
    presets: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {"name": "small", "resource_slots": {"cpu": "1", "mem": "1073741824"}, "shared_memory": "67108864"}
        ]
    )
    etcd: dict[str, Any] = field(default_factory=dict)
    #: how many sessions are live (``GET /manager/status``)
    active_sessions: Callable[[], int] = lambda: 0
    #: the registries of the known images (``GET /config/docker-registries``)
    registries: Callable[[], list[tuple[str, str]]] = list  # (project, registry)
    announcement: dict[str, Any] = field(default_factory=lambda: {"enabled": False, "message": ""})
    bootstrap_script: str = ""
    dotfiles: dict[str, str] = field(default_factory=dict)
    ssh_public_key: str = ""  # 26.9.6 answers "" before a keypair is made
    totp_users: set[str] = field(default_factory=set)
    templates: list[dict[str, Any]] = field(default_factory=list)
    services: dict[str, FakeService] = field(default_factory=dict)

    def routes(self) -> list[Route]:
        """``(method, path template, handler, needs auth)`` for the manager's route table."""
        details: list[Route] = []
        if self.generation is None or self.generation.at_least("23.03"):
            details.append(("GET", "/config/resource-slots/details", self._slot_details, True))
        return [
            *details,
            ("GET", "/resource/presets", self._presets, True),
            ("POST", "/resource/check-presets", self._check_presets, True),
            ("GET", "/resource/stats/user/month", lambda call, p: web.json_response([]), True),
            ("POST", "/resource/recalculate-usage", self._superadmin(lambda call, p: web.json_response({})), True),
            *[("POST", f"/config/{verb}", self._superadmin(self._etcd), True) for verb in ("get", "set", "delete")],
            *[("GET", path, self._slots, True) for path in ("/config/resource-slots", "/etcd/resource-slots")],
            ("GET", "/config/vfolder-types", lambda call, p: web.json_response(["group", "user"]), True),
            ("GET", "/auth/role", self._auth_role, True),
            ("GET", "/scaling-groups", self._scaling_groups, True),
            (
                "GET",
                "/scaling-groups/{name}/wsproxy-version",
                lambda c, p: web.json_response({"wsproxy_version": "v2"}),
                True,
            ),
            ("GET", "/template/session", lambda call, p: web.json_response(self.templates), True),
            ("GET", "/manager/announcement", lambda call, p: web.json_response(self.announcement), True),
            ("GET", "/manager/status", self._superadmin(self._manager_status), True),
            *[
                ("GET", path, self._superadmin(self._registries), True)
                for path in ("/resource/container-registries", "/config/docker-registries")
            ],
            ("POST", "/manager/announcement", self._superadmin(self._announce), True),
            ("GET", "/user-config/bootstrap-script", lambda call, p: web.json_response(self.bootstrap_script), True),
            ("POST", "/user-config/bootstrap-script", self._set_bootstrap, True),
            *[(m, "/user-config/dotfiles", self._dotfiles, True) for m in ("GET", "POST", "PATCH", "DELETE")],
            (
                "GET",
                "/acl",
                lambda call, p: web.json_response({"vfolder_host_permission_list": ["create-vfolder"]}),
                True,
            ),
            *[(m, "/auth/ssh-keypair", self._ssh_keypair, True) for m in ("GET", "PATCH", "POST")],
            *[
                ("POST", f"/auth/{name}", self._account, True)
                for name in ("signout", "update-full-name", "update-password")
            ],
            *[(m, "/totp", self._totp, True) for m in ("GET", "POST", "DELETE")],
            ("POST", "/totp/verify", self._totp, True),
            ("GET", "/services", self._list_services, True),
            ("POST", "/services", self._create_service, True),
            ("GET", "/services/{service_id}", self._service(self._service_info), True),
            ("DELETE", "/services/{service_id}", self._service(self._delete_service), True),
            ("POST", "/services/{service_id}/scale", self._service(self._scale), True),
            ("POST", "/services/{service_id}/sync", self._service(lambda s, call, p: {"success": True}), True),
            ("POST", "/services/{service_id}/token", self._service(self._token), True),
            ("PUT", "/services/{service_id}/routings/{route_id}", self._service(self._route), True),
            ("DELETE", "/services/{service_id}/routings/{route_id}", self._service(self._route), True),
        ]

    # -- helpers -----------------------------------------------------------------------------

    def _superadmin(self, handler: Callable[[Any, dict[str, str]], web.StreamResponse]) -> Any:
        def checked(call: _Call, params: dict[str, str]) -> web.StreamResponse:
            if call.access_key is None or self.role_of(call.access_key) != "superadmin":
                return _problem(403, "generic-forbidden", "Forbidden operation.")
            return handler(call, params)

        return checked

    def _service(self, handler: Callable[[FakeService, Any, dict[str, str]], Any]) -> Any:
        def found(call: _Call, params: dict[str, str]) -> web.StreamResponse:
            service = self.services.get(params["service_id"])
            if service is None:
                return _problem(404, "object-not-found", "No such model service.")
            return web.json_response(handler(service, call, params))

        return found

    # -- handlers ----------------------------------------------------------------------------

    def _measured(self) -> bool:
        """Answer as recorded on 26.9.6 (the 26.x request schemas)."""
        return self.generation is not None and self.generation.at_least("26.3")

    def _manager_status(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        """One manager node, as 26.9.6 answers (``api_version`` is the pair the request used)."""
        active = self.active_sessions()
        major, _, date = (call.version or "").partition(".")
        node = {
            "id": "i-fake-manager",
            "num_proc": 1,
            "service_addr": "127.0.0.1:0",
            "heartbeat_timeout": 40.0,
            "ssl_enabled": False,
            "active_sessions": active,
            "status": "running",
            "version": self.generation.manager_version if self.generation else "",
            "api_version": [int(major.lstrip("v") or 0), date],
        }
        return web.json_response({"nodes": [node], "status": "running", "active_sessions": active})

    def _registries(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        """The container registries, as 26.9.6 answers: ``{"<project>/<registry>": "<url>"}``."""
        return web.json_response(
            {f"{project}/{registry}": f"https://{registry}" for project, registry in self.registries()}
        )

    def _preset_list(self) -> list[dict[str, Any]]:
        if not self._measured():
            return self.presets
        return [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "preset:" + p["name"])), **p} for p in self.presets]

    def _presets(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response({"presets": self._preset_list()})

    def _check_presets(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        unlimited = {"cpu": "Infinity", "mem": "Infinity"}
        zero = {"cpu": "0", "mem": "0"}
        presets = [{**preset, "allocatable": True} for preset in self._preset_list()]
        if not self._measured():
            return web.json_response(
                {
                    "keypair_limits": unlimited,
                    "keypair_using": zero,
                    "keypair_remaining": unlimited,
                    "group_limits": unlimited,
                    "group_using": zero,
                    "group_remaining": unlimited,
                    "scaling_group_remaining": unlimited,
                    "scaling_groups": {"default": {"using": {}, "remaining": unlimited}},
                    "presets": presets,
                }
            )
        if "group" not in _body(call):  # 26.x: the request schema requires it
            missing = [{"type": "missing", "loc": ("group",), "msg": "Field required"}]
            body = {
                "type": _PROBLEM + "generic-bad-request",
                "title": "Invalid or Missing API Parameters.",
                "error_code": "api_parsing_invalid-parameters",
                "msg": "<BackendAISchemaValidationFailed(400): Schema validation failed. (1 validation error for "
                f"CheckPresetsRequest\ngroup\n  Field required [type=missing, input_value={{}}, input_type=dict])>\n"
                f" -> extra_data: {{'errors': {missing!r}}}",
            }
            return web.json_response(body, status=400, content_type="application/problem+json")
        remaining = {"cpu": "4.000000", "mem": "8589934592.000000"}
        nan = {"cpu": "NaN", "mem": "NaN"}
        return web.json_response(
            {
                "presets": presets,
                "keypair_limits": unlimited,
                "keypair_using": zero,
                "keypair_remaining": unlimited,
                "group_limits": nan,
                "group_using": nan,
                "group_remaining": nan,
                "scaling_group_remaining": remaining,
                "scaling_groups": {"default": {"using": zero, "remaining": remaining}},
            }
        )

    def _etcd(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        body = _body(call)
        key, prefix = str(body.get("key", "")), bool(body.get("prefix"))
        verb = call.path.rsplit("/", 1)[1]
        if verb == "set":
            self.etcd[key] = body.get("value")
            return web.json_response({"result": "ok"})
        matches = [k for k in self.etcd if k == key or (prefix and k.startswith(key))]
        if verb == "delete":
            for k in matches:
                del self.etcd[k]
            return web.json_response({"result": "ok"})
        if prefix:
            return web.json_response({"result": {k[len(key) :].lstrip("/"): self.etcd[k] for k in matches}})
        return web.json_response({"result": self.etcd.get(key)})

    def _slots(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response({"cpu": "count", "mem": "bytes"})

    def _slot_details(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        def slot(name: str, description: str, readable: str, unit: str, binary: bool) -> dict[str, Any]:
            return {
                "slot_name": name,
                "description": description,
                "human_readable_name": readable,
                "display_unit": unit,
                "number_format": {"binary": binary, "round_length": 0},
                "display_icon": "cpu",
            }

        return web.json_response(
            {"cpu": slot("cpu", "CPU", "CPU", "Core", False), "mem": slot("ram", "Memory", "RAM", "GiB", True)}
        )

    def _auth_role(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        assert call.access_key is not None
        role = self.role_of(call.access_key)
        domain_role = "admin" if role in ("superadmin", "admin") else "user"
        return web.json_response({"global_role": role, "domain_role": domain_role, "group_role": None})

    def _scaling_groups(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        if not (call.query.get("group") or call.query.get("group_id") or call.query.get("group_name")):
            return _problem(400, "invalid-api-params", "Missing or invalid API parameters.")
        return web.json_response({"scaling_groups": [{"name": "default"}]})

    def _announce(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        body = _body(call)
        self.announcement = {"enabled": bool(body.get("enabled")), "message": str(body.get("message", ""))}
        return web.json_response({})

    def _set_bootstrap(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        self.bootstrap_script = str(_body(call).get("script", ""))
        return web.json_response({})

    def _dotfiles(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        body = _body(call)
        path = str(call.query.get("path") or body.get("path", ""))  # DELETE: 26.9 reads the query
        if call.method == "GET":
            return web.json_response([{"path": p, "permission": "644", "data": d} for p, d in self.dotfiles.items()])
        if call.method == "DELETE":
            if self.dotfiles.pop(path, None) is None:
                return _problem(404, "object-not-found", "No such dotfile.")
            return web.json_response({})
        if (call.method == "POST") == (path in self.dotfiles):  # create an existing one, or update a missing one
            return _problem(409 if call.method == "POST" else 404, "generic-bad-request", "Dotfile state mismatch.")
        self.dotfiles[path] = str(body.get("data", ""))
        return web.json_response({})

    def _ssh_keypair(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        if call.method == "GET":
            return web.json_response({"ssh_public_key": self.ssh_public_key})
        if call.method == "PATCH":
            self.ssh_public_key = "ssh-rsa AAAAfake generated"
            return web.json_response({"ssh_public_key": self.ssh_public_key, "ssh_private_key": "PRIVATE"})
        body = _body(call)  # the manager's keys: pubkey, privkey; it answers the stored pair
        self.ssh_public_key = str(body.get("pubkey"))
        return web.json_response({"ssh_public_key": self.ssh_public_key, "ssh_private_key": str(body.get("privkey"))})

    def _account(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        body = _body(call)
        if call.path.endswith("update-password") and body.get("new_password") != body.get("new_password2"):
            return _problem(400, "generic-bad-request", "new password mismatch")
        return web.json_response({})

    def _totp(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        assert call.access_key is not None
        who = call.query.get("email") or call.access_key
        if call.method == "POST" and call.path.endswith("/verify"):
            self.totp_users.add(who)
        elif call.method == "POST":
            return web.json_response({"totp_key": "FAKEKEY", "totp_uri": "otpauth://totp/fake"})
        elif call.method == "DELETE":
            self.totp_users.discard(who)
        return web.json_response({"totp_activated": who in self.totp_users})

    def _list_services(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        name = call.query.get("name")
        listed = [s for s in self.services.values() if name is None or s.name == name]
        return web.json_response(
            [{"id": s.id, "name": s.name, "desired_session_count": s.desired_session_count} for s in listed]
        )

    def _create_service(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        body = _body(call)
        if "service_name" not in body or "config" not in body:
            return _problem(400, "invalid-api-params", "service_name and config are required")
        service_id = str(uuid.uuid4())
        count = int(body.get("replicas", body.get("desired_session_count", 1)))
        self.services[service_id] = FakeService(service_id, str(body["service_name"]), body, count)
        return web.json_response({"endpoint_id": service_id})

    def _service_info(self, service: FakeService, call: _Call, params: dict[str, str]) -> Any:
        routes = [{"route_id": r, "traffic_ratio": t} for r, t in service.routes.items()]
        return {
            "endpoint_id": service.id,
            "name": service.name,
            "desired_session_count": service.desired_session_count,
            "active_routes": routes,
        }

    def _delete_service(self, service: FakeService, call: _Call, params: dict[str, str]) -> Any:
        del self.services[service.id]
        return {"success": True}

    def _scale(self, service: FakeService, call: _Call, params: dict[str, str]) -> Any:
        current = service.desired_session_count
        service.desired_session_count = int(_body(call)["to"])
        return {"current_route_count": current, "target_count": service.desired_session_count}

    def _token(self, service: FakeService, call: _Call, params: dict[str, str]) -> Any:
        return {"token": f"token-for-{service.id}"}

    def _route(self, service: FakeService, call: _Call, params: dict[str, str]) -> Any:
        if call.method == "PUT":
            service.routes[params["route_id"]] = float(_body(call)["traffic_ratio"])
        else:
            service.routes.pop(params["route_id"], None)
        return {"success": True}
