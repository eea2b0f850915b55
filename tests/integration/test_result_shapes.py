"""The answers of the real 26.9.6 stack keep the shapes recorded in ``tests/data/shapes/26.9.6``
(``record_shapes.py`` re-records them; ``tests/unit/test_result_shapes.py`` checks the
TypedDicts of ``backendai_async.results`` against the stored files). A failure here means the
server drifted: re-record, then adapt ``results.py`` until the unit test passes again.

The dummy agent now and then sweeps a kernel it has just created as "dangling" (agent log:
``cleaning up dangling kernel objects``): logs and files then answer 500 and the manager ends the
session half a minute later. That is not drift, so a second recording with a fresh session is
made before failing; real drift shows in both.
"""

from __future__ import annotations

from typing import Any

import backendai_async as bai

from .record_shapes import Target, compare, load_recorded, new_names, record_all
from .test_foundation import reap

ATTEMPTS = 2


async def test_the_real_answers_keep_their_recorded_shapes(
    current: dict[str, Any], user_config: bai.ClientConfig
) -> None:
    stored = load_recorded(current["hello"]["manager"])
    assert stored, f"nothing recorded for manager {current['hello']['manager']}"
    for attempt in range(1, ATTEMPTS + 1):
        names = new_names()
        try:
            records, _ = await record_all(Target.from_stack(current), names)
        finally:
            await reap(user_config, names[0])  # the recorder destroys it; wait until it has ended
        differences = list(compare(stored, records))
        if not differences:
            return
        print(f"attempt {attempt}: {len(differences)} differences")  # shown with a failure
        for name in sorted({line.split(":")[0] for line in differences} & records.keys()):
            print(f"  {name} answered: {records[name].parsed()!r:.2000}")
    raise AssertionError("the server's answers drifted from the recordings:\n" + "\n".join(differences))
