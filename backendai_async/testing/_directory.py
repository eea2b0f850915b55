"""The administrative objects GraphQL reads besides keypairs, users and sessions: domains, groups
(projects), images, agents, scaling groups, resource policies and storage volumes.

Each is a plain ``dict`` of GraphQL field name -> Python value (JSON-typed fields hold Python
objects, dates are ISO 8601 strings); a field a record lacks answers ``null``. Tests append or edit
records freely; ``Directory()`` seeds one of each, consistent with the fake's defaults.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

__all__ = ["DEFAULT_DOMAIN", "DEFAULT_GROUP", "Directory", "group_id", "user_uuid"]

DEFAULT_DOMAIN = "default"
DEFAULT_GROUP = "default"
_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc).isoformat()

Record = dict[str, Any]


def user_uuid(access_key: str) -> str:
    """The UUID of the user whose main keypair is ``access_key`` (the same in REST answers)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{access_key}"))


def personal_project_id(access_key: str) -> str:
    """The UUID of the personal project of the user whose main keypair is ``access_key`` (26.9
    names it as the ``group`` of that user's own folders in listings)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"personal-project:{access_key}"))


def group_id(name: str) -> str:
    """The UUID of the group ``name`` (the same in REST answers)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"group:{name}"))


def _domains() -> list[Record]:
    return [
        {
            "name": DEFAULT_DOMAIN,
            "description": "The default domain",
            "is_active": True,
            "created_at": _EPOCH,
            "modified_at": _EPOCH,
            "total_resource_slots": {},
            "allowed_vfolder_hosts": {"local:volume1": ["create-vfolder", "modify-vfolder", "delete-vfolder"]},
            "allowed_docker_registries": ["cr.backend.ai"],
            "integration_id": None,
            "scaling_groups": ["default"],
        }
    ]


def _groups() -> list[Record]:
    return [
        {
            "id": group_id(DEFAULT_GROUP),
            "name": DEFAULT_GROUP,
            "description": "The default project",
            "is_active": True,
            "created_at": _EPOCH,
            "modified_at": _EPOCH,
            "domain_name": DEFAULT_DOMAIN,
            "type": "GENERAL",
            "total_resource_slots": {},
            "allowed_vfolder_hosts": {"local:volume1": ["create-vfolder", "modify-vfolder", "delete-vfolder"]},
            "integration_id": None,
            "resource_policy": "default",
            "container_registry": None,
            "scaling_groups": ["default"],
        }
    ]


def _image(registry: str, name: str, tag: str, *, operation: bool = False) -> Record:
    labels = {"ai.backend.role": "SYSTEM" if operation else "COMPUTE", "ai.backend.base-distro": "ubuntu20.04"}
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"image:{registry}/{name}:{tag}")),
        "name": name,
        "namespace": name,
        "base_image_name": name.rsplit("/", 1)[-1],
        "project": name.split("/", 1)[0],
        "humanized_name": name.rsplit("/", 1)[-1],
        "tag": tag,
        "tags": [],
        "version": tag.split("-", 1)[0],
        "registry": registry,
        "architecture": "x86_64",
        "is_local": False,
        "digest": "sha256:" + uuid.uuid5(uuid.NAMESPACE_URL, f"digest:{name}:{tag}").hex * 2,
        "labels": [{"key": k, "value": v} for k, v in labels.items()],
        "aliases": [],
        "size_bytes": 1 << 30,
        "status": "ALIVE",
        "resource_limits": [
            {"key": "cpu", "min": "1", "max": None},
            {"key": "mem", "min": "1073741824", "max": None},
        ],
        "supported_accelerators": ["cuda"],
        "installed": True,
        "installed_agents": ["i-fake-agent"],
        "hash": None,
        "is_operation": operation,
    }


def _agents() -> list[Record]:
    return [
        {
            "id": "i-fake-agent",
            "status": "ALIVE",
            "status_changed": _EPOCH,
            "region": "local",
            "scaling_group": "default",
            "schedulable": True,
            "available_slots": {"cpu": "8", "mem": "17179869184"},
            "occupied_slots": {"cpu": "0", "mem": "0"},
            "addr": "tcp://127.0.0.1:6001",
            "architecture": "x86_64",
            "first_contact": _EPOCH,
            "lost_at": None,
            "live_stat": {},
            "version": "fake",
            "compute_plugins": {},
            "hardware_metadata": {},
            "local_config": {},
            "container_count": 0,
            "auto_terminate_abusing_kernel": False,
            "cpu_cur_pct": 0.0,
            "mem_cur_bytes": 0.0,
            "compute_containers": [],
        }
    ]


