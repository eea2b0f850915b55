"""The comparison of outcomes the conformance suite relies on (no server needed); the shapes in
them are compared by ``tests/support/shapes.py`` (``tests/unit/test_json_shapes.py``)."""

from __future__ import annotations

from .outcomes import disagreements


def test_disagreements_compare_success_status_problem_type_and_shape() -> None:
    real = {
        "info": {"ok": True, "shape": {"a": "int", "items": [{"x": "str"}]}},
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
    reshaped = {**real, "info": {"ok": True, "shape": {"a": "str", "items": [{"x": "str", "y": "null"}]}}}
    assert disagreements(real, reshaped) == [
        'info: $.a: expected "int", got "str"',
        'info: $.items[].y: extra ("null")',
    ]
