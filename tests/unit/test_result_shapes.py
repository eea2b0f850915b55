"""The TypedDicts of ``backendai_async.results`` against the answers recorded on the real 26.9.6
stack (``tests/data/shapes/26.9.6``): every key the server sent is declared, and every declared
type accepts the JSON type the server sent. A TypedDict that drifts from the recordings fails.
"""

from __future__ import annotations

import json
import pathlib
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Union

import pytest

import backendai_async as bai
from backendai_async import results as r
from backendai_async.resources.base import MutationResult
from backendai_async.resources.keypairs import KeypairInfo

SHAPES = pathlib.Path(__file__).parents[1] / "data" / "shapes" / "26.9.6"
_SCALARS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int, float),  # a JSON integer is a fine float (PEP 484's numeric tower)
    "float": (float,),
    "bool": (bool,),
    "null": (type(None),),
}

#: recorded call -> (the type of its answer, where in the answer it applies)
EXPECTED: dict[str, tuple[Any, tuple[str, ...]]] = {
    "version_probe": (r.ServerVersion, ()),
    "session_mode_version_probe": (r.ServerVersion, ()),
    "auth_test": (r.AuthTestResult, ()),
    "auth_role": (r.AuthRole, ()),
    "login": (r.LoginAnswer, ()),
    "login_check": (r.LoginAnswer, ()),
    "login_check_anonymous": (r.LoginAnswer, ()),
    "login_refused": (r.LoginAnswer, ()),
    "logout": (None, ()),
    "keypair_info": (r.GraphQLResponse, ()),
    "keypair_info/keypair": (KeypairInfo, ("data", "keypair")),
    "resource_slots": (dict[str, str], ()),
    "resource_slots_details": (dict[str, r.ResourceSlotDetail], ()),
    "vfolder_types": (list[str], ()),
    "resource_presets": (r.ResourcePresetList, ()),
    "resource_preset_add": (r.GraphQLResponse, ()),
    "resource_preset_add/mutation": (MutationResult, ("data", "create_resource_preset")),
    "resource_check_presets": (r.CheckPresetsResult, ()),
    "resource_check_presets_no_group": (r.ProblemDetails, ()),
    "scaling_groups": (r.ScalingGroupList, ()),
    "session_create_new": (r.SessionCreateResult, ()),
    "session_create_existing": (r.SessionCreateResult, ()),
    "session_create_unknown_image": (r.ProblemDetails, ()),
    "session_info": (r.SessionInfo, ()),
    "session_info_terminating": (r.SessionInfo, ()),
    "session_logs": (r.SessionLogs, ()),
    "session_list_files": (r.SessionFileList, ()),
    "session_direct_access_info": (r.DirectAccessInfo, ()),
    "session_status_history": (dict[str, str], ()),
    "session_dependency_graph": (r.DependencyGraph, ()),
    "session_restart": (r.ProblemDetails, ()),
    "session_destroy": (r.DestroyResult, ()),
    "session_not_found": (r.ProblemDetails, ()),
    "vfolder_hosts": (r.VFolderHosts, ()),
    "vfolder_all_hosts": (r.VFolderHosts, ()),
    "vfolder_allowed_types": (list[str], ()),
    "vfolder_create": (r.VFolderItem, ()),
    "vfolder_create_existing": (r.ProblemDetails, ()),
    "vfolder_list": (list[r.VFolderItem], ()),
    "vfolder_info": (r.VFolderInfo, ()),
    "vfolder_id": (r.VFolderId, ()),
    "vfolder_id_query_only": (r.ProblemDetails, ()),
    "vfolder_mkdir": (r.MkdirResult, ()),
    "vfolder_request_upload": (r.TransferToken, ()),
    "vfolder_request_download": (r.TransferToken, ()),
    "vfolder_list_files": (r.VFolderFileList, ()),
    "vfolder_rename_file": (r.MessageResult, ()),
    "vfolder_delete_files": (r.MessageResult, ()),
    "vfolder_rename": (r.MessageResult, ()),
    "vfolder_delete": (None, ()),
    "vfolder_delete_from_trash_bin": (None, ()),
    "vfolder_not_found": (r.ProblemDetails, ()),
    "vfolder_move_file": (r.MessageResult, ()),
    "vfolder_get_quota": (r.ProblemDetails, ()),
    "vfolder_invite": (r.VFolderInviteResult, ()),
    "vfolder_invitations": (r.VFolderInvitationList, ()),
    "vfolder_accept_invitation": (r.MessageResult, ()),
    "vfolder_list_invitees": (r.VFolderInviteeList, ()),
    "vfolder_leave_invited": (r.MessageResult, ()),
    "vfolder_delete_invitation": (r.MessageResult, ()),
    "vfolder_delete_by_id": (None, ()),
    "vfolder_restore_from_trash_bin": (None, ()),
    "vfolder_purge": (None, ()),
    "acl": (r.VFolderHostPermissions, ()),
    "announcement": (r.Announcement, ()),
    "announcement_update": (None, ()),
    "bootstrap_script": (str, ()),
    "bootstrap_script_update": (dict[str, Any], ()),  # {}: the SDK returns None
    "dotfile_create": (dict[str, Any], ()),  # {}: the SDK returns None
    "dotfiles": (list[r.Dotfile], ()),
    "dotfile_update": (dict[str, Any], ()),  # {}: the SDK returns None
    "dotfile_delete": (dict[str, bool], ()),  # {"success": true}: the SDK returns None
    "ssh_keypair": (r.SSHPublicKey, ()),
    "ssh_keypair_refresh": (r.SSHKeypair, ()),
    "ssh_keypair_post": (r.SSHKeypair, ()),
    "user_stats": (list[r.UsageBucket], ()),
    "session_templates": (list[dict[str, Any]], ()),
    "wsproxy_version": (r.ProblemDetails, ()),
    "allowed_vfolder_hosts": (r.GraphQLResponse, ()),
    "allowed_vfolder_hosts/data": (r.AllowedVFolderHostsByScope, ("data",)),
    "session_commit_status": (r.CommitStatus, ()),
    "recalculate_usage": (dict[str, Any], ()),  # {}: the SDK returns None
}


