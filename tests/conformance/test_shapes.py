"""The shape algebra and the comparison the conformance suite relies on (no server needed)."""

from __future__ import annotations

from .outcomes import disagreements
from .shapes import differences, shape_of


def test_shape_of_json_values() -> None:
    value = {"a": 1, "b": 1.5, "c": "x", "d": None, "e": True, "f": [], "g": [{"k": 1}, {"k": None, "l": "y"}]}
    assert shape_of(value) == {
        "a": "int",
        "b": "float",
        "c": "str",
        "d": "null",
        "e": "bool",
        "f": [],
        "g": [{"k": {"$anyOf": ["int", "null"]}, "l": "str"}],
    }


def test_differences_name_keys_and_types() -> None:
    expected = {"a": "int", "b": {"c": "str"}, "items": [{"x": "str"}]}
    assert differences(expected, {"a": "int", "b": {"c": "str"}, "items": []}) == []
    assert differences(expected, {"a": "str", "b": {"c": "str", "d": "int"}, "items": [{"x": "null"}]}) == [
        '$.a: expected "int", got "str"',
        "$.b: extra keys ['d']",
        '$.items[].x: expected "str", got "null"',
    ]
    assert differences(expected, {"a": "int", "items": []}) == ["$: missing keys ['b']"]
    assert differences({"$anyOf": ["null", "str"]}, "str") == []
    assert differences({"$anyOf": ["null", "str"]}, "int") != []
    assert differences({"$anyOf": ["null", "str"]}, {"$anyOf": ["null", "str"]}) == []
    assert differences("null", {"$anyOf": ["null", "str"]}) == ['$: expected "null", got "str"']


def test_disagreements_compare_success_status_and_problem_type() -> None:
    real = {
        "info": {"ok": True, "shape": {"a": "int"}},
        "missing": {"ok": False, "error": "NotFoundError", "status": 404, "problem_type": "p/entity-not-found"},
    }
    assert disagreements(real, real) == []
    fake = {
        "info": {"ok": False, "error": "NotFoundError", "status": 404, "problem_type": "p/x"},
        "missing": {"ok": False, "error": "NotFoundError", "status": 404, "problem_type": "p/object-not-found"},
        "extra": {"ok": True, "shape": "str"},
    }
    assert disagreements(real, fake) == [
        "extra: not recorded",
        "info: expected success, got NotFoundError 404 p/x",
        "missing: problem_type expected 'p/entity-not-found', got 'p/object-not-found'",
    ]
    assert disagreements(real, {"info": real["info"]}) == ["missing: not run"]
