"""The shape algebra of ``tests/support/shapes.py`` that the conformance suite and the per-call
recorder share: shapes of JSON values, merging, and both comparisons reporting every mismatch."""

from __future__ import annotations

import ast
import copy
import pathlib
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.support import shapes
from tests.support.shapes import differences, merge, shape_of

SAMPLE = {"a": 1, "b": 1.5, "c": "x", "d": None, "e": True, "f": [], "g": [{"k": 1}, {"k": None, "l": "y"}]}
SAMPLE_SHAPE = {
    "a": "int",
    "b": "float",
    "c": "str",
    "d": "null",
    "e": "bool",
    "f": [],
    "g": [{"k": {"$anyOf": ["int", "null"]}, "l": "str"}],
}


def test_shape_of_json_values() -> None:
    assert shape_of(SAMPLE) == SAMPLE_SHAPE
    assert shape_of(("x", 1)) == [{"$anyOf": ["int", "str"]}]  # a tuple is a list
    assert shape_of({"path": pathlib.Path("x")}) == {"path": "<PosixPath>"}  # not JSON: named, not hidden


def test_merge_objects_key_wise_lists_item_wise_and_kinds_as_alternatives() -> None:
    assert merge({"a": "int"}, {"b": "str"}) == {"a": "int", "b": "str"}
    assert merge("null", {"a": "int"}) == {"$anyOf": ["null", {"a": "int"}]}
    assert merge({"a": "int"}, "str") == {"$anyOf": [{"a": "int"}, "str"]}
    assert merge([], ["str"]) == merge(["str"], []) == ["str"]
    assert merge(["int"], ["null"]) == [{"$anyOf": ["int", "null"]}]


def test_the_shape_of_a_list_does_not_depend_on_the_order_of_its_items() -> None:
    items: list[Any] = [{"a": 1}, None, {"b": "x"}]
    expected = [{"$anyOf": ["null", {"a": "int", "b": "str"}]}]
    assert shape_of(items) == shape_of(items[::-1]) == shape_of(items[1:] + items[:1]) == expected


def test_differences_name_keys_and_types() -> None:
    expected = {"a": "int", "b": {"c": "str"}, "items": [{"x": "str"}]}
    for exact in (False, True):
        assert differences(expected, copy.deepcopy(expected), exact=exact) == []
        assert differences(
            expected, {"a": "str", "b": {"c": "str", "d": "int"}, "items": [{"x": "null"}]}, exact=exact
        ) == ['$.a: expected "int", got "str"', '$.b.d: extra ("int")', '$.items[].x: expected "str", got "null"']
        assert differences(expected, {"a": "int", "items": [{"x": "str"}]}, exact=exact) == [
            '$.b: missing (expected {"c": "str"})'
        ]


def test_a_pattern_accepts_its_alternatives_and_any_list_where_one_side_is_empty() -> None:
    expected = {"a": "int", "items": [{"x": "str"}]}
    assert differences(expected, {"a": "int", "items": []}) == []
    assert differences({"items": []}, {"items": [{"x": "str"}]}) == []
    assert differences({"$anyOf": ["null", "str"]}, "str") == []
    assert differences({"$anyOf": ["null", "str"]}, {"$anyOf": ["null", "str"]}) == []
    assert differences({"$anyOf": [{}, {"status": "str"}]}, {}) == []  # a pattern written by hand
    assert differences({"$anyOf": ["null", "str"]}, "int") == ['$: expected one of ["null", "str"], got "int"']
    assert differences("null", {"$anyOf": ["null", "str"]}) == ['$: expected "null", got "str"']


def test_exact_takes_neither_liberty() -> None:
    assert differences({"items": []}, {"items": [{"x": "str"}]}, exact=True) == [
        '$.items: expected [], got [{"x": "str"}]'
    ]
    assert differences(["str"], [], exact=True) == ['$: expected ["str"], got []']
    assert differences({"$anyOf": ["null", "str"]}, "str", exact=True) == [
        '$: expected {"$anyOf": ["null", "str"]}, got "str"'
    ]
    assert differences("str", {"$anyOf": ["null", "str"]}, exact=True) != []


def _retype_leaf(shape: dict[str, Any]) -> None:
    shape["a"] = "str"


def _drop_key(shape: dict[str, Any]) -> None:
    del shape["c"]


def _add_key(shape: dict[str, Any]) -> None:
    shape["z"] = "int"


def _retype_item_key(shape: dict[str, Any]) -> None:
    shape["g"][0]["l"] = "int"


def _drop_item_key(shape: dict[str, Any]) -> None:
    del shape["g"][0]["l"]


def _object_for_a_list(shape: dict[str, Any]) -> None:
    shape["g"] = shape["g"][0]


def _narrow_alternatives(shape: dict[str, Any]) -> None:
    shape["g"][0]["k"] = "bool"


def _widen_to_null(shape: dict[str, Any]) -> None:
    shape["c"] = {"$anyOf": ["null", "str"]}


def _float_for_int(shape: dict[str, Any]) -> None:
    shape["a"] = "float"


MUTATIONS: list[Callable[[dict[str, Any]], None]] = [
    _retype_leaf,
    _drop_key,
    _add_key,
    _retype_item_key,
    _drop_item_key,
    _object_for_a_list,
    _narrow_alternatives,
    _widen_to_null,
    _float_for_int,
]


@pytest.mark.parametrize("exact", [False, True], ids=["pattern", "exact"])
@pytest.mark.parametrize("mutate", MUTATIONS, ids=lambda m: m.__name__.strip("_"))
def test_every_changed_answer_is_reported(mutate: Callable[[dict[str, Any]], None], exact: bool) -> None:
    changed = copy.deepcopy(SAMPLE_SHAPE)
    mutate(changed)
    assert differences(SAMPLE_SHAPE, changed, exact=exact) != []
    if exact:  # a recording that changes either way is a drift
        assert differences(changed, SAMPLE_SHAPE, exact=True) != []


def test_the_module_needs_only_the_standard_library() -> None:
    # official_driver.py imports it from the official client's interpreter
    tree = ast.parse(pathlib.Path(shapes.__file__).read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}
