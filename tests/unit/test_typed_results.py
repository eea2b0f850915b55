"""The core calls return the TypedDicts of ``backendai_async.results``, shaped from real answers
(``tests/unit/test_result_shapes.py`` checks those against the 26.9.6 recordings)."""

from __future__ import annotations

import inspect
from typing import is_typeddict

import pytest

import backendai_async as bai
from backendai_async import results
from backendai_async.resources.account import Account
from backendai_async.resources.agents import StorageProxy
from backendai_async.resources.compute_session import ComputeSession
from backendai_async.resources.maintenance import Maintenance, Resources
from backendai_async.resources.resource_presets import ResourcePreset
from backendai_async.resources.scaling_groups import ScalingGroup
from backendai_async.resources.settings import Service, UserConfig
from backendai_async.resources.vfolders import VFolder

CORE = {
    (bai.Client, "get_server_version"): "ServerVersion",
    (bai.Client, "create_if_not_exists"): "SessionCreateResult",
    (bai.Client, "create_session_from_template"): "SessionCreateResult",
    (bai.Client, "get_info"): "SessionInfo",
    (bai.Client, "destroy"): "DestroyResult | list[DestroyResult]",
    (bai.Client, "get_logs"): "SessionLogs",
    (bai.Client, "list_files"): "SessionFileList",
    (bai.Client, "get_direct_access_info"): "DirectAccessInfo",
    (bai.Client, "get_dependency_graph"): "DependencyGraph",
    (VFolder, "create"): "VFolderItem",
    (VFolder, "info"): "VFolderInfo",
    (VFolder, "list_files"): "VFolderFileList",
    (VFolder, "list_hosts"): "VFolderHosts",
    (VFolder, "mkdir"): "MkdirResult",
    (VFolder, "rename_file"): "MessageResult",
    (ResourcePreset, "list"): "ResourcePresetList",
    (ResourcePreset, "check"): "CheckPresetsResult",
    (ScalingGroup, "list"): "ScalingGroupList",
    (VFolder, "move_file"): "MessageResult",
    (VFolder, "request_download_token"): "TransferToken",
    (VFolder, "invite"): "VFolderInviteResult",
    (VFolder, "invitations"): "VFolderInvitationList",
    (VFolder, "accept_invitation"): "MessageResult",
    (VFolder, "delete_invitation"): "MessageResult",
    (VFolder, "leave_invited"): "MessageResult",
    (VFolder, "list_invitees"): "VFolderInviteeList",
    (Account, "fetch_ssh_keypair"): "SSHPublicKey",
    (Account, "refresh_ssh_keypair"): "SSHKeypair",
    (Account, "post_ssh_keypair"): "SSHKeypair",
    (Service, "get_announcement"): "Announcement",
    (StorageProxy, "get_all_permissions"): "VFolderHostPermissions",
    (ComputeSession, "get_commit_session_status"): "CommitStatus",
    (StorageProxy, "get_allowed_vfolder_hosts_by_current_user_info"): "AllowedVFolderHostsByScope",
    (Resources, "user_stats"): "list[UsageBucket]",
    (UserConfig, "get"): "list[Dotfile]",
}


@pytest.mark.parametrize(("owner", "name"), sorted(CORE, key=lambda key: (key[0].__name__, key[1])))
def test_core_calls_return_typed_dicts_of_the_real_answers(owner: type, name: str) -> None:
    annotation = inspect.get_annotations(getattr(owner, name))["return"]
    assert annotation == CORE[owner, name]
    for part in annotation.replace("list[", "").replace("]", "").split(" | "):
        assert is_typeddict(getattr(results, part)), part


def test_listed_folders_are_typed_items() -> None:
    # ``@paginated`` turns the page generator into an ``AsyncPaginator`` of the same items
    assert inspect.get_annotations(VFolder.list)["return"] == "AsyncIterator[VFolderItem]"


def test_login_and_check_login_are_typed() -> None:
    assert inspect.get_annotations(bai.Client.login)["return"] == "LoginResult"
    assert inspect.get_annotations(bai.Client.check_login)["return"] == "bool"


NOTHING = {
    (VFolder, "delete"),
    (VFolder, "delete_by_id"),
    (VFolder, "restore_from_trash_bin"),
    (VFolder, "delete_from_trash_bin"),
    (VFolder, "purge"),
    (Service, "update_announcement"),
    (UserConfig, "create"),
    (UserConfig, "update"),
    (UserConfig, "delete"),
    (UserConfig, "update_bootstrap_script"),
    (Maintenance, "recalculate_usage"),
}


@pytest.mark.parametrize(("owner", "name"), sorted(NOTHING, key=lambda key: (key[0].__name__, key[1])))
def test_calls_that_answer_nothing_useful_return_none(owner: type, name: str) -> None:
    # 26.9.6 answers 204, ``{}`` or ``{"success": true}`` (tests/data/shapes/26.9.6)
    assert inspect.get_annotations(getattr(owner, name))["return"] == "None"
