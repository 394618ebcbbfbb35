"""Benchmarks of a rendered service against the seed design and Powertools, side by side.

    bash scripts/bench.sh            # everything, then docs/benchmarks.md and its plot
    bash scripts/bench.sh --no-suite # without timing the rendered test suite (3-5 minutes)

Renders the default service into a temporary directory, installs it as a user
would (make install), and measures in one run: cold-start import time, per-record
overhead, a batch of slow I/O-bound records, producer throughput, and the
template's own render and test times. Every figure comes with its baseline from
the same run and the ratio between them; the goals are those of the issue that
asked for these numbers. The figures are kept in bench/results.json, from which
`python bench/report.py` rewrites the page and the plot.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import report  # bench/report.py: python puts this script's directory on sys.path
from copier import run_copy

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PACKAGE = "my_queue_service"
IMPORT_RUNS = 7
FIRST_CALL_RUNS = 5
# Environment the handler reads at import (values are never used to call AWS here).
HANDLER_ENV = {
    "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/bench",
    "DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/bench-dlq",
    "IDEMPOTENCY_TABLE": "bench-idempotency",
    "RETRY_BACKOFF_BASE_SECONDS": "120",
    "RETRY_BACKOFF_MAX_SECONDS": "3600",
    "MAX_RECEIVE_COUNT": "5",
    "EMAIL_FROM": "bench@example.com",
    "ORDERS_TABLE": "bench-orders",
    "REPORTS_BUCKET": "bench-reports",
    # local.resources replaces it with the local stack's path; the first batch needs one.
    "WEBHOOK_ENDPOINTS_PATH": "/bench/webhook-endpoints/",
    # The producer's limit: without it the producer asks the queue, which the fake SQS of
    # the producer benchmark cannot answer.
    "MAX_MESSAGE_SIZE": "1048576",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "POWERTOOLS_SERVICE_NAME": "bench",
}
RENDER_SAMPLES = [
    {"iac": "terraform"},
    {"iac": "terraform", "queue_type": "fifo", "job_types": ["process_order"]},
    {"iac": "sam"},
    {"iac": "cdk"},
]


def render(destination: Path, **answers: Any) -> Path:
    run_copy(str(ROOT), str(destination), data=answers, defaults=True, vcs_ref="HEAD", quiet=True)
    return destination


def interpreter() -> str:
    pyenv = sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3"))
    for candidate in (shutil.which("python3.13"), *pyenv):
        if candidate:
            return str(candidate)
    sys.exit("Python 3.13 is needed for the rendered service (the default runtime).")


def import_microseconds(python: Path, statement: str, module: str, env: dict[str, str]) -> float:
    """Median cumulative import time of ``module`` (python -X importtime), in microseconds."""
    samples = []
    for _ in range(IMPORT_RUNS):
        result = subprocess.run(
            [str(python), "-X", "importtime", "-c", statement],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        for line in result.stderr.splitlines():
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)$", line)
            if match and match.group(3) == module and not match.group(2):
                samples.append(int(match.group(1)))
    return statistics.median(samples)


def in_project(project: Path, env: dict[str, str], name: str) -> dict[str, Any]:
    result = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), str(BENCH / "in_project.py"), name],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"benchmark {name} failed:\n{result.stdout}\n{result.stderr}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def first_call_ms(project: Path, env: dict[str, str]) -> dict[str, float]:
    """Median import + first batch, rendered handler and seed, each in fresh processes."""
    port = free_port()
    python = project / ".venv" / "bin" / "python"
    server = subprocess.Popen(
        [str(python), "-m", "moto.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("moto server did not start")
            time.sleep(0.2)
        call_env = {
            **env,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
        samples: dict[str, list[float]] = {"rendered": [], "seed": []}
        for _ in range(FIRST_CALL_RUNS):
            for which, values in samples.items():  # alternate: both see the same machine load
                values.append(in_project(project, call_env, f"first-call-{which}")["ms"])
        return {which: statistics.median(values) for which, values in samples.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = models[0] if models else cpu
    return (
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()} driving, the service on Python 3.13"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-suite", action="store_true", help="skip timing `make test`")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--results", type=Path, default=report.RESULTS, help="figures, as JSON")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {**os.environ, "UV_PYTHON": interpreter(), "UV_PYTHON_DOWNLOADS": "never"}
    project = render(work / "svc")
    fifo_project = render(work / "svc-fifo", queue_type="fifo")
    for directory in (project, fifo_project):
        subprocess.run(["make", "install"], cwd=directory, env=env, check=True, capture_output=True)
    python = project / ".venv" / "bin" / "python"
    run_env = {
        **env,
        **HANDLER_ENV,
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(project)]),
        "BENCH_PACKAGE": PACKAGE,
    }
    fifo_env = {**run_env, "PYTHONPATH": os.pathsep.join([str(BENCH), str(fifo_project)])}
    figures: dict[str, Any] = {"machine": machine(), "date": datetime.now(UTC).date().isoformat()}
    load_before = os.getloadavg()[0]
    # First: a failing suite stops the run before the long measurements.
    if not args.no_suite:
        print("rendered test suite (make test)...", flush=True)
        started = time.perf_counter()
        suite = subprocess.run(
            ["make", "test"], cwd=project, env=env, capture_output=True, text=True, check=False
        )
        figures["suite_seconds"] = time.perf_counter() - started
        if suite.returncode != 0:
            sys.exit(
                f"make test failed in {project}:\n{suite.stdout[-3000:]}\n{suite.stderr[-2000:]}"
            )

    print("cold start (python -X importtime, median of 7)...", flush=True)
    figures["cold_start_us"] = {
        "rendered handler": import_microseconds(
            python, f"import {PACKAGE}.handler", f"{PACKAGE}.handler", run_env
        ),
        "seed handler": import_microseconds(python, "import seed_handler", "seed_handler", run_env),
        "bare Powertools batch": import_microseconds(
            python,
            "import aws_lambda_powertools.utilities.batch",
            "aws_lambda_powertools.utilities.batch",
            run_env,
        ),
    }
    print(f"cold start (import + first batch, median of {FIRST_CALL_RUNS})...", flush=True)
    figures["first_call_ms"] = first_call_ms(project, run_env)
    for name in ("per-record", "batch", "producer"):
        print(f"{name}...", flush=True)
        figures[name] = in_project(project, run_env, name)
    print("batch, idempotency off...", flush=True)
    figures["batch-idempotency-off"] = in_project(
        project, {**run_env, "POWERTOOLS_IDEMPOTENCY_DISABLED": "true"}, "batch"
    )
    for name in ("batch-fifo-10-groups", "batch-fifo-1-group"):
        print(f"{name}...", flush=True)
        figures[name] = in_project(fifo_project, fifo_env, name)

    print("render time...", flush=True)
    render_seconds = []
    for index, answers in enumerate(RENDER_SAMPLES * 3):
        started = time.perf_counter()
        render(work / f"render-{index}", **answers)
        render_seconds.append(time.perf_counter() - started)
    figures["render_seconds"] = statistics.median(render_seconds)

    figures["load_average"] = (load_before, os.getloadavg()[0])
    # Kept, so that `python bench/report.py` can rewrite the page and plot without a new run.
    args.results.write_text(json.dumps(figures, indent=2) + "\n")
    print(report.write(figures, args.out, args.out.parent / "img" / "benchmarks.png"))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