def _scaling_groups() -> list[Record]:
    return [
        {
            "name": "default",
            "description": "The default resource group",
            "is_active": True,
            "is_public": True,
            "created_at": _EPOCH,
            "wsproxy_addr": "http://127.0.0.1:5050",  # a string on 26.9.6 (the stack's app proxy)
            "wsproxy_api_token": "unused",  # a string on 26.9.6 too
            "driver": "static",
            "driver_opts": {},
            "scheduler": "fifo",
            "scheduler_opts": {},
            "use_host_network": False,
            "accelerator_quantum_size": 1.0,
        }
    ]


def _keypair_policies() -> list[Record]:
    return [
        {
            "name": "default",
            "created_at": _EPOCH,
            "default_for_unspecified": "UNLIMITED",
            "total_resource_slots": {},
            "max_session_lifetime": 0,
            "max_concurrent_sessions": 30,
            "max_containers_per_session": 1,
            "idle_timeout": 3600,
            "allowed_vfolder_hosts": {"local:volume1": ["create-vfolder", "modify-vfolder", "delete-vfolder"]},
            "max_vfolder_count": 10,
            "max_vfolder_size": 0,
            "max_quota_scope_size": -1,
            "max_concurrent_sftp_sessions": 1,
            "max_pending_session_count": None,
            "max_pending_session_resource_slots": None,
        }
    ]


def _scoped_policies(kind: str) -> list[Record]:
    return [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}-policy:default")),
            "name": "default",
            "created_at": _EPOCH,
            "max_vfolder_count": 10,
            "max_quota_scope_size": -1,
            "max_vfolder_size": -1,
            "max_session_count_per_model_session": 10,
            "max_customized_image_count": 3,
            "max_network_count": 3,
        }
    ]


def _storage_volumes() -> list[Record]:
    return [
        {
            "id": "local:volume1",
            "proxy": "local",
            "name": "volume1",
            "backend": "vfs",
            "fsprefix": "",
            "path": "/vfroot/local",
            "capabilities": ["file-ops", "quota"],
            "hardware_metadata": {},
            "performance_metric": {},
            "usage": {"capacity_bytes": 1 << 40, "used_bytes": 0},
        }
    ]


@dataclass
class Directory:
    """The records GraphQL serves; ``user_details`` adds or overrides fields of a user by e-mail."""

    domains: list[Record] = field(default_factory=_domains)
    groups: list[Record] = field(default_factory=_groups)
    images: list[Record] = field(
        default_factory=lambda: [
            _image("cr.backend.ai", "stable/python", "3.9-ubuntu20.04"),
            _image("cr.backend.ai", "stable/python", "3.11-ubuntu22.04"),
            _image("cr.backend.ai", "system/sftp", "latest", operation=True),
        ]
    )
    agents: list[Record] = field(default_factory=_agents)
    scaling_groups: list[Record] = field(default_factory=_scaling_groups)
    keypair_resource_policies: list[Record] = field(default_factory=_keypair_policies)
    user_resource_policies: list[Record] = field(default_factory=lambda: _scoped_policies("user"))
    project_resource_policies: list[Record] = field(default_factory=lambda: _scoped_policies("project"))
    storage_volumes: list[Record] = field(default_factory=_storage_volumes)
    user_details: dict[str, Record] = field(default_factory=dict)
    #: the owner (e-mail) of keypairs made besides each user's main one
    keypair_owners: dict[str, str] = field(default_factory=dict)

    def add_image(self, reference: str, *, installed: bool = True) -> Record:
        """Add an image by reference (``registry/name:tag``; the registry defaults to ``cr.backend.ai``)."""
        path, _, tag = reference.rpartition(":")
        if not path:
            path, tag = reference, "latest"
        registry, _, name = path.partition("/")
        if "." not in registry and ":" not in registry:
            registry, name = "cr.backend.ai", path
        record = _image(registry, name, tag)
        record["installed"] = installed
        record["installed_agents"] = ["i-fake-agent"] if installed else []
        self.images.append(record)
        return record
