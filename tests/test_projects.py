"""Render services and run their own workflow exactly as a user would: make install, test, lint.

Each combination below is one user's project; together they cover both queue
types, every runtime, every job type alone and together, and the optional
settings. uv's cache is shared, so installs after the first are quick.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from conftest import interpreter_for, render

PROJECTS = {
    "defaults": {},
    "fifo-process_order": {"queue_type": "fifo", "job_types": ["process_order"]},
    "py312-standard-big-batches": {
        "runtime": "python3.12",
        "job_types": ["webhook", "send_email"],
        "batch_size": 100,
        "batching_window": 2,
        "max_concurrency": 5,
        "alarm_email": "ops@example.com",
        "lambda_architecture": "x86_64",
    },
    "py314-fifo-fixed-group": {
        "runtime": "python3.14",
        "queue_type": "fifo",
        "fifo_group_strategy": "fixed",
        "job_types": ["generate_report", "webhook"],
        "aws_region": "us-east-1",
    },
    "sam-defaults": {"iac": "sam"},
    "sam-fifo": {"iac": "sam", "queue_type": "fifo"},
    "cdk-defaults": {"iac": "cdk"},
    "cdk-fifo": {"iac": "cdk", "queue_type": "fifo"},
    # Node.js (Terraform only): npm ci, tsc, ESLint, Prettier and vitest against moto_server.
    "node22-defaults": {"runtime": "nodejs22.x"},
    "node22-fifo": {"runtime": "nodejs22.x", "queue_type": "fifo"},
    "node24-standard": {"runtime": "nodejs24.x"},
    "node24-fifo": {"runtime": "nodejs24.x", "queue_type": "fifo"},
}


def make(project: Path, target: str, env: dict[str, str]) -> float:
    started = time.monotonic()
    result = subprocess.run(
        ["make", target], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.monotonic() - started
    print(f"make {target}: {elapsed:.1f} s")
    assert result.returncode == 0, (
        f"make {target} failed in {project}:\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}"
    )
    return elapsed


@pytest.mark.project
@pytest.mark.parametrize("answers", PROJECTS.values(), ids=PROJECTS.keys())
def test_rendered_service_passes_its_own_workflow(tmp_path: Path, answers: dict[str, Any]) -> None:
    project = render(tmp_path / "svc", **answers)
    runtime = answers.get("runtime", "python3.13")
    # A Node.js project still uses Python for moto_server, its local AWS.
    python_version = "3.13" if runtime.startswith("nodejs") else runtime.removeprefix("python")
    env = {**os.environ, "UV_PYTHON": interpreter_for(python_version)}

    for target in ("install", "test", "lint"):
        make(project, target, env)
    if runtime.startswith("nodejs"):
        # The Lambda zip holds the esbuild bundle and its source map, nothing else.
        make(project, "package", env)
        assert sorted(package_contents(project / "dist" / "lambda.zip")) == [
            "handler.mjs",
            "handler.mjs.map",
        ]
        check_tests_use_a_running_moto_server(project, env)


def check_tests_use_a_running_moto_server(project: Path, env: dict[str, str]) -> None:
    """With MOTO_ENDPOINT (a moto container, say), the Node.js tests use it and start none."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [project / ".venv" / "bin" / "moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        sqs = boto3.client(
            "sqs",
            endpoint_url=endpoint,
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                assert sqs.list_queues().get("QueueUrls", []) == []
                break
            except botocore.exceptions.EndpointConnectionError:
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.2)
        result = subprocess.run(
            ["npx", "vitest", "run", "tests/producer.test.ts"],
            cwd=project,
            env={**env, "MOTO_ENDPOINT": endpoint},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert sqs.list_queues().get("QueueUrls"), "the tests did not use MOTO_ENDPOINT"
    finally:
        server.terminate()
        server.wait(timeout=10)


# Where `make package` leaves the function's code, per tool: Terraform and CDK a zip,
# `sam build` a directory.
PACKAGES = {
    "terraform": "dist/lambda.zip",
    "sam": ".aws-sam/build/ConsumerFunction",
    "cdk": "dist/lambda.zip",
}


def package_contents(path: Path) -> list[str]:
    if path.is_dir():
        return [entry.relative_to(path).as_posix() for entry in path.rglob("*") if entry.is_file()]
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


@pytest.mark.project
@pytest.mark.parametrize("iac", PACKAGES)
def test_package_builds_the_function_for_the_target_platform(tmp_path: Path, iac: str) -> None:
    """`make package` drives the chosen tool and ships wheels for Lambda, not for this machine."""
    project = render(tmp_path / "svc", iac=iac)
    env = {**os.environ, "UV_PYTHON": interpreter_for("3.13")}
    make(project, "install", env)
    make(project, "package", env)
    names = package_contents(project / PACKAGES[iac])

    assert "my_queue_service/handler.py" in names
    assert any(name.startswith("aws_lambda_powertools/") for name in names)
    # arm64 is the default architecture: the compiled dependency must be built for it.
    assert any(
        name.startswith("pydantic_core/") and "aarch64" in name and name.endswith(".so")
        for name in names
    )
    # The runtime provides boto3; test tools never ship.
    assert not any(name.startswith(("boto3/", "moto/", "pytest/")) for name in names)
    assert not any("__pycache__" in name for name in names)
    if iac == "cdk":
        # make package also synthesizes the stack that deploy uploads.
        assert (project / "cdk.out" / "my-queue-service.template.json").exists()
