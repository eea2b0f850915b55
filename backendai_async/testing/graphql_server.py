"""GraphQL executed, not canned: every document is parsed, validated and executed with graphql-core
against the real schema of the simulated generation (``schemas/*.graphql``, measured on real
managers), with resolvers that read the fake's state.

An unknown field, a wrong argument or a bad variable gets graphql-core's error list, as the
manager's own graphene/graphql-core stack words it; ``FakeManager`` answers it with status 200 on
``/admin/gql`` and as a 400 ``graphql-error`` on the legacy ``/admin/graphql``.

Lists take the server's arguments: ``limit``/``offset`` with ``total_count`` on ``*_list`` roots,
the root's own filters (``status``, ``access_key``, ``email``, ``is_active``, ``group_id``, …), and
``filter``/``order`` in the manager's mini-language as far as simple conjunctions go:
``field == "v" & other ilike "%x%"`` (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``like``,
``ilike``, ``in``) and ``+field,-other``. Anything else in ``filter``/``order`` is ignored and
noted in ``GraphQLServer.ignored``. A root field the fake does not implement answers a GraphQL
error that says so (never a silent ``null``).

graphql-core is imported here only: ``import backendai_async`` never loads it.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from importlib import resources
from typing import Any

from graphql import GraphQLScalarType, GraphQLSchema, GraphQLSyntaxError, build_schema, graphql_sync

from ._directory import DEFAULT_DOMAIN, Record
from ._directory import group_id as uuid_of_group
from ._http import Problem
from ._state import ComputeSession
from .fake_graphql import REFUSAL, GraphQLFailure
from .graphql_mutations import Mutations
from .graphql_records import GraphQLState, email_of, folder_record, keypair_record, session_record, user_records

__all__ = ["GraphQLServer", "GraphQLState", "load_schema"]

_ADMIN_REFUSAL = "Forbidden operation. (admin privilege required)"


def _json_out(value: Any) -> Any:
    return value if value is None else json.dumps(value)


def _json_in(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _date_out(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@functools.cache
def load_schema(name: str) -> GraphQLSchema:
    """The measured schema ``schemas/<name>.graphql``, with the manager's custom scalars."""
    text = resources.files(__package__).joinpath("schemas").joinpath(f"{name}.graphql").read_text(encoding="utf-8")
    schema = build_schema(text)
    scalars: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        "JSONString": (_json_out, _json_in),
        "DateTime": (_date_out, str),
        "UUID": (str, str),
    }
    for scalar, (serialize, parse) in scalars.items():
        found = schema.type_map.get(scalar)
        if isinstance(found, GraphQLScalarType):
            # graphql-core 3.2 reads serialize/parse_value, 3.3 the coerce_* names
            for attribute, function in (
                ("serialize", serialize),
                ("coerce_output_value", serialize),
                ("parse_value", parse),
                ("coerce_input_value", parse),
            ):
                setattr(found, attribute, function)
    return schema


# -- filter and order mini-language ------------------------------------------------------------

_CLAUSE = re.compile(r"^\s*(\w+)\s*(==|!=|<=|>=|<|>|\bilike\b|\blike\b|\bin\b)\s*(.+?)\s*$", re.IGNORECASE)
_ORDER = re.compile(r"^\s*([+-]?)(\w+)\s*$")


