"""Which public methods still return ``Any``: the number can only go down.

The walk starts at ``Client``, follows its sub-objects (properties) and every SDK class a public
method returns, and lists each public method whose return annotation is or contains ``Any``
(the JS top-level aliases are their sub-object's methods, counted there). ``UNTYPED`` is the
allow-list, each entry with the reason it stays untyped; typing a method means removing its entry.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Iterator
from typing import Any

import backendai_async as bai

_GQL = "GraphQL data: the shape is the caller's query (its fields)"
_ETCD = "etcd values: whatever was stored under the key"
_PLUGIN = "a plugin's answer (cloud, edu app, TOTP, license): not on the stack, nothing recorded"
_MODEL = "model serving: not on the stack, nothing recorded"
_CALLER = "passes the caller's body through; the answer depends on it"
_ACCOUNT = "changes the test user's account: not recorded yet"
_UNRECORDED = "REST answer not recorded on the real stack yet"

UNTYPED: dict[str, str] = {
    "Client.request": "the escape hatch: any endpoint's parsed body",
    "GraphQL.query": _GQL,
    "ComputeSession.list": _GQL,
    "ComputeSession.list_all": _GQL,
    "ComputeSession.get": _GQL,
    "ProjectResourcePolicy.get": _GQL,
    "ResourcePolicy.get": _GQL,
    "UserResourcePolicy.get": _GQL,
    "ContainerImage.get": _ETCD,
    "ContainerImage.modify_label": _ETCD,
    "ContainerImage.modify_resource": _ETCD,
    "Registry.delete": _ETCD,
    "Registry.list": _ETCD,
    "Registry.set": _ETCD,
    "Setting.delete": _ETCD,
    "Setting.get": _ETCD,
    "Setting.list": _ETCD,
    "Setting.set": _ETCD,
    "ComputeSession.execute": "the kernel runner's answer: its keys depend on the kernel and the mode",
    "ComputeSession.complete": "the kernel runner's answer: its keys depend on the kernel",
    "ComputeSession.commit_session": _UNRECORDED,
    "ComputeSession.convert_session_to_image": _UNRECORDED,
    "ComputeSession.start_service": _UNRECORDED,
    "SessionTemplate.list": "26.9.6 answered an empty list: no item recorded",
    "ScalingGroup.get_wsproxy_version": "the stack has no AppProxy (26.9.6 answers 500): not recorded",
    "Account.activate_totp": _PLUGIN,
    "Account.initialize_totp": _PLUGIN,
    "Account.remove_totp": _PLUGIN,
    "Account.signout": _ACCOUNT,
    "Account.update_full_name": _ACCOUNT,
    "Account.update_password": _ACCOUNT,
    "Cloud.change_password": _PLUGIN,
    "Cloud.ping": _PLUGIN,
    "Cloud.send_password_change_email": _PLUGIN,
    "Cloud.send_verification_email": _PLUGIN,
    "Cloud.verify_email": _PLUGIN,
    "EduApp.get_mount_folders": _PLUGIN,
    "EduApp.get_user_credential": _PLUGIN,
    "EduApp.get_user_projects": _PLUGIN,
    "EduApp.ping": _PLUGIN,
    "Enterprise.get_license": _PLUGIN,
    "ModelService.create": _MODEL,
    "ModelService.delete": _MODEL,
    "ModelService.delete_route": _MODEL,
    "ModelService.generate_token": _MODEL,
    "ModelService.info": _MODEL,
    "ModelService.list": _MODEL,
    "ModelService.scale": _MODEL,
    "ModelService.sync": _MODEL,
    "ModelService.update_route": _MODEL,
    "VFolder.get_quota": "the stack's vfs volume has no quota (26.9.6 answers 400): not recorded",
    "VFolder.set_quota": "the stack's vfs volume has no quota (26.9.6 answers 400): not recorded",
    "VFolder.clone": _UNRECORDED,
    "VFolder.share": "project folders only: not recorded yet",
    "VFolder.unshare": "project folders only: not recorded yet",
    "VFolder.modify_invitee_permission": _CALLER,
    "VFolder.update_folder": _CALLER,
}


def _names() -> dict[str, Any]:
    """Every name the library's modules define or import (``TYPE_CHECKING`` ones included)."""
    names: dict[str, Any] = {}
    for info in pkgutil.walk_packages(bai.__path__, "backendai_async."):
        if not info.name.startswith(("backendai_async.testing", "backendai_async.cli")):
            names.update(vars(importlib.import_module(info.name)))
    return names


def _methods(cls: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    for name in dir(cls):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(cls, name)
        if type(attr).__name__ == "_Alias":
            continue  # a JS top-level name: counted on its sub-object
        if isinstance(attr, property):
            attr = attr.fget
        elif isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if inspect.isfunction(attr) and "return" in attr.__annotations__:
            yield name, attr


def _return_type(fn: Callable[..., Any], names: dict[str, Any]) -> Any:
    """The evaluated return annotation alone (the parameters' may name type-checking-only tools)."""

    def probe() -> None: ...

    probe.__annotations__ = {"return": fn.__annotations__["return"]}
    return typing.get_type_hints(probe, globalns={**names, **fn.__globals__})["return"]


def _classes(tp: Any) -> Iterator[type]:
    if isinstance(tp, type):
        yield tp
    for arg in typing.get_args(tp):
        yield from _classes(arg)


def _contains_any(tp: Any) -> bool:
    return tp is Any or any(_contains_any(arg) for arg in typing.get_args(tp))


def untyped_methods() -> dict[str, str]:
    """``"Class.method" -> its return annotation`` for every public method returning ``Any``."""
    names = _names()
    found: dict[str, str] = {}
    seen: set[type] = set()
    todo: list[type] = [bai.Client]
    while todo:
        cls = todo.pop()
        if cls in seen or not cls.__module__.startswith("backendai_async") or typing.is_typeddict(cls):
            continue
        seen.add(cls)
        for name, fn in _methods(cls):
            tp = _return_type(fn, names)
            if _contains_any(tp):
                found[f"{cls.__name__}.{name}"] = str(fn.__annotations__["return"])
            todo.extend(_classes(tp))
    assert len(seen) > 30, sorted(c.__name__ for c in seen)  # the walk reached the sub-objects
    return found


def test_only_the_allowed_methods_return_any() -> None:
    found = untyped_methods()
    assert sorted(found.keys() - UNTYPED.keys()) == [], "newly untyped: type them, or list them with a reason"
    assert sorted(UNTYPED.keys() - found.keys()) == [], "typed now: remove them from UNTYPED"


def test_every_untyped_method_has_a_reason() -> None:
    assert all(reason.strip() for reason in UNTYPED.values())