# ---------------------------------------------------------------- the checker


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and typing.is_typeddict(tp)


def _union_members(tp: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(tp) in (Union, types.UnionType):
        return typing.get_args(tp)
    return None


def mismatches(tp: Any, shape: Any, where: str = "$") -> list[str]:
    """Why the annotation ``tp`` does not accept a JSON value of ``shape`` (empty: it does)."""
    if tp is Any:
        return []
    if tp is None:
        tp = type(None)
    if isinstance(shape, dict) and "$anyOf" in shape:
        return [m for member in shape["$anyOf"] for m in mismatches(tp, member, where)]
    members = _union_members(tp)
    if members is not None:
        found = [mismatches(member, shape, where) for member in members]
        if any(not f for f in found):
            return []
        return [f"{where}: {_name(tp)} does not accept {json.dumps(shape)[:80]}", *min(found, key=len)]
    if isinstance(shape, str):
        allowed = _SCALARS.get(shape)
        if allowed is None:  # "text": a body that is not JSON
            return [] if tp is str else [f"{where}: {_name(tp)} does not accept a text body"]
        ok = isinstance(tp, type) and tp in allowed and not (tp is int and shape == "bool")
        return [] if ok else [f"{where}: {_name(tp)} does not accept JSON {shape}"]
    origin = typing.get_origin(tp) or tp
    if isinstance(shape, list):
        if not (isinstance(origin, type) and issubclass(origin, Sequence)) or origin in (str, bytes):
            return [f"{where}: {_name(tp)} does not accept a JSON list"]
        args = typing.get_args(tp)
        return mismatches(args[0] if args else Any, shape[0], where + "[]") if shape else []
    assert isinstance(shape, dict)
    if _is_typeddict(tp):
        hints = typing.get_type_hints(tp)
        out = []
        for key, sub in shape.items():
            if key not in hints:
                out.append(f"{where}.{key}: not declared in {tp.__name__} (the server sends {json.dumps(sub)[:60]})")
            else:
                out.extend(mismatches(hints[key], sub, f"{where}.{key}"))
        return out
    if isinstance(origin, type) and issubclass(origin, Mapping):
        args = typing.get_args(tp)
        value_type = args[1] if args else Any
        return [m for key, sub in shape.items() for m in mismatches(value_type, sub, f"{where}.{key}")]
    return [f"{where}: {_name(tp)} does not accept a JSON object"]


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp)


# ---------------------------------------------------------------- the checker's own tests


class _Inner(typing.TypedDict, total=False):
    n: int


class _Outer(typing.TypedDict, total=False):
    name: str
    inner: _Inner
    items: list[_Inner]
    maybe: str | None
    ratio: float
    table: dict[str, str]


@pytest.mark.parametrize(
    ("shape", "problems"),
    [
        ({"name": "str", "inner": {"n": "int"}, "items": [{"n": "int"}], "maybe": "null"}, 0),
        ({"maybe": {"$anyOf": ["null", "str"]}, "ratio": "int", "table": {"a": "str"}, "items": []}, 0),
        ({"name": "int"}, 1),
        ({"extra": "str"}, 1),
        ({"inner": {"n": "str"}}, 1),
        ({"inner": {"n": "bool"}}, 1),
        ({"items": [{"n": "int", "m": "int"}]}, 1),
        ({"maybe": "int"}, 1),
        ({"table": {"a": "int"}}, 1),
        ({"items": {"n": "int"}}, 1),
        ({"ratio": "float", "inner": "null"}, 1),
    ],
)
def test_the_checker(shape: Any, problems: int) -> None:
    found = mismatches(_Outer, shape)
    assert (len(found) > 0) == (problems > 0), found


