"""Shared helpers for the template's tests: render the template, find interpreters."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from copier import run_copy

ROOT = Path(__file__).resolve().parent.parent
JOB_TYPES = ["send_email", "process_order", "generate_report", "webhook"]


def render(destination: Path, **answers: Any) -> Path:
    """Render the template's HEAD (plus uncommitted changes) with defaults for unanswered questions.

    No ``unsafe``: the template must render without ``--trust``.
    """
    run_copy(
        str(ROOT),
        str(destination),
        data=answers,
        defaults=True,
        vcs_ref="HEAD",
        quiet=True,
    )
    return destination


def package_dir(project: Path) -> Path:
    [package] = [path for path in (project / "src").iterdir() if path.is_dir()]
    return package


def _installed_pythons() -> dict[tuple[int, int], str]:
    """Interpreters on PATH or under pyenv, by (major, minor)."""
    found: dict[tuple[int, int], str] = {}
    candidates = [shutil.which(f"python3.{minor}") for minor in range(12, 20)]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += [str(path) for path in sorted(pyenv_root.glob("versions/3.*/bin/python3"))]
    for candidate in filter(None, candidates):
        match = re.search(r"3\.(\d+)", Path(candidate).resolve().as_posix().split("/")[-1])
        version_output = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[1])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if version_output.returncode != 0:
            continue
        minor = int(version_output.stdout.strip() or (match.group(1) if match else 0))
        found.setdefault((3, minor), candidate)
    return found


def interpreter_for(python_version: str) -> str:
    """The interpreter to test a service for ``python_version`` with.

    The exact version when installed; otherwise the newest installed one of at
    least 3.12 (the oldest runtime offered), and the test output says so.
    """
    pythons = _installed_pythons()
    major, minor = (int(part) for part in python_version.split("."))
    if (major, minor) in pythons:
        return pythons[(major, minor)]
    usable = sorted(version for version in pythons if version >= (3, 12))
    if not usable:
        pytest.fail(f"no Python >= 3.12 installed to test a python{python_version} service with")
    chosen = usable[-1]
    print(f"python{python_version} is not installed; testing with {chosen[0]}.{chosen[1]}")
    return pythons[chosen]
