"""Every question has help text, and every bad answer is refused with a message saying what is allowed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, render, tool

QUESTIONS = {
    name: spec
    for name, spec in yaml.safe_load((ROOT / "copier.yml").read_text()).items()
    if not name.startswith("_")
}


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_every_question_has_help_text(name: str) -> None:
    assert str(QUESTIONS[name].get("help", "")).strip(), f"{name} has no help text"


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_every_question_has_a_default(name: str) -> None:
    assert "default" in QUESTIONS[name], f"{name} has no default"


FIFO = {"queue_type": "fifo"}

BAD_ANSWERS: list[tuple[dict[str, Any], str]] = [
    ({"project_name": "  "}, "must not be empty"),
    ({"project_slug": "My Service"}, "lowercase letters, digits and single hyphens"),
    ({"project_slug": "ab"}, "3-40 characters"),
    ({"project_slug": "service-"}, "not end with a hyphen"),
    ({"project_slug": "9lives"}, "start with a letter"),
    ({"project_slug": "a--b"}, "single hyphens"),
    (
        {"runtime": "nodejs20.x"},
        "'nodejs20.x' is not in ['python3.13', 'python3.14', 'python3.12', 'nodejs22.x', 'nodejs24.x']",
    ),
    (
        {"runtime": "nodejs22.x", "iac": "sam"},
        "Node.js runtimes are rendered with Terraform for now; choose iac=terraform",
    ),
    ({"runtime": "nodejs24.x", "iac": "cdk"}, "choose iac=terraform or a Python runtime"),
    ({"runtime": "python3.11"}, "is not in"),
    ({"queue_type": "priority"}, "'priority' is not in ['standard', 'fifo']"),
    ({"iac": "pulumi"}, "'pulumi' is not in ['terraform', 'sam', 'cdk']"),
    ({"job_types": []}, "Choose at least one job type"),
    ({"job_types": ["send_sms"]}, "send_sms"),
    ({"aws_region": "Europe"}, "is not an AWS region name"),
    ({"lambda_timeout": 0}, "between 1 and 900 seconds; got 0"),
    ({"lambda_timeout": 901}, "between 1 and 900 seconds; got 901"),
    ({"lambda_memory": 64}, "between 128 and 10240 MB; got 64"),
    ({"lambda_memory": 10241}, "between 128 and 10240 MB"),
    ({"lambda_architecture": "arm"}, "is not in ['arm64', 'x86_64']"),
    ({**FIFO, "batch_size": 11}, "A FIFO queue allows a batch size of 1 to 10; got 11"),
    ({"batch_size": 0}, "standard queue allows a batch size of 1 to 10000; got 0"),
    ({"batch_size": 10001, "batching_window": 1}, "1 to 10000; got 10001"),
    ({"batch_size": 100, "batching_window": 0}, "needs a batching window of at least 1 second"),
    ({"batching_window": 301}, "between 0 and 300 seconds"),
    ({"visibility_timeout": 100}, "at least 6 x the Lambda timeout (50 s) + the batching window"),
    (
        {"lambda_timeout": 60, "batch_size": 50, "batching_window": 5, "visibility_timeout": 364},
        "= 365 s; got 364 s",
    ),
    ({"visibility_timeout": 43201}, "at most 43200 s"),
    ({"max_receive_count": 0}, "between 1 and 1000 attempts"),
    ({"max_receive_count": 1001}, "between 1 and 1000 attempts"),
    ({"message_retention": 59}, "between 60 and 1209600 seconds"),
    ({"message_retention": 1209601}, "between 60 and 1209600 seconds"),
    ({"max_concurrency": 1}, "0 (unset) or between 2 and 1000"),
    ({"max_concurrency": 1001}, "0 (unset) or between 2 and 1000"),
    ({"log_retention_days": 10}, "is not in"),
    ({"alarm_email": "ops-at-example"}, "is not an e-mail address"),
    ({"email_from": "noreply"}, "is not an e-mail address"),
    ({**FIFO, "fifo_group_strategy": "random"}, "is not in ['payload_field', 'fixed']"),
    ({**FIFO, "fifo_group_field": "1st"}, "must be an identifier"),
    ({**FIFO, "fifo_group_strategy": "fixed", "fifo_group_id": "has space"}, "1-128 printable"),
]


@pytest.mark.parametrize(("answers", "message"), BAD_ANSWERS, ids=lambda value: str(value)[:60])
def test_a_bad_answer_is_refused_and_nothing_is_rendered(
    tmp_path: Path, answers: dict[str, Any], message: str
) -> None:
    destination = tmp_path / "service"

    with pytest.raises(ValueError) as refusal:
        render(destination, **answers)

    assert message in str(refusal.value)
    assert not destination.exists()


def test_the_cli_renders_without_trust(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            tool("copier"),
            "copy",
            "--defaults",
            "--vcs-ref",
            "HEAD",
            str(ROOT),
            str(tmp_path / "svc"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "svc" / ".copier-answers.yml").is_file()
