"""Each queue type's rendered service passes its own load run, as a user runs it: make test-load.

10,000 messages with transient failures and poison through the local emulator and
moto (test_load.py.jinja in the template's Python tests/); the figures it prints land in this
test's output (`-rP` shows them). Several minutes per project: one for each queue type.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import interpreter_for, render
from test_local_pipeline import run

PROJECTS = {"defaults": {}, "fifo": {"queue_type": "fifo"}}
# make test-load fails itself past 20 minutes of sending (DEADLINE_SECONDS).
LOAD_TIMEOUT = 1500


@pytest.mark.project
@pytest.mark.parametrize("answers", PROJECTS.values(), ids=PROJECTS.keys())
def test_rendered_service_passes_its_load_run(tmp_path: Path, answers: dict[str, Any]) -> None:
    project = render(tmp_path / "svc", **answers)
    env = {**os.environ, "UV_PYTHON": interpreter_for("3.13")}
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("LOAD_MESSAGES", None)
    run(project, env, ["make", "install"], timeout=600)

    started = time.monotonic()
    output = run(project, env, ["make", "test-load"], timeout=LOAD_TIMEOUT)

    figures = [line for line in output.splitlines() if line.startswith("load: ")]
    print(f"make test-load: {time.monotonic() - started:.0f} s", *figures, sep="\n")
    assert "1 passed" in output
    assert any("lost 0, duplicate side effects 0" in line for line in figures), figures
