"""The shape of a JSON answer: its keys and JSON types, not its values.

Standard library only: ``official_driver.py`` imports this module from the official client's
interpreter too.

``shape_of(value)``: ``"str"``, ``"int"``, ``"float"``, ``"bool"``, ``"null"``; an object by key;
a list as ``[<item shape>]`` (the items' shapes merged), ``[]`` when empty; a value seen with
several types in a list becomes ``{"$anyOf": [...]}``.
"""

from __future__ import annotations

import json
from typing import Any

Shape = Any
ANY_OF = "$anyOf"


def shape_of(value: Any) -> Shape:
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
        if not value:
            return []
        merged = shape_of(value[0])
        for item in value[1:]:
            merged = merge(merged, shape_of(item))
        return [merged]
    return f"<{type(value).__name__}>"  # not JSON: the driver reports what it was given


def _alternatives(shape: Shape) -> list[Shape]:
    if isinstance(shape, dict) and ANY_OF in shape:
        return list(shape[ANY_OF])
    return [shape]


def merge(a: Shape, b: Shape) -> Shape:
    """One shape for two values seen in the same place (list items)."""
    if a == b:
        return a
    if isinstance(a, dict) and isinstance(b, dict) and ANY_OF not in a and ANY_OF not in b:
        # objects of one list: the union of their keys (a key missing in one is its own finding
        # only if the type differs, so keep the richer description)
        keys = list(a) + [k for k in b if k not in a]
        return {k: merge(a[k], b[k]) if k in a and k in b else a.get(k, b.get(k)) for k in keys}
    if isinstance(a, list) and isinstance(b, list):
        if not a or not b:
            return a or b
        return [merge(a[0], b[0])]
    options: list[Shape] = []
    for option in _alternatives(a) + _alternatives(b):
        if option not in options:
            options.append(option)
    return {ANY_OF: sorted(options, key=lambda s: json.dumps(s, sort_keys=True))}


def differences(expected: Shape, actual: Shape, where: str = "$") -> list[str]:
    """Where ``actual`` does not have the keys and JSON types of ``expected``.

    An empty list on either side matches any list (nothing to compare the items with); an
    ``$anyOf`` in ``expected`` accepts each of its alternatives, one in ``actual`` needs all of
    its alternatives accepted.
    """
    if isinstance(actual, dict) and ANY_OF in actual:  # values of several types: each must be accepted
        return [d for option in actual[ANY_OF] for d in differences(expected, option, where)]
    if isinstance(expected, dict) and ANY_OF in expected:
        if any(not differences(option, actual, where) for option in expected[ANY_OF]):
            return []
        return [f"{where}: expected one of {json.dumps(expected[ANY_OF])}, got {json.dumps(actual)}"]
    if isinstance(expected, dict) and isinstance(actual, dict) and ANY_OF not in actual:
        found = []
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing:
            found.append(f"{where}: missing keys {missing}")
        if extra:
            found.append(f"{where}: extra keys {extra}")
        for key in expected:
            if key in actual:
                found += differences(expected[key], actual[key], f"{where}.{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        if not expected or not actual:
            return []
        return differences(expected[0], actual[0], f"{where}[]")
    if expected != actual:
        return [f"{where}: expected {json.dumps(expected)}, got {json.dumps(actual)}"]
    return []
