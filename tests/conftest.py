"""Shared helpers for the template's tests: render the template, find interpreters."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from copier import run_copy

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter

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


def tool(name: str) -> str:
    """A command installed beside this interpreter (scripts/test.sh's venv), else on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is required: scripts/test.sh installs it")
    return found


# Only because these machines can install nothing newer than AWS provider 5.100 (an offline
# mirror; scripts/env.sh sets TF_AWS_PROVIDER_OVERRIDE then) while the rendered infra/ asks
# for >= 6.20: pin that version in an override file of a copy of infra/ (never in the render
# itself), and plan with values 5.x accepts in place of those it refuses. Not checked here
# therefore: 6.x's own schema (attributes it renamed, removed or validates differently), a
# 1 MiB max_message_size and the runtimes 5.x does not know. Unset, nothing is overridden.
PROVIDER_OVERRIDE = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "VERSION"
    }
  }
}
"""
PROVIDER_5_RUNTIMES = {"python3.14": "python3.13", "nodejs24.x": "nodejs22.x"}


def provider_override(infra: Path, **variables: str) -> list[str]:
    """Pin $TF_AWS_PROVIDER_OVERRIDE in the copy ``infra``; the -var arguments to plan with.

    ``variables`` are the values wanted (e.g. ``max_message_size="200000"``); where 5.x
    refuses the configuration's default, the argument replaces it with one it accepts.
    """
    version = os.environ.get("TF_AWS_PROVIDER_OVERRIDE", "")
    arguments = dict(variables)
    if version:
        (infra / "provider_version_override.tf").write_text(
            PROVIDER_OVERRIDE.replace("VERSION", version)
        )
    if version.startswith("5."):
        arguments.setdefault("max_message_size", "262144")
        runtime = re.search(
            r'variable "lambda_runtime" \{[^}]*?default\s*=\s*"([^"]+)"',
            (infra / "variables.tf").read_text(),
        )
        if runtime and runtime.group(1) in PROVIDER_5_RUNTIMES:
            arguments.setdefault("lambda_runtime", PROVIDER_5_RUNTIMES[runtime.group(1)])
    return [f"-var={name}={value}" for name, value in arguments.items()]


# A local state in place of infra/backend.tf's S3 backend, for applies against moto.
LOCAL_BACKEND_OVERRIDE = 'terraform {\n  backend "local" {}\n}\n'


def help_sentences(help_text: str) -> list[str]:
    """A help text's sentences: split after a full stop that a space follows."""
    return [part for part in re.split(r"(?<=\.)\s+", " ".join(str(help_text).split())) if part]


def help_rule(help_text: str) -> str:
    """The rule a help text opens with: its first sentence "<Subject>, <rule>." after the subject.

    copier.yml's convention, which docs/hooks/prompts.py shows as each question's rule.
    """
    first = help_sentences(help_text)
    return first[0].removesuffix(".").partition(", ")[2] if first else ""


def validator_bounds(validator: str) -> set[str]:
    """The numbers a validator compares an answer with (``x < 1 or x > 900``: 1 and 900)."""
    tags = " ".join(re.findall(r"\{%.*?%\}", validator))
    return set(re.findall(r"(?:[<>]=?|!=)\s*(\d+)", tags))


def shows_figure(text: str, figure: str) -> bool:
    """Whether ``figure`` stands in ``text`` as a number of its own (10 is not in 10000)."""
    return re.search(rf"(?<!\d){re.escape(figure)}(?!\d)", text) is not None


# The AWS services the rendered Terraform code calls.
TERRAFORM_SERVICES = (
    *("cloudwatch", "dynamodb", "iam", "lambda", "logs", "s3"),
    *("sesv2", "sns", "sqs", "ssm", "sts"),
)


def terraform_on_moto(infra: Path, endpoint: str, override: str) -> dict[str, str]:
    """Point the AWS provider of ``infra`` at a moto server (an override file named
    ``override``); the environment to run terraform in, non-interactive, without AWS profiles."""
    endpoints = "\n".join(f'    {service} = "{endpoint}"' for service in TERRAFORM_SERVICES)
    (infra / override).write_text(
        'provider "aws" {\n  region = var.aws_region\n  access_key = "x"\n  secret_key = "x"\n'
        "  skip_credentials_validation = true\n  skip_metadata_api_check = true\n"
        f"  s3_use_path_style = true\n  endpoints {{\n{endpoints}\n  }}\n}}\n"
    )
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    return env


