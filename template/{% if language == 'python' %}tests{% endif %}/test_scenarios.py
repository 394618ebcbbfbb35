"""The shared scenario list (tests/scenarios.json) and this suite stay in step.

A test names the scenarios it shows with ``@pytest.mark.scenario("<id>", ...)``. Every
scenario that applies to this service (its job types, its queue type) must be named by
some test, and every id a test names must be on the list. The names are read from the
test modules' source with ``ast``, so the check holds whichever tests a run selects.
The template's Node.js runtime holds its suite to the same list.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conftest import FIFO

if TYPE_CHECKING:
    from types import ModuleType

TESTS = Path(__file__).resolve().parent
SCENARIOS: list[dict[str, Any]] = json.loads(
    (TESTS / "scenarios.json").read_text(encoding="utf-8")
)["scenarios"]
QUEUE_TYPE = "fifo" if FIFO else "standard"


@dataclass
class Markers:
    """The ``pytest.mark.scenario`` markers of the test modules."""

    # Scenario id -> the tests that name it, as "module.py::test_name".
    named: dict[str, list[str]] = field(default_factory=dict)
    # Markers that name no scenario properly, with where they are.
    malformed: list[str] = field(default_factory=list)


def is_scenario_marker(node: ast.expr) -> bool:
    """Whether ``node`` is ``pytest.mark.scenario``."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "scenario"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "mark"
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == "pytest"
    )


def read_markers() -> Markers:
    markers = Markers()
    for path in sorted(TESTS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=path.name)
        on_tests: set[int] = set()
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            where = f"{path.name}::{function.name}"
            for decorator in function.decorator_list:
                if is_scenario_marker(decorator):  # bare, without a call
                    on_tests.add(id(decorator))
                    markers.malformed.append(f"{where}: names no scenario")
                    continue
                if not (isinstance(decorator, ast.Call) and is_scenario_marker(decorator.func)):
                    continue
                on_tests.add(id(decorator.func))
                ids = [
                    argument.value
                    for argument in decorator.args
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                ]
                if not function.name.startswith("test_"):
                    markers.malformed.append(f"{where}: not a test function")
                    continue
                if not ids or len(ids) != len(decorator.args) or decorator.keywords:
                    markers.malformed.append(f"{where}: the ids must be string literals")
                for scenario_id in ids:
                    markers.named.setdefault(scenario_id, []).append(where)
        # Anywhere else (pytestmark, pytest.param(marks=...)) it names nothing this check sees.
        markers.malformed.extend(
            f"{path.name}:{node.lineno}: pytest.mark.scenario outside a test's decorators"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and is_scenario_marker(node)
            and id(node) not in on_tests
        )
    return markers


def applicable(job_types: set[str]) -> set[str]:
    """The ids of the scenarios that apply to a service with these job types."""
    return {
        entry["id"]
        for entry in SCENARIOS
        if entry.get("job_type") in (None, *job_types)
        and entry.get("queue_type") in (None, QUEUE_TYPE)
    }


def test_the_list_has_unique_described_scenarios() -> None:
    ids = [entry["id"] for entry in SCENARIOS]
    duplicates = sorted({scenario_id for scenario_id in ids if ids.count(scenario_id) > 1})
    assert not duplicates, f"ids listed twice in tests/scenarios.json: {', '.join(duplicates)}"
    undescribed = sorted(entry["id"] for entry in SCENARIOS if not entry.get("rule", "").strip())
    assert not undescribed, f"scenarios without a rule: {', '.join(undescribed)}"


def test_every_scenario_that_applies_here_is_named_by_a_test(service: ModuleType) -> None:
    # The job types this service handles, from its registry.
    job_types = set(service.JOBS)

    missing = sorted(applicable(job_types) - set(read_markers().named))

    assert not missing, (
        f"no test names these scenarios of tests/scenarios.json ({QUEUE_TYPE} queue, job types "
        f"{', '.join(sorted(job_types))}): {', '.join(missing)}. Mark the tests that show them "
        'with @pytest.mark.scenario("<id>"), or write such tests.'
    )


def test_every_scenario_a_test_names_is_on_the_list() -> None:
    known = {entry["id"] for entry in SCENARIOS}
    named = read_markers().named

    unknown = sorted(
        f"{scenario_id} ({', '.join(tests)})"
        for scenario_id, tests in named.items()
        if scenario_id not in known
    )

    assert not unknown, f"tests name scenarios tests/scenarios.json lacks: {'; '.join(unknown)}"


def test_scenario_markers_name_their_ids_where_the_check_reads_them() -> None:
    malformed = read_markers().malformed

    assert not malformed, f"scenario markers this check cannot read: {'; '.join(malformed)}"
