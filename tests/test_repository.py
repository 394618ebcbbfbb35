"""The template repository itself: what it tracks is source, in the known layout.

Copier clones this repository on every `copier copy` and `copier update`, so every tracked
file is paid for by every user; build output once made a clone 176 MB (10,503 files of a
prototype's node_modules/ and dist/).
"""

from __future__ import annotations

import subprocess
from pathlib import PurePosixPath

from conftest import ROOT

# The top level, as the README's "Layout" paragraph describes it.
TOP_LEVEL = {
    ".ci",
    ".github",
    ".gitignore",
    "CHANGELOG.md",
    "README.md",
    "bench",
    "copier.yml",
    "docs",
    "includes",
    "mkdocs.yml",
    "pyproject.toml",
    "scripts",
    "template",
    "tests",
}
# Folders that only builds, installs and tools create.
BUILD_FOLDERS = {
    ".aws-sam",
    ".cache",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".terraform",
    ".venv",
    "__pycache__",
    "build",
    "cdk.out",
    "dist",
    "htmlcov",
    "node_modules",
    "site",
    "venv",
}
BUILD_SUFFIXES = (".pyc", ".pyo", ".egg-info", ".tsbuildinfo")
# A source file this large is almost certainly not source.
MAX_TRACKED_BYTES = 1_000_000


def tracked_paths() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [path for path in listed.split("\0") if path]


def build_output(path: str) -> str | None:
    """Why ``path`` is build output, or None."""
    parts = PurePosixPath(path).parts
    for folder in parts[:-1]:
        if folder in BUILD_FOLDERS or folder.endswith(BUILD_SUFFIXES):
            return f"inside a {folder}/ folder"
    if parts[-1].endswith(BUILD_SUFFIXES):
        return "a compiled or generated file"
    return None


def test_the_checks_recognise_build_output() -> None:
    assert build_output("prototype/node-service/node_modules/zod/index.js")
    assert build_output("template/src/pkg/__pycache__/handler.cpython-311.pyc")
    assert build_output("docs/x.pyc")
    assert build_output("template/dist/handler.mjs")
    assert build_output("template/scripts/build.mjs") is None
    assert build_output("template/src/pkg/handler.py") is None


def test_no_build_output_is_tracked() -> None:
    offending = {path: why for path in tracked_paths() if (why := build_output(path))}
    assert not offending, f"build output is tracked (git rm it; .gitignore covers it): {offending}"


def test_every_tracked_path_is_in_the_known_layout() -> None:
    outside = sorted({path.split("/")[0] for path in tracked_paths()} - TOP_LEVEL)
    assert not outside, (
        f"tracked paths outside the template's layout: {outside}; add them to the README's "
        "Layout paragraph and TOP_LEVEL here if they belong, or remove them"
    )


def test_no_tracked_file_is_large() -> None:
    large = {
        path: size
        for path in tracked_paths()
        if (ROOT / path).is_file() and (size := (ROOT / path).stat().st_size) > MAX_TRACKED_BYTES
    }
    assert not large, f"tracked files over {MAX_TRACKED_BYTES} bytes: {large}"


def test_gitignore_ignores_build_output() -> None:
    # Paths below folders that need not exist: git refuses a path through a symlink, and a
    # worktree's .venv may be one.
    for path in (
        "node_modules/x.js",
        "template/dist/a.mjs",
        "sub/.venv/bin/python",
        "infra/cdk.out/manifest.json",
        "x/__pycache__/a.pyc",
    ):
        checked = subprocess.run(
            ["git", "check-ignore", "--no-index", "--quiet", path], cwd=ROOT, check=False
        )
        assert checked.returncode == 0, f".gitignore does not ignore {path}"
