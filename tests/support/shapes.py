"""The shape of a JSON value (its keys and JSON types, not its values), and comparing two shapes.

A shape is ``"str"``, ``"int"``, ``"float"``, ``"bool"`` or ``"null"``; an object of its keys'
shapes; a list as ``[<item shape>]`` (the shapes of all its items merged; ``[]`` when empty); or
``{"$anyOf": [...]}`` for a place seen with several kinds of value (merged, at most one object
and one list among them; a pattern written by hand may hold more). A value that is not JSON is
``"<its type name>"``.

Used by the conformance suite (``tests/conformance/outcomes.py``) and the per-call recorder
(``tests/integration/record_shapes.py``). Standard library only: the conformance suite's
``official_driver.py`` imports this file from the official client's interpreter too.
"""

from __future__ import annotations

import json
from typing import Any

Shape = Any
ANY_OF = "$anyOf"
_BRIEF = 80  # characters of a shape quoted in a difference


def shape_of(value: Any) -> Shape:
    """The shape of ``value`` (see the module's docstring)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict):
        return {str(k): shape_of(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        item: Shape = None
        for element in value:
            item = shape_of(element) if item is None else merge(item, shape_of(element))
        return [] if item is None else [item]
    return f"<{type(value).__name__}>"


def merge(a: Shape, b: Shape) -> Shape:
    """One shape for values seen as ``a`` and as ``b`` in one place: objects merge key-wise (a key
    of either side is kept), lists item-wise, different kinds become ``$anyOf`` alternatives."""
    by_kind: dict[str, Shape] = {}
    for member in _alternatives(a) + _alternatives(b):
        kind = _kind(member)
        if kind not in by_kind:
            by_kind[kind] = member
        elif kind == "object":
            merged = dict(by_kind[kind])
            for key, sub in member.items():
                merged[key] = merge(merged[key], sub) if key in merged else sub
            by_kind[kind] = merged
        elif kind == "list":
            old, new = by_kind[kind], member
            by_kind[kind] = old if not new else new if not old else [merge(old[0], new[0])]
    members = [by_kind[kind] for kind in sorted(by_kind)]
    return members[0] if len(members) == 1 else {ANY_OF: members}


def differences(expected: Shape, actual: Shape, where: str = "$", *, exact: bool = False) -> list[str]:
    """Where ``actual`` does not have the keys and JSON types of ``expected`` (empty: it has).

    Keys count both ways (missing and extra). By default ``expected`` is a pattern: an ``$anyOf``
    in it accepts any of its alternatives, one in ``actual`` needs each of its alternatives
    accepted, and a list empty on either side matches any list (no items to compare). ``exact``
    (a recording against a new recording of the same call) takes neither liberty: an ``$anyOf``
    or an empty list must be the same on both sides.
    """
    if expected == actual:
        return []
    if not exact and _is_any_of(actual):
        return [d for option in actual[ANY_OF] for d in differences(expected, option, where)]
    if not exact and _is_any_of(expected):
        if any(not differences(option, actual, where) for option in expected[ANY_OF]):
            return []
        return [f"{where}: expected one of {_brief(expected[ANY_OF])}, got {_brief(actual)}"]
    if _kind(expected) == _kind(actual) == "object":
        missing, extra = sorted(expected.keys() - actual.keys()), sorted(actual.keys() - expected.keys())
        found = [f"{where}.{key}: missing (expected {_brief(expected[key])})" for key in missing]
        found += [f"{where}.{key}: extra ({_brief(actual[key])})" for key in extra]
        for key in sorted(expected.keys() & actual.keys()):
            found += differences(expected[key], actual[key], f"{where}.{key}", exact=exact)
        return found
    if _kind(expected) == _kind(actual) == "list":
        if expected and actual:
            return differences(expected[0], actual[0], f"{where}[]", exact=exact)
        if not exact:
            return []
    return [f"{where}: expected {_brief(expected)}, got {_brief(actual)}"]


def _is_any_of(shape: Shape) -> bool:
    return isinstance(shape, dict) and ANY_OF in shape


def _alternatives(shape: Shape) -> list[Shape]:
    return list(shape[ANY_OF]) if _is_any_of(shape) else [shape]


def _kind(shape: Shape) -> str:
    """``object``, ``list``, ``anyOf``, or the scalar's name."""
    if _is_any_of(shape):
        return "anyOf"
    return "object" if isinstance(shape, dict) else "list" if isinstance(shape, list) else str(shape)


def _brief(shape: Shape) -> str:
    text = json.dumps(shape, sort_keys=True)
    return text if len(text) <= _BRIEF else text[: _BRIEF - 3] + "..."
