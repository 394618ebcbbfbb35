"""The shared scenario list and both runtimes' suites stay in step.

The list is template/tests/scenarios.json, an unconditional file that renders to
tests/scenarios.json in Python and Node.js services alike. A Python test names the scenarios
it shows with ``@pytest.mark.scenario("<id>", ...)``, a Node.js test with
``scenario('<id>', title)``. For each runtime, both queue types and a reduced choice of job
types (so the job-filtered scenarios are left out and must not be required), every scenario
that applies to the render must be named by one of its tests, and every name must be on the
list. Each render checks this again at run time: tests/test_scenarios.py (Python) and
tests/scenarios.test.ts (Node.js), from its own jobs registry.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import JOB_TYPES, ROOT, render

SCENARIO_FILE = ROOT / "template" / "tests" / "scenarios.json"
SCENARIOS: list[dict[str, Any]] = json.loads(SCENARIO_FILE.read_text())["scenarios"]
NODE_NAMED = re.compile(r"scenario\(\s*['\"]([a-z0-9_]+)['\"]")


def python_named(project: Path) -> set[str]:
    """The ids in the ``@pytest.mark.scenario(...)`` decorators of the render's tests/*.py."""
    named: set[str] = set()
    for path in (project / "tests").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and ast.unparse(decorator.func) == "pytest.mark.scenario"
                ):
                    named.update(
                        argument.value
                        for argument in decorator.args
                        if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                    )
    return named


def node_named(project: Path) -> set[str]:
    """The ids in the ``scenario('<id>', ...)`` titles of the render's tests/*.test.ts."""
    return {
        match
        for path in (project / "tests").glob("*.test.ts")
        for match in NODE_NAMED.findall(path.read_text())
    }


def test_scenario_ids_are_unique_and_described() -> None:
    ids = [entry["id"] for entry in SCENARIOS]
    assert len(ids) == len(set(ids))
    assert all(entry["rule"].strip() for entry in SCENARIOS)
    assert {entry["job_type"] for entry in SCENARIOS if "job_type" in entry} <= set(JOB_TYPES)
    assert {entry.get("queue_type") for entry in SCENARIOS} <= {None, "standard", "fifo"}


@pytest.mark.parametrize(
    ("runtime", "queue_type", "job_types"),
    [
        ("python3.13", "standard", JOB_TYPES),
        ("python3.13", "fifo", JOB_TYPES),
        ("python3.13", "fifo", ["webhook"]),
        ("nodejs22.x", "standard", JOB_TYPES),
        ("nodejs22.x", "fifo", JOB_TYPES),
        ("nodejs22.x", "standard", ["send_email"]),
    ],
)
def test_the_suite_names_every_scenario_that_applies(
    tmp_path: Path, runtime: str, queue_type: str, job_types: list[str]
) -> None:
    project = render(tmp_path / "svc", runtime=runtime, queue_type=queue_type, job_types=job_types)
    assert (project / "tests" / "scenarios.json").read_text() == SCENARIO_FILE.read_text()
    named = python_named(project) if runtime.startswith("python") else node_named(project)
    applicable = {
        entry["id"]
        for entry in SCENARIOS
        if entry.get("job_type") in (None, *job_types)
        and entry.get("queue_type") in (None, queue_type)
    }

    missing = sorted(applicable - named)
    unknown = sorted(named - {entry["id"] for entry in SCENARIOS})

    assert not missing, f"no {runtime} test names: {', '.join(missing)}"
    assert not unknown, f"{runtime} tests name scenarios not on the list: {', '.join(unknown)}"