def _literal(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        if len(text) >= 2 and text[0] == text[-1] == "'":
            return text[1:-1]
        return text


def _like(pattern: str, value: Any, flags: int) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return value is not None and re.fullmatch(regex, str(value), flags) is not None


def _test(op: str, wanted: Any, value: Any) -> bool:
    op = op.lower()
    if op == "==":
        return bool(value == wanted or (value is not None and str(value) == str(wanted)))
    if op == "!=":
        return not _test("==", wanted, value)
    if op in ("like", "ilike"):
        return _like(str(wanted), value, re.IGNORECASE if op == "ilike" else 0)
    if op == "in":
        return isinstance(wanted, list) and value in wanted
    if value is None:
        return False
    try:
        return bool({"<": value < wanted, "<=": value <= wanted, ">": value > wanted, ">=": value >= wanted}[op])
    except TypeError:
        return False


class GraphQLServer:
    """A ``graphql_handler``: ``server(query, variables, access_key) -> data``, raising
    ``GraphQLFailure`` with the error list (and partial data) when the document fails."""

    def __init__(self, state: GraphQLState) -> None:
        self.state = state
        #: filter/order expressions (or parts) the fake did not apply
        self.ignored: list[str] = []

    def __call__(self, query: str, variables: Any, access_key: str) -> Any:
        schema = load_schema(self.state.generation.schema)
        root = _Root(self, access_key)
        result = graphql_sync(
            schema,
            query,
            root_value=root,
            variable_values=variables if isinstance(variables, dict) else None,
        )
        if (
            result.errors
            and isinstance(result.errors[0], GraphQLSyntaxError)
            and self.state.generation.at_least("26.9")
        ):
            # 26.9.6 lets graphql-core's syntax error escape its handler: a 500 (measured)
            raise Problem(500, "internal-server-error")
        if result.errors:
            errors = [dict(error.formatted) for error in result.errors]
            raise GraphQLFailure(result.errors[0].message, data=result.data, errors=errors)
        return result.data

    # -- list helpers -------------------------------------------------------------------------

    def select(self, items: Iterable[Record], filter: str | None, order: str | None) -> list[Record]:
        """Apply a ``filter`` and an ``order`` expression (the simple forms; the rest is ignored)."""
        chosen = list(items)
        if filter:
            if re.search(r"[|()]", filter):
                self.ignored.append(filter)
            else:
                for clause in filter.split("&"):
                    m = _CLAUSE.match(clause)
                    if m is None:
                        self.ignored.append(clause.strip())
                        continue
                    name, op, raw = m.groups()
                    wanted = _literal(raw)
                    chosen = [item for item in chosen if _test(op, wanted, item.get(name))]
        if order:
            for part in reversed(order.split(",")):
                m = _ORDER.match(part)
                if m is None:
                    self.ignored.append(part.strip())
                    continue
                sign, name = m.groups()
                chosen.sort(key=lambda item: _order_key(item.get(name)), reverse=sign == "-")
        return chosen


def _order_key(value: Any) -> tuple[bool, float, str]:
    """Sorts numbers as numbers, everything else as text, nulls last."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (False, float(value), "")
    return (value is None, float("inf"), "" if value is None else str(value))


def _legacy_order(order: str | None, order_key: str | None, order_asc: bool | None) -> str | None:
    """``order_key``/``order_asc`` (API v4) as an ``order`` expression."""
    if order_key:
        return ("+" if order_asc in (None, True) else "-") + order_key
    return order


def _page(items: Sequence[Record], limit: int, offset: int) -> dict[str, Any]:
    return {"items": list(items[offset : offset + limit]), "total_count": len(items)}


def _statuses(status: str | None) -> set[str] | None:
    return {s.strip().upper() for s in status.split(",") if s.strip()} if status else None


class _Root(Mutations):
    """The root value: one method per root field (queries here, mutations in ``Mutations``), called
    by graphql-core's default resolver with ``(info, **arguments)``; the records they return are
    plain dicts. A root field without a method answers a GraphQL error naming it."""

    def __init__(self, server: GraphQLServer, access_key: str) -> None:
        self._server = server
        self._state = server.state
        self._caller = access_key

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def unimplemented(info: Any, **arguments: Any) -> Any:
            raise NotImplementedError(f"the FakeManager does not implement {name!r}")

        return unimplemented

    # -- roles ----------------------------------------------------------------------------------

    @property
    def _role(self) -> str:
        return self._state.keypairs[self._caller].role

    def _require(self, role: str) -> None:
        if role == "superadmin" and self._role != "superadmin":
            raise PermissionError(REFUSAL)
        if role == "admin" and self._role not in ("superadmin", "admin"):
            raise PermissionError(_ADMIN_REFUSAL)

    def _visible_sessions(self, access_key: str | None) -> list[ComputeSession]:
        sessions = [*self._state.sessions.values(), *self._state.terminated.values()]
        if self._role == "user":
            return [s for s in sessions if s.owner == self._caller]
        return [s for s in sessions if access_key is None or s.owner == access_key]

    # -- compute sessions ------------------------------------------------------------------------

    def compute_session_list(
        self,
        info: Any,
        limit: int,
        offset: int,
        filter: str | None = None,
        order: str | None = None,
        order_key: str | None = None,
        order_asc: bool | None = None,
        domain_name: str | None = None,
        group_id: str | None = None,
        access_key: str | None = None,
        status: str | None = None,
    ) -> dict[str, Any]:
        wanted = _statuses(status)
        records = [
            session_record(self._state, s)
            for s in self._visible_sessions(access_key)
            if (wanted is None or s.status in wanted)
            and (domain_name is None or s.domain == domain_name)
            and (group_id is None or group_id in (s.group, uuid_of_group(s.group)))
        ]
        records.sort(key=lambda r: str(r["created_at"]), reverse=True)  # the server's default order
        order = _legacy_order(order, order_key, order_asc)
        return _page(self._server.select(records, filter, order), limit, offset)

    def compute_session(self, info: Any, id: str | None = None, sess_id: str | None = None, **_: Any) -> Record | None:
        for s in self._visible_sessions(None):
            if (id is not None and s.id == id) or (sess_id is not None and s.name == sess_id):
                return session_record(self._state, s)
        return None

    # -- keypairs, users, groups, domains -------------------------------------------------------

    def keypair(self, info: Any, access_key: str | None = None, domain_name: str | None = None) -> Record | None:
        key = access_key or self._caller
        if key != self._caller:
            self._require("admin")
        return keypair_record(self._state, key) if key in self._state.keypairs else None

    def _keypairs(self, email: str | None, is_active: bool | None) -> list[Record]:
        if self._role == "user":
            email = email_of(self._state, self._caller)
        records = [keypair_record(self._state, key) for key in self._state.keypairs]
        return [
            r
            for r in records
            if (email is None or r["user_id"] == email) and (is_active is None or r["is_active"] == is_active)
        ]

    def keypairs(
        self, info: Any, domain_name: str | None = None, email: str | None = None, is_active: bool | None = None
    ) -> list[Record]:
        return self._keypairs(email, is_active)

    def keypair_list(
        self,
        info: Any,
        limit: int,
        offset: int,
        filter: str | None = None,
        order: str | None = None,
        order_key: str | None = None,
        order_asc: bool | None = None,
        domain_name: str | None = None,
        email: str | None = None,
        is_active: bool | None = None,
    ) -> dict[str, Any]:
        order = _legacy_order(order, order_key, order_asc)
        records = self._server.select(self._keypairs(email, is_active), filter, order)
        return _page(records, limit, offset)

    def user(self, info: Any, email: str | None = None, domain_name: str | None = None) -> Record | None:
        own = email_of(self._state, self._caller)
        if email is not None and email != own:
            self._require("admin")
        return next((u for u in user_records(self._state) if u["email"] == (email or own)), None)

    def user_from_uuid(self, info: Any, user_id: str | None = None, domain_name: str | None = None) -> Record | None:
        found = next((u for u in user_records(self._state) if u["uuid"] == user_id), None)
        if found is not None and found["email"] != email_of(self._state, self._caller):
            self._require("admin")
        return found

    def _user_records(self, is_active: bool | None, status: str | None, group_id: str | None) -> list[Record]:
        self._require("admin")
        return [
            u
            for u in user_records(self._state)
            if (is_active is None or u["is_active"] == is_active)
            and (status is None or u["status"] == status)
            and (group_id is None or any(g["id"] == group_id for g in u["groups"]))
        ]

    def users(
        self,
        info: Any,
        domain_name: str | None = None,
        group_id: str | None = None,
        is_active: bool | None = None,
        status: str | None = None,
    ) -> list[Record]:
        return self._user_records(is_active, status, group_id)

    def user_list(
        self,
        info: Any,
        limit: int,
        offset: int,
        filter: str | None = None,
        order: str | None = None,
        order_key: str | None = None,
        order_asc: bool | None = None,
        domain_name: str | None = None,
        group_id: str | None = None,
        is_active: bool | None = None,
        status: str | None = None,
    ) -> dict[str, Any]:
        order = _legacy_order(order, order_key, order_asc)
        records = self._server.select(self._user_records(is_active, status, group_id), filter, order)
        return _page(records, limit, offset)

    def groups(
        self,
        info: Any,
        domain_name: str | None = None,
        is_active: bool | None = None,
        type: list[str] | None = None,
    ) -> list[Record]:
        return [
            g
            for g in self._state.directory.groups
            if (domain_name is None or g.get("domain_name") == domain_name)
            and (is_active is None or g.get("is_active") == is_active)
            and (type is None or g.get("type", "GENERAL") in type)
        ]

    def group(self, info: Any, id: str, domain_name: str | None = None, type: list[str] | None = None) -> Record | None:
        return next((g for g in self._state.directory.groups if g.get("id") == id), None)

    def groups_by_name(self, info: Any, name: str, domain_name: str | None = None) -> list[Record]:
        return [g for g in self._state.directory.groups if g.get("name") == name]

    def domain(self, info: Any, name: str | None = None) -> Record | None:
        return next((d for d in self._state.directory.domains if d.get("name") == (name or DEFAULT_DOMAIN)), None)

    def domains(self, info: Any, is_active: bool | None = None) -> list[Record]:
        self._require("superadmin")
        return [d for d in self._state.directory.domains if is_active is None or d.get("is_active") == is_active]

    # -- images, agents, scaling groups, storage -------------------------------------------------

    def images(
        self,
        info: Any,
        is_installed: bool | None = None,
        is_operation: bool | None = None,
        **ignored: Any,
    ) -> list[Record]:
        return [
            i
            for i in self._state.directory.images
            if (is_installed is None or i.get("installed") == is_installed)
            and bool(i.get("is_operation")) == bool(is_operation)
        ]

    def image(self, info: Any, reference: str | None = None, id: str | None = None, **_: Any) -> Record | None:
        for record in self._state.directory.images:
            full = f"{record.get('registry')}/{record.get('name')}:{record.get('tag')}"
            if record.get("id") == id or reference in (full, f"{record.get('name')}:{record.get('tag')}"):
                return record
        return None

    def _agents(self, scaling_group: str | None, status: str | None) -> list[Record]:
        self._require("superadmin")
        wanted = _statuses(status)
        return [
            a
            for a in self._state.directory.agents
            if (scaling_group is None or a.get("scaling_group") == scaling_group)
            and (wanted is None or str(a.get("status")).upper() in wanted)
        ]

    def agents(self, info: Any, scaling_group: str | None = None, status: str | None = None) -> list[Record]:
        return self._agents(scaling_group, status)

    def agent_list(
        self,
        info: Any,
        limit: int,
        offset: int,
        filter: str | None = None,
        order: str | None = None,
        order_key: str | None = None,
        order_asc: bool | None = None,
        scaling_group: str | None = None,
        status: str | None = None,
    ) -> dict[str, Any]:
        order = _legacy_order(order, order_key, order_asc)
        return _page(self._server.select(self._agents(scaling_group, status), filter, order), limit, offset)

    def agent(self, info: Any, agent_id: str) -> Record | None:
        return next((a for a in self._agents(None, None) if a.get("id") == agent_id), None)

    def agent_summary_list(
        self, info: Any, limit: int, offset: int, scaling_group: str | None = None, status: str | None = None, **_: Any
    ) -> dict[str, Any]:
        self._require("admin")
        wanted = _statuses(status)
        agents = [
            a
            for a in self._state.directory.agents
            if (scaling_group is None or a.get("scaling_group") == scaling_group)
            and (wanted is None or str(a.get("status")).upper() in wanted)
        ]
        return _page(agents, limit, offset)

    def scaling_groups(self, info: Any, name: str | None = None, is_active: bool | None = None) -> list[Record]:
        self._require("superadmin")
        return _scaling(self._state.directory.scaling_groups, is_active, name)

    def scaling_group(self, info: Any, name: str | None = None) -> Record | None:
        return next(iter(_scaling(self._state.directory.scaling_groups, None, name)), None)

    def scaling_groups_for_user_group(self, info: Any, user_group: str, is_active: bool | None = None) -> list[Record]:
        group = next((g for g in self._state.directory.groups if user_group in (g.get("id"), g.get("name"))), None)
        names = set(group.get("scaling_groups") or []) if group else set()
        return [sg for sg in _scaling(self._state.directory.scaling_groups, is_active, None) if sg["name"] in names]

    def scaling_groups_for_domain(self, info: Any, domain: str, is_active: bool | None = None) -> list[Record]:
        record = next((d for d in self._state.directory.domains if d.get("name") == domain), None)
        names = set(record.get("scaling_groups") or []) if record else set()
        return [sg for sg in _scaling(self._state.directory.scaling_groups, is_active, None) if sg["name"] in names]

    def scaling_groups_for_keypair(self, info: Any, access_key: str, is_active: bool | None = None) -> list[Record]:
        return _scaling(self._state.directory.scaling_groups, is_active, None)

    def storage_volume_list(
        self, info: Any, limit: int, offset: int, filter: str | None = None, order: str | None = None
    ) -> dict[str, Any]:
        self._require("superadmin")
        return _page(self._server.select(self._state.directory.storage_volumes, filter, order), limit, offset)

    def storage_volume(self, info: Any, id: str | None = None) -> Record | None:
        self._require("superadmin")
        return next((v for v in self._state.directory.storage_volumes if v.get("id") == id), None)

    # -- presets, policies, folders --------------------------------------------------------------

    def resource_presets(self, info: Any, filter: str | None = None, order: str | None = None) -> list[Record]:
        records = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "preset:" + p["name"])), **p} for p in self._presets()]
        return self._server.select(records, filter, order)

    def resource_preset(self, info: Any, name: str | None = None) -> Record | None:
        return next((p for p in self._presets() if p.get("name") == name), None)

    def _presets(self) -> list[Record]:
        return [{"scaling_group_name": None, **p} for p in self._state.admin.presets]

    def keypair_resource_policies(self, info: Any) -> list[Record]:
        return list(self._state.directory.keypair_resource_policies)

    def keypair_resource_policy(self, info: Any, name: str | None = None) -> Record | None:
        return _named(self._state.directory.keypair_resource_policies, name or "default")

    def user_resource_policies(self, info: Any) -> list[Record]:
        return list(self._state.directory.user_resource_policies)

    def user_resource_policy(self, info: Any, name: str | None = None) -> Record | None:
        return _named(self._state.directory.user_resource_policies, name or "default")

    def project_resource_policies(self, info: Any) -> list[Record]:
        return list(self._state.directory.project_resource_policies)

    def project_resource_policy(self, info: Any, name: str) -> Record | None:
        return _named(self._state.directory.project_resource_policies, name)

    def _folders(self, access_key: str | None) -> list[Record]:
        owner = self._caller if self._role == "user" else access_key
        return [
            folder_record(self._state, f)
            for f in self._state.vfolders.folders.values()
            if (owner is None or f.owner == owner) and f.status != "delete-complete"
        ]

    def vfolder_list(
        self,
        info: Any,
        limit: int,
        offset: int,
        filter: str | None = None,
        order: str | None = None,
        order_key: str | None = None,
        order_asc: bool | None = None,
        access_key: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        order = _legacy_order(order, order_key, order_asc)
        return _page(self._server.select(self._folders(access_key), filter, order), limit, offset)

    def vfolder_own_list(
        self,
        info: Any,
        limit: int,
        offset: int,
        filter: str | None = None,
        order: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """The caller's own (user-owned) folders, whatever the caller's role."""
        own = [r for r in self._folders(self._caller) if r["ownership_type"] == "user"]
        return _page(self._server.select(own, filter, order), limit, offset)

    def vfolders(self, info: Any, access_key: str | None = None, **_: Any) -> list[Record]:
        return self._folders(access_key)

    def vfolder(self, info: Any, id: str | None = None) -> Record | None:
        ref = (id or "").replace("-", "")
        return next((f for f in self._folders(None) if str(f["id"]).replace("-", "") == ref), None)


def _scaling(groups: list[Record], is_active: bool | None, name: str | None) -> list[Record]:
    return [
        sg
        for sg in groups
        if (is_active is None or sg.get("is_active") == is_active) and (name is None or sg.get("name") == name)
    ]


def _named(records: Iterable[Mapping[str, Any]], name: str) -> Record | None:
    return next((dict(r) for r in records if r.get("name") == name), None)