# ---------------------------------------------------------------- the recordings


def _recordings() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(SHAPES.glob("*.json"))}


RECORDINGS = _recordings()


def test_every_recording_has_an_expected_type() -> None:
    assert RECORDINGS, f"no recordings in {SHAPES}"
    assert set(RECORDINGS) == {name.split("/")[0] for name in EXPECTED}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_recorded_answer_fits_its_type(case: str) -> None:
    tp, pointer = EXPECTED[case]
    shape = RECORDINGS[case.split("/")[0]]["shape"]
    for key in pointer:
        shape = shape[key]
    assert mismatches(tp, shape) == []


@pytest.mark.parametrize("name", sorted(r.__all__))
def test_results_are_total_false_typeddicts_exported_at_the_top(name: str) -> None:
    tp = getattr(r, name)
    assert typing.is_typeddict(tp)
    assert not tp.__required_keys__, f"{name} should be total=False"
    assert getattr(bai, name) is tp and name in bai.__all__
    typing.get_type_hints(tp)  # every annotation resolves


def test_every_error_recording_is_problem_json_with_type_and_title() -> None:
    for name, rec in RECORDINGS.items():
        if rec.get("status", 200) >= 400 and name != "login_refused":
            assert rec["content_type"] == "application/problem+json", name
            assert {"type", "title"} <= rec["shape"].keys(), name


# ---------------------------------------------------------------- the recorder


def test_the_scrubber_keeps_types_and_hides_secrets() -> None:
    from tests.integration.record_shapes import SCRUBBED, Scrubber

    scrub = Scrubber(secrets={"sekrit"})
    uuid_text = "01a231f0-3720-775c-a539-71650c89358d"
    out = scrub(
        {
            "access_key": "AKIA",
            "token": "jwt",
            "msg": "key sekrit here",
            "id": uuid_text,
            "hex": uuid_text.replace("-", ""),
            "name": "shape-f-0123abcd-r",
            "n": 3,
        }
    )
    assert out["access_key"] == out["token"] == SCRUBBED
    assert out["msg"] == f"key {SCRUBBED} here"
    assert out["id"] == "00000000-0000-0000-0000-000000000001"
    assert out["hex"] == "00000000000000000000000000000001"  # the same id, in its other form
    assert out["name"] == "shape-folder-r"
    assert out["n"] == 3


def test_compare_reports_drift_but_not_volatile_parts() -> None:
    from tests.integration.record_shapes import Exchange, Record, compare

    def record(body: bytes) -> Record:
        return Record("c", "sdk", "GET /", Exchange("GET", "/", 200, "application/json", body))

    stored = {
        "c": {
            "status": 200,
            "content_type": "application/json",
            "shape": {"stats": {"status": "str"}, "n": "int", "items": []},
        }
    }
    assert list(compare(stored, {"c": record(b'{"stats": {"status": "x"}, "n": 1, "items": []}')})) == []
    assert list(compare(stored, {"c": record(b'{"stats": {}, "n": 1, "items": []}')})) == [
        'c: $.stats.status: missing (expected "str")'
    ]
    # exact: a list that now has items is a drift (the conformance comparison would let it pass)
    assert list(compare(stored, {"c": record(b'{"stats": {"status": "x"}, "n": 1, "items": [1]}')})) == [
        'c: $.items: expected [], got ["int"]'
    ]
    stored["c"]["volatile"] = {"$.stats": "timing"}
    assert list(compare(stored, {"c": record(b'{"stats": null, "n": 1, "items": []}')})) == []
    assert list(compare(stored, {"c": record(b'{"stats": {}, "n": "1", "items": []}')})) == [
        'c: $.n: expected "int", got "str"'
    ]


# ---------------------------------------------------------------- the FakeManager's answers


async def test_the_fakes_answers_fit_the_same_types() -> None:
    """The recorder's calls against today's ``FakeManager``: each answer of the same outcome as the
    real one (success or error) fits the type the real one is checked against. A body the SDK drops
    (``None`` above: 204) is not checked."""
    from tests.integration.record_shapes import record_fake

    found = []
    for name, record in (await record_fake()).items():
        real = RECORDINGS.get(name)
        if real is None or record.exchange is None or name not in EXPECTED or EXPECTED[name][0] is None:
            continue
        if (record.exchange.status >= 400) != (real.get("status", 200) >= 400):
            continue  # a different outcome: FAKE_DIFFERENCES.md lists them
        found += [f"{name}: {m}" for m in mismatches(EXPECTED[name][0], record.shape())]
    assert found == []
