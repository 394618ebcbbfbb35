"""Every combination of runtime, queue type, IaC tool and job-type subset renders what it asks for.

Cheap checks only (files, contents, ruff, terraform fmt); the full workflow of
a few rendered services runs in test_projects.py.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import JOB_TYPES, ROOT, package_dir, render, tool

RUNTIMES = ["python3.12", "python3.13", "python3.14"]
QUEUE_TYPES = ["standard", "fifo"]
# Every non-empty subset of job types (15), in the order copier.yml lists them.
JOB_SUBSETS = [
    list(subset)
    for size in range(1, len(JOB_TYPES) + 1)
    for subset in itertools.combinations(JOB_TYPES, size)
]
# Terraform gets every job subset; SAM and CDK each job alone and all together (their
# per-job pieces are independent, and the parity test proves them equal to Terraform's).
IAC_SUBSETS = {
    "terraform": JOB_SUBSETS,
    "sam": [[job] for job in JOB_TYPES] + [JOB_TYPES],
    "cdk": [[job] for job in JOB_TYPES] + [JOB_TYPES],
}
# Per tool: the infrastructure files, and how they spell a FIFO queue, the batching window
# and the runtime.
IAC_FILES = {"terraform": "infra/*.tf", "sam": "template.yaml", "cdk": "infra/*.py"}
IAC_MARKERS = {
    "terraform": ("fifo_queue", "maximum_batching_window_in_seconds", '"{runtime}"'),
    "sam": ("FifoQueue: true", "MaximumBatchingWindowInSeconds", "Runtime: {runtime}"),
    "cdk": ("fifo=True", "max_batching_window=", 'runtime: str = "{runtime}"'),
}

COMBINATIONS = [
    pytest.param(
        {"runtime": runtime, "queue_type": queue_type, "iac": iac, "job_types": jobs},
        id=f"{runtime}-{queue_type}-{iac}-{'+'.join(jobs)}",
    )
    for iac, subsets in IAC_SUBSETS.items()
    for runtime, queue_type, jobs in itertools.product(RUNTIMES, QUEUE_TYPES, subsets)
]

# Jinja left in the output would mean a broken template; GitHub expressions are ${{ ... }}.
LEFTOVER_JINJA = re.compile(r"\{%|(?<!\$)\{\{")


def assert_terraform_formatted(project: Path) -> None:
    result = subprocess.run(
        [tool("terraform"), "fmt", "-check", "-recursive", "infra"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"terraform fmt would change: {result.stdout}"


def read_all(directory: Path, pattern: str) -> str:
    return "\n".join(path.read_text() for path in sorted(directory.glob(pattern)))


@pytest.mark.parametrize("answers", COMBINATIONS)
def test_combination_renders_what_it_asks_for(tmp_path: Path, answers: dict[str, Any]) -> None:
    project = render(tmp_path / "svc", **answers)
    package = package_dir(project)
    iac = answers["iac"]
    infra = read_all(project, IAC_FILES[iac])
    assert infra, f"no infrastructure files ({IAC_FILES[iac]})"
    jobs = set(answers["job_types"])
    fifo = answers["queue_type"] == "fifo"
    sample_event = (project / "events" / "sqs-batch.json").read_text()

    for job in JOB_TYPES:
        chosen = job in jobs
        assert (package / "jobs" / f"{job}.py").exists() == chosen, job
        assert (project / "tests" / f"test_{job}.py").exists() == chosen, job
        if iac != "sam":
            suffix = ".tf" if iac == "terraform" else ".py"
            assert (project / "infra" / f"{job}{suffix}").exists() == chosen, job
        assert (f'\\"type\\": \\"{job}\\"' in sample_event) == chosen, job
    assert (package / "signing.py").exists() == ("webhook" in jobs)
    assert ("EMAIL_FROM" in infra) == ("send_email" in jobs)
    assert ("ses:SendEmail" in infra) == ("send_email" in jobs)
    assert ("ORDERS_TABLE" in infra) == ("process_order" in jobs)
    assert ("REPORTS_BUCKET" in infra) == ("generate_report" in jobs)
    assert ("WEBHOOK_ENDPOINTS_PATH" in infra) == ("webhook" in jobs)
    pyproject = (project / "pyproject.toml").read_text()
    assert ("urllib3" in pyproject) == ("webhook" in jobs)
    python_version = answers["runtime"].removeprefix("python")
    assert (project / ".python-version").read_text().strip() == python_version

    processor = (package / "processor.py").read_text()
    producer = (package / "producer.py").read_text()
    assert ("MessageGroupId" in processor) == fifo
    assert ("SQSFifoMessageGroupCircuitBreakerError" in processor) == fifo
    assert ("MessageGroupId" in producer) == fifo
    assert ("DelaySeconds" in producer) == (not fifo)
    fifo_marker, window_marker, runtime_marker = IAC_MARKERS[iac]
    assert (fifo_marker in infra) == fifo
    assert (window_marker in infra) == (not fifo)
    assert runtime_marker.format(runtime=answers["runtime"]) in infra
    # A function-level DLQ only serves asynchronous invokes, never an SQS event source
    # (test_parity.py holds SAM and CDK to Terraform's function).
    assert not re.search(r"dead_letter_config\s*\{", infra)
    assert re.search(r"ReportBatchItemFailures|report_batch_item_failures=True", infra)
    # Only the chosen tool's files.
    assert (project / "template.yaml").exists() == (iac == "sam")
    assert (project / "cdk.json").exists() == (iac == "cdk")
    assert bool(list(project.glob("infra/*.tf"))) == (iac == "terraform")

    answers_file = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers_file["queue_type"] == answers["queue_type"]
    assert answers_file["job_types"] == answers["job_types"]
    assert "_commit" in answers_file

    for path in project.rglob("*"):
        if path.is_file():
            assert not LEFTOVER_JINJA.search(path.read_text()), f"Jinja left in {path}"

    ruff = tool("ruff")
    for command in ([ruff, "check", "--quiet", "."], [ruff, "format", "--check", "--quiet", "."]):
        result = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr

    if iac == "terraform":
        assert_terraform_formatted(project)


@pytest.mark.parametrize(
    ("answers", "present", "absent"),
    [
        ({"alarm_email": "ops@example.com"}, ["aws_sns_topic", "ops@example.com"], []),
        ({}, [], ["aws_sns_topic"]),
        ({"max_concurrency": 25}, ["maximum_concurrency", "25"], []),
        ({"batch_size": 500, "batching_window": 5}, ["500", "= 5"], []),
    ],
)
def test_optional_settings_reach_the_infrastructure(
    tmp_path: Path, answers: dict[str, Any], present: list[str], absent: list[str]
) -> None:
    infra = read_all(render(tmp_path / "svc", **answers) / "infra", "*.tf")

    for text in present:
        assert text in infra
    for text in absent:
        assert text not in infra


def test_visibility_timeout_is_derived_from_timeout_and_window(tmp_path: Path) -> None:
    project = render(tmp_path / "svc", lambda_timeout=120, batch_size=100, batching_window=10)

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["visibility_timeout"] == 6 * 120 + 10
    assert "730" in read_all(project / "infra", "*.tf")


@pytest.mark.parametrize("iac", list(IAC_FILES))
def test_github_workflows_are_valid(tmp_path: Path, iac: str) -> None:
    """The rendered service's workflow and the template's own pass the workflow schema."""
    project = render(tmp_path / "svc", iac=iac)
    workflows = [
        project / ".github" / "workflows" / "ci.yml",
        ROOT / ".github" / "workflows" / "ci.yml",
    ]

    result = subprocess.run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, workflows),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    rendered = yaml.safe_load(workflows[0].read_text())
    # Deploys use short-lived OIDC credentials, never stored keys.
    assert rendered["jobs"]["deploy"]["permissions"]["id-token"] == "write"
    assert "aws-access-key-id" not in workflows[0].read_text()


# The README is the owner's runbook: for each runtime and tool, both queue types, with and
# without an alarm address, one job type and all of them.
README_COMBINATIONS = [
    pytest.param(answers, id="-".join(str(value) for value in answers.values()))
    for answers in [
        {
            "runtime": runtime,
            "iac": iac,
            "queue_type": queue_type,
            "job_types": jobs,
            "alarm_email": email,
        }
        for runtime, iac in [
            ("python3.13", "terraform"),
            ("python3.13", "sam"),
            ("python3.13", "cdk"),
            ("nodejs22.x", "terraform"),
        ]
        for queue_type, jobs, email in [
            ("standard", JOB_TYPES, ""),
            ("fifo", ["send_email"], "ops@example.com"),
        ]
    ]
]
# How each tool names its alarms (the part after the service name) and the queue's ARN output.
ALARM_NAMES = {
    "terraform": re.compile(r'alarm_name\s*=\s*"\$\{var\.service_name\}-([a-z-]+)"'),
    "sam": re.compile(r"AlarmName: !Sub \$\{ServiceName\}-([a-z-]+)"),
    "cdk": re.compile(r'"[A-Za-z]+Alarm",\s*"([a-z-]+)"'),
}
SENDER_POLICY_OUTPUT = {
    "terraform": 'output "sender_policy_arn"',
    "sam": "SenderPolicyArn:",
    "cdk": '"SenderPolicyArn"',
}


def command_after(markdown: str, start: str) -> str:
    """The shell command that begins with ``start``, with its continuation lines."""
    lines = markdown[markdown.index(start) :].splitlines()
    command = [lines[0]]
    while command[-1].endswith("\\"):
        command.append(lines[len(command)])
    return "\n".join(command)


@pytest.mark.parametrize("answers", README_COMBINATIONS)
def test_the_readme_covers_the_alarms_and_the_sample_messages(
    tmp_path: Path, answers: dict[str, Any]
) -> None:
    project = render(tmp_path / "svc", **answers)
    readme = (project / "README.md").read_text()
    iac = answers["iac"]
    infra = read_all(project, IAC_FILES[iac])

    # Every alarm the infrastructure defines is explained by its full name.
    suffixes = ALARM_NAMES[iac].findall(infra)
    assert len(suffixes) == 4, suffixes
    for suffix in suffixes:
        assert f"`my-queue-service-{suffix}`" in readme, suffix
    for metric in re.findall(r'metric_name\s*=\s*"(\w+)"|MetricName: (\w+)', infra):
        assert f"`{''.join(metric)}`" in readme, metric
    if answers["alarm_email"]:
        assert f"e-mails {answers['alarm_email']}" in readme
        assert "`my-queue-service-alarms`" in readme
    else:
        assert "No `alarm_email` was given" in readme

    # Senders attach the rendered policy, found by its output; no hand-written copy of it.
    assert SENDER_POLICY_OUTPUT[iac] in infra
    sender_output = (
        "terraform -chdir=infra output -raw sender_policy_arn"
        if iac == "terraform"
        else "output SenderPolicyArn"
    )
    assert f'--policy-arn "$({sender_output})"' in command_after(
        readme, "aws iam attach-role-policy"
    )
    assert '"Action":' not in readme

    # Every make command the README has the owner run (the DLQ tools among them) exists in this
    # runtime's Makefile.
    makefile = (project / "Makefile").read_text()
    targets = set(re.findall(r"^make ([a-z-]+)", readme, re.MULTILINE))
    assert "dlq" in targets
    for target in targets:
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target

    # make send FILE=messages.jsonl has a file to send: one message per chosen job type.
    assert "make send FILE=messages.jsonl" in readme
    lines = [json.loads(line) for line in (project / "messages.jsonl").read_text().splitlines()]
    assert [line["type"] for line in lines] == answers["job_types"]
    if answers["queue_type"] == "fifo":
        assert all("customerId" in line["payload"] or "groupId" in line for line in lines)
    else:
        assert not any("groupId" in line for line in lines)


# Node.js runtimes render with Terraform only (copier.yml refuses sam and cdk). Each job type
# alone and all together, for both queue types: the per-job pieces are independent.
NODE_RUNTIMES = ["nodejs22.x", "nodejs24.x"]
NODE_JOB_FILES = {
    "send_email": "send-email",
    "process_order": "process-order",
    "generate_report": "generate-report",
    "webhook": "webhook",
}
NODE_COMBINATIONS = [
    pytest.param(
        {"runtime": runtime, "queue_type": queue_type, "job_types": jobs},
        id=f"{runtime}-{queue_type}-{'+'.join(jobs)}",
    )
    for runtime, queue_type, jobs in itertools.product(
        NODE_RUNTIMES, QUEUE_TYPES, [[job] for job in JOB_TYPES] + [JOB_TYPES]
    )
]


@pytest.mark.parametrize("answers", NODE_COMBINATIONS)
def test_node_combination_renders_what_it_asks_for(tmp_path: Path, answers: dict[str, Any]) -> None:
    project = render(tmp_path / "svc", **answers)
    jobs = set(answers["job_types"])
    fifo = answers["queue_type"] == "fifo"
    node_version = answers["runtime"].removeprefix("nodejs").removesuffix(".x")
    infra = read_all(project, "infra/*.tf")

    # No Python tree, no Python tooling, but the packager (standard library only) that both
    # runtimes share, so that both build their zip the same reproducible way; the project
    # needs Python 3 for moto anyway.
    for python_only in ("pyproject.toml", ".python-version", "local", "src/my_queue_service"):
        assert not (project / python_only).exists(), python_only
    assert [path.relative_to(project).as_posix() for path in project.rglob("*.py")] == [
        "scripts/package.py"
    ]
    registry = (project / "src" / "jobs" / "index.ts").read_text()
    support = (project / "tests" / "support" / "aws.ts").read_text()
    for job, name in NODE_JOB_FILES.items():
        chosen = job in jobs
        assert (project / "src" / "jobs" / f"{name}.ts").exists() == chosen, job
        assert (project / "tests" / f"{name}.test.ts").exists() == chosen, job
        assert (project / "infra" / f"{job}.tf").exists() == chosen, job
        assert (f"from './{name}.js'" in registry) == chosen, job
    assert (project / "src" / "signing.ts").exists() == ("webhook" in jobs)
    assert ("S3Client" in support) == ("generate_report" in jobs)
    assert ("SESv2Client" in support) == ("send_email" in jobs)
    # The webhook endpoint make local seeds (its tests put their own).
    local_resources = (project / "scripts" / "local" / "resources.ts").read_text()
    assert ("SSMClient" in local_resources) == ("webhook" in jobs)
    assert ("ORDERS_TABLE" in infra) == ("process_order" in jobs)

    assert (project / ".nvmrc").read_text().strip() == node_version
    assert f"'node{node_version}'" in (project / "scripts" / "build.mjs").read_text()
    package = json.loads((project / "package.json").read_text())
    lock = json.loads((project / "package-lock.json").read_text())
    assert package["name"] == lock["name"] == lock["packages"][""]["name"] == "my-queue-service"
    # One lock for every combination: package.json always lists the same dependencies.
    assert package["dependencies"] == lock["packages"][""]["dependencies"]

    assert 'handler       = "handler.handler"' in infra
    assert 'NODE_OPTIONS = "--enable-source-maps"' in infra
    assert f'default     = "{answers["runtime"]}"' in infra
    assert ("fifo_queue" in infra) == fifo

    handler = (project / "src" / "handler.ts").read_text()
    dead_letter = (project / "src" / "dead-letter.ts").read_text()
    producer = (project / "src" / "producer.ts").read_text()
    assert ("inGroupOrder" in handler) == fifo
    assert ("MessageGroupId" in dead_letter) == fifo
    assert ("MessageGroupId" in producer) == fifo
    assert ("DelaySeconds" in producer) == (not fifo)
    assert (project / "tests" / "fifo.test.ts").exists() == fifo
    assert ("FIFO = true" in support) == fifo

    for path in project.rglob("*"):
        if path.is_file():
            assert not LEFTOVER_JINJA.search(path.read_text()), f"Jinja left in {path}"
    assert_terraform_formatted(project)


# Lint is where combinations differ (an import only one job type uses, a blank line in a
# condition); nodejs24.x renders differ from these only in version strings.
@pytest.mark.parametrize(
    "answers", [case for case in NODE_COMBINATIONS if case.values[0]["runtime"] == "nodejs22.x"]
)
def test_node_combination_passes_its_own_lint(
    tmp_path: Path, answers: dict[str, Any], node_modules: Path
) -> None:
    project = render(tmp_path / "svc", **answers)
    (project / "node_modules").symlink_to(node_modules, target_is_directory=True)

    result = subprocess.run(
        ["make", "lint"], cwd=project, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, f"make lint:\n{result.stdout[-6000:]}{result.stderr[-3000:]}"


def test_the_node_lock_file_is_plain_json_but_for_the_project_name() -> None:
    """The lock is generated, not written: only its two "name" fields may be Jinja."""
    [lock] = (ROOT / "template").glob("*package-lock.json*")
    text = lock.read_text()
    assert text.count('"name": "{{ project_slug }}"') == 2
    assert not re.search(r"\{%|\{#", text)
    assert text.count("{{") == 2
