"""`make local` end to end, as a user runs it: two terminals, one rendered service each time.

Terminal 1 runs `make local` (moto + the event-source emulator + the handler);
terminal 2 sends jobs with `make send` and with `aws sqs send-message`, inspects
the DLQ and redrives it. Ctrl-C must stop everything cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import interpreter_for, render, tool

SEND_EMAIL = {"to": "test@example.com", "subject": "Test", "body": "Hello"}
ORDER = {
    "orderId": "o-1001",
    "customerId": "c-42",
    "currency": "EUR",
    "items": [{"sku": "BOOK-1", "quantity": 2, "unitPrice": "12.50"}],
    "total": "25.00",
}
# answers, job type to send, its payload, and the make target that starts the stack.
PROJECTS = {
    "defaults": ({}, "send_email", SEND_EMAIL, "local"),
    "fifo-process_order": (
        {"queue_type": "fifo", "job_types": ["process_order"]},
        "process_order",
        ORDER,
        "local",
    ),
    # The same pipeline on resources that Terraform built from infra/.
    "defaults-local-infra": ({}, "send_email", SEND_EMAIL, "local-infra"),
}
STEP_TIMEOUT = 60.0
# make package, terraform init and an apply that moto slows to ~25 s per queue and policy.
START_TIMEOUT = {"local": STEP_TIMEOUT, "local-infra": 600.0}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(project: Path, env: dict[str, str], command: list[str], timeout: int) -> str:
    """Run ``command`` in the rendered project and return its output; fail with both streams."""
    result = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, check=False, timeout=timeout
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def make(project: Path, env: dict[str, str], *args: str) -> str:
    return run(project, env, ["make", *args], timeout=600)


def wait_for(
    what: str, check: Callable[[], bool], log: Path, timeout: float = STEP_TIMEOUT
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; make local said:\n{log.read_text()[-4000:]}")


# Run in the rendered project's own environment, which has boto3 (the template's does not).
SCAN = """
import json, sys, boto3
endpoint, region, table = sys.argv[1:]
dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="local", aws_secret_access_key="local")
print(json.dumps(dynamodb.scan(TableName=table)["Items"]))
"""


def project_python(project: Path, env: dict[str, str], script: str, *args: str) -> str:
    python = str(project / ".venv" / "bin" / "python")
    return run(project, env, [python, "-c", script, *args], timeout=120)


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name: value.strip("'") for name, value in pairs}


@pytest.mark.project
@pytest.mark.parametrize(
    ("answers", "job_type", "payload", "target"), PROJECTS.values(), ids=PROJECTS.keys()
)
def test_make_local_runs_the_pipeline_and_stops_cleanly(
    tmp_path: Path, answers: dict[str, Any], job_type: str, payload: dict[str, Any], target: str
) -> None:
    project = render(tmp_path / "svc", **answers)
    fifo = answers.get("queue_type") == "fifo"
    port = free_port()
    env = {
        **os.environ,
        "UV_PYTHON": interpreter_for("3.13"),
        "LOCAL_PORT": str(port),
        # A failed redriven message should come back quickly; nothing here fails transiently.
        "RETRY_BACKOFF_BASE_SECONDS": "1",
    }
    env.pop("AWS_ENDPOINT_URL", None)
    make(project, env, "install")

    log = tmp_path / "make-local.log"
    with log.open("w") as output:
        local = subprocess.Popen(
            ["make", target],
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    try:
        state_file = project / ".local" / "env"
        wait_for(
            ".local/env",
            lambda: state_file.exists() and "status:" in log.read_text(),
            log,
            START_TIMEOUT[target],
        )
        if target == "local-infra":
            assert "Apply complete!" in log.read_text()
        state = read_env(state_file)
        assert state["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{port}"
        server_pid = int(state["LOCAL_SERVER_PID"])

        # Terminal 2: make send through the producer ...
        sent = make(project, env, "send", f"TYPE={job_type}", f"PAYLOAD={json.dumps(payload)}")
        assert f"sent {job_type} as" in sent
        # ... a message the consumer refuses (FIFO: the group comes from the payload, so give one) ...
        group = ["GROUP=c-42"] if fifo else []
        make(project, env, "send", "TYPE=no_such_job", "PAYLOAD={}", *group)
        # ... and the seed message, sent with the AWS CLI as a user would.
        seed = {"type": job_type, "payload": {**payload, "orderId": "o-1002"} if fifo else payload}
        endpoint, region = state["AWS_ENDPOINT_URL"], state["AWS_DEFAULT_REGION"]
        fifo_options = (
            ["--message-group-id", "c-42", "--message-deduplication-id", uuid.uuid4().hex]
            if fifo
            else []
        )
        aws_env = {**env, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
        sent_raw = run(
            project,
            aws_env,
            [
                tool("aws"),
                "sqs",
                "send-message",
                "--endpoint-url",
                endpoint,
                "--region",
                region,
                "--queue-url",
                state["QUEUE_URL"],
                "--message-body",
                json.dumps(seed),
                *fifo_options,
                "--output",
                "json",
            ],
            timeout=120,
        )
        assert "MessageId" in json.loads(sent_raw)

        wait_for(
            "two messages handled, one forwarded to the DLQ",
            lambda: (
                "received 3 | succeeded 2, dead-lettered 1 (forwarded with a reason), "
                "retrying 0, moved by SQS 0 |" in log.read_text()
            ),
            log,
        )

        def scan(table: str) -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = json.loads(
                project_python(project, env, SCAN, endpoint, region, table)
            )
            return items

        records = scan(state["IDEMPOTENCY_TABLE"])
        assert sorted(item["status"]["S"] for item in records) == ["COMPLETED", "COMPLETED"]
        if fifo:
            orders = scan(state["ORDERS_TABLE"])
            assert sorted(item["orderId"]["S"] for item in orders) == ["o-1001", "o-1002"]

        listed = make(project, env, "dlq")
        assert "1 message(s)" in listed
        assert "unknown job type 'no_such_job'" in listed

        if job_type == "send_email" and target == "local-infra":
            # moto's /moto-api/data.json fails while it holds the Lambda function Terraform
            # created; the command says so instead of a traceback.
            refused = subprocess.run(
                ["make", "sent-emails"],
                cwd=project,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert refused.returncode != 0
            assert "Use make local to see sent e-mails." in refused.stderr, refused.stderr
            assert "Traceback" not in refused.stderr, refused.stderr
        elif job_type == "send_email":
            # moto's SES kept both e-mails: the one make send sent and the seed's.
            emails = make(project, env, "sent-emails")
            assert "2 e-mail(s) sent through moto's SES" in emails
            assert emails.count("  subject: Test\n  text:    Hello\n") == 2

        redriven = make(project, env, "redrive")
        assert "Moved 1 message(s)" in redriven
        # Redriven, it fails again and comes back to the DLQ, still in its message group.
        again = "dead-lettered 2 (forwarded with a reason)"
        wait_for("the redriven message to be handled again", lambda: again in log.read_text(), log)
        wait_for(
            "the DLQ to hold the message again",
            lambda: "in DLQ 1" in log.read_text().rsplit(again, 1)[-1],
            log,
        )
        as_json = subprocess.run(
            ["uv", "run", "python", "-m", "local.cli", "dlq", "--json"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        [letter] = [json.loads(line) for line in as_json.splitlines()]
        assert letter["group_id"] == ("c-42" if fifo else None)
        assert "FailureReason" in letter["attributes"]
    finally:
        # Ctrl-C in terminal 1: the whole foreground process group gets SIGINT.
        os.killpg(local.pid, signal.SIGINT)
        try:
            local.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(local.pid, signal.SIGKILL)
            pytest.fail(f"make local did not stop on Ctrl-C:\n{log.read_text()[-4000:]}")

    output = log.read_text()
    assert (
        "stopped moto and the consumer: received 4 | succeeded 2, dead-lettered 2 "
        "(forwarded with a reason), retrying 0, moved by SQS 0\n"
    ) in output
    assert "Traceback" not in output
    assert not (project / ".local" / "env").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(server_pid, 0)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "moto still listens"
    assert "No local stack is running" in make(project, env, "local-stop")
