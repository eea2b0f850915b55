"""The suite's recordings agree with the per-call recordings of the same 26.9.6 stack.

``tests/data/shapes/26.9.6/`` (one file per call: status, shape, a scrubbed sample) was recorded
by another tool; where a step of ``expected/sdk.json`` is the same call, both must say the same
thing: success or the same status and problem type, and the same shape.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from .outcomes import disagreements, expected_outcomes

SHAPES = pathlib.Path(__file__).parents[1] / "data" / "shapes" / "26.9.6"

# (scenario, step) of expected/sdk.json -> the call recorded in tests/data/shapes/26.9.6
SAME_CALL = {
    ("session_life_cycle", "create"): "session_create_new",
    ("session_life_cycle", "create_again"): "session_create_existing",
    ("session_life_cycle", "get_info"): "session_info",
    ("session_life_cycle", "get_info_after_destroy"): "session_info_terminating",
    ("session_life_cycle", "get_info_unknown"): "session_not_found",
    ("session_life_cycle", "destroy"): "session_destroy",
    ("vfolders", "create"): "vfolder_create",
    ("vfolders", "create_existing"): "vfolder_create_existing",
    ("vfolders", "list"): "vfolder_list",
    ("vfolders", "info_by_name"): "vfolder_info",
    ("vfolders", "info_unknown"): "vfolder_not_found",
    ("vfolders", "mkdir_by_name"): "vfolder_mkdir",
    ("vfolders", "list_files_by_name"): "vfolder_list_files",
    ("vfolders", "rename_file_by_name"): "vfolder_rename_file",
    ("admin", "preset_list"): "resource_presets",
    ("admin", "preset_check"): "resource_check_presets",
    ("admin", "preset_check_no_group"): "resource_check_presets_no_group",
}


def as_outcome(recording: dict[str, Any]) -> dict[str, Any]:
    if recording["status"] < 400:
        return {"ok": True, "shape": recording["shape"]}
    return {"ok": False, "status": recording["status"], "problem_type": recording["sample"]["type"]}


@pytest.mark.parametrize(("scenario", "step"), sorted(SAME_CALL))
def test_the_same_call_recorded_twice_agrees(scenario: str, step: str) -> None:
    path = SHAPES / f"{SAME_CALL[scenario, step]}.json"
    if not path.exists():
        pytest.skip(f"{path.relative_to(SHAPES.parents[2])} is not in this checkout")
    theirs = as_outcome(json.loads(path.read_text()))
    ours = dict(expected_outcomes("sdk", scenario)[step])
    if not ours["ok"]:  # the per-call recordings do not name the SDK's exception class
        ours.pop("error")
        theirs["error"] = None
        ours["error"] = None
    # the suite's expectation (it knows which values vary, e.g. destroy's stats) accepts the per-call recording
    assert disagreements({step: ours}, {step: theirs}) == []
