"""The shared scenario list and the Node.js suite stay in step, for every queue type.

The canonical list is the Node.js tree's tests/scenarios.json (rendered into Node.js projects,
whose own scenarios.test.ts checks it again at run time). Each test names its scenario with
``scenario('<id>', ...)``. The Python suite does not name scenarios yet: mapping its tests onto
the list is open work (see the CHANGELOG).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, render

[SCENARIO_FILE] = (ROOT / "template").glob("*tests*/scenarios.json")
SCENARIOS = json.loads(SCENARIO_FILE.read_text())["scenarios"]
NAMED = re.compile(r"scenario\(\s*['\"]([a-z0-9_]+)['\"]")


def test_scenario_ids_are_unique_and_described() -> None:
    ids = [entry["id"] for entry in SCENARIOS]
    assert len(ids) == len(set(ids))
    assert all(entry["rule"].strip() for entry in SCENARIOS)


@pytest.mark.parametrize("queue_type", ["standard", "fifo"])
def test_the_node_suite_names_every_scenario_that_applies(tmp_path: Path, queue_type: str) -> None:
    project = render(tmp_path / "svc", runtime="nodejs22.x", queue_type=queue_type)
    named = {
        match
        for path in (project / "tests").glob("*.test.ts")
        for match in NAMED.findall(path.read_text())
    }
    applicable = {
        entry["id"] for entry in SCENARIOS if entry.get("queue_type") in (None, queue_type)
    }

    assert sorted(applicable - named) == []
    assert sorted(named - {entry["id"] for entry in SCENARIOS}) == []