def placeholder_package(project: Path, path: Path, runtime: str | None = None) -> Path:
    """A one-file stand-in for `make package`'s zip, with the manifest the deploy checks.

    The manifest (path with .json for .zip) names the project's runtime and architecture,
    as `make package` writes it; ``runtime`` replaces the project's, for a plan whose
    ``lambda_runtime`` is set to another (provider_override's).
    """
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("placeholder.py", "")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    manifest = {
        "runtime": runtime or answers["runtime"],
        "architectures": [answers["lambda_architecture"]],
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    path.with_suffix(".json").write_text(json.dumps(manifest))
    return path


def synthesize_cdk(project: Path, work: Path) -> Path:
    """Install a rendered CDK project as a user would and synthesize it; the template's path.

    A placeholder stands in for the Lambda package, which synthesis only hashes.
    """
    env = {**os.environ, "UV_PYTHON": interpreter_for("3.13")}
    installed = subprocess.run(
        ["make", "install"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert installed.returncode == 0, f"make install:\n{installed.stdout}\n{installed.stderr}"
    package = placeholder_package(project, work / "cdk-lambda.zip")
    outdir = work / "cdk.out"
    # What `cdk synth` does: it runs cdk.json's app with these two variables set.
    env |= {"CDK_OUTDIR": str(outdir), "CDK_CONTEXT_JSON": json.dumps({"lambda_zip": str(package)})}
    result = subprocess.run(
        ["uv", "run", "--no-sync", "python", "-m", "infra.app"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"CDK synthesis failed:\n{result.stdout}\n{result.stderr}"
    [template] = outdir.glob("*.template.json")
    return template


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


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """node_modules for the rendered package-lock.json, installed once per lock file.

    Shared through .cache/ by the xdist workers (a file lock keeps them to one npm ci), so
    every Node.js combination can be linted without installing it.
    """
    texts = [path.read_bytes() for path in sorted((ROOT / "template").glob("*package*.json*"))]
    home = ROOT / ".cache" / "node-modules" / hashlib.sha256(b"".join(texts)).hexdigest()[:16]
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        project = home / "project"
        if not (home / "installed").exists():
            shutil.rmtree(project, ignore_errors=True)
            render(project, runtime="nodejs22.x")
            installed = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=project,
                capture_output=True,
                text=True,
                check=False,
            )
            assert installed.returncode == 0, f"npm ci:\n{installed.stdout}{installed.stderr}"
            (home / "installed").touch()
    return project / "node_modules"


# Slowest files first, so the two xdist workers share the long runs from the start instead of
# one worker finishing them alone at the end; worksteal (pyproject.toml) evens out the rest.
SLOWEST_FIRST = ("test_load_projects.py", "test_projects.py", "test_local_pipeline.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        for position, name in enumerate(SLOWEST_FIRST):
            if item.nodeid.startswith(f"tests/{name}"):
                return position
        return len(SLOWEST_FIRST)

    items.sort(key=rank)


# Summary table of the slow, per-combination tests: (combination, result, seconds).
SUMMARISED = ("test_projects.py", "test_local_pipeline.py", "test_combination_renders")
_combination_results: list[tuple[str, str, float]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Collect per-combination outcomes (under xdist, the controller sees every worker's)."""
    if not any(marker in report.nodeid for marker in SUMMARISED):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        name = report.nodeid.split("::")[-1]
        _combination_results.append((name, report.outcome, report.duration))


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    if not _combination_results:
        return
    terminalreporter.section("combinations (slowest first)")
    width = max(len(name) for name, _, _ in _combination_results)
    terminalreporter.write_line(f"{'combination':<{width}}  {'result':<7}  seconds")
    for name, outcome, seconds in sorted(_combination_results, key=lambda row: -row[2]):
        terminalreporter.write_line(f"{name:<{width}}  {outcome:<7}  {seconds:7.1f}")
    total = sum(seconds for _, _, seconds in _combination_results)
    terminalreporter.write_line(f"{len(_combination_results)} combinations, {total:.0f} s in all")
