"""Terraform, SAM and CDK build the same thing: same answers, same normalized description.

Each tool's output is reduced by tests/parity.py to one description: the queues, the function
and the event source mapping as AWS would report them (every attribute, with AWS's documented
default where a tool sets none), then IAM, log retention, job resources, alarms and topic; the
three descriptions must be equal. A mutation test changes one setting in one tool's rendered
file (one of them leaves a setting to AWS's default) and expects the check to name it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from conftest import (
    LOCAL_BACKEND_OVERRIDE,
    TERRAFORM_SERVICES,
    placeholder_package,
    provider_override,
    render,
    synthesize_cdk,
    terraform_on_moto,
    tool,
)
from moto.server import ThreadedMotoServer
from parity import (
    Description,
    describe_cloudformation,
    describe_function,
    describe_mapping,
    describe_queue,
    describe_terraform,
)
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

REGION = "eu-west-1"
ANSWER_SETS = {
    "defaults": {},
    "fifo-alarms-concurrency": {
        "queue_type": "fifo",
        "job_types": ["process_order", "webhook"],
        "alarm_email": "ops@example.com",
        "max_concurrency": 5,
    },
}
# One setting of the rendered template.yaml changed alone, and the part of the description
# that must then differ from Terraform's.
MUTATIONS: dict[str, tuple[Callable[[str], str], str]] = {
    "drop an IAM action": (
        lambda text: text.replace("                  - sqs:ChangeMessageVisibility\n", "", 1),
        "iam: only in the first",
    ),
    "raise maxReceiveCount": (
        lambda text: re.sub(
            r"(  MaxReceiveCount:\n(?:    .*\n)*?    Default: )(\d+)", r"\g<1>9", text
        ),
        "queues.",
    ),
    "drop the TLS-only rule of the first queue": (
        lambda text: text.replace("aws:SecureTransport", "aws:SourceIp", 1),
        "queues.",
    ),
    # A DLQ smaller than its queue refuses the largest dead letters.
    "shrink the DLQ's maximum message size": (
        lambda text: text.replace(
            "      # As large as the main queue's: a dead letter is the same message.\n"
            "      MaximumMessageSize: 1048576\n",
            "      MaximumMessageSize: 262144\n",
            1,
        ),
        "queues.",
    ),
    "let senders read other queues": (
        lambda text: text.replace(
            "              - sqs:GetQueueAttributes\n            Resource: !GetAtt Queue.Arn",
            "              - sqs:GetQueueAttributes\n            Resource: !GetAtt DeadLetterQueue.Arn",
            1,
        ),
        "sender_policy: only in",
    ),
    "drop partial batch responses": (
        lambda text: text.replace("[ReportBatchItemFailures]", "[]", 1),
        "mapping.",
    ),
    # A setting left out gets AWS's default (0 s here), not the other tools' value.
    "leave the DLQ's long polling to AWS's default": (
        lambda text: re.sub(
            r"(  DeadLetterQueue:\n(?:    .*\n|\n)*?)      ReceiveMessageWaitTimeSeconds: 20\n",
            r"\g<1>",
            text,
            count=1,
        ),
        "queues.",
    ),
}
# moto makes the AWS provider wait ~25 s per queue and queue policy.
TERRAFORM_TIMEOUT = 900
# test_secrets points its provider at moto with these.
SERVICES = TERRAFORM_SERVICES


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout
    )
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def terraform_description(project: Path, endpoint: str, work: Path) -> Description:
    """Plan, then apply to moto (minus what moto cannot hold), and describe both."""
    reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10):
        pass
    infra = work / "infra"
    shutil.copytree(project / "infra", infra)
    package = placeholder_package(project, work / "lambda.zip")
    env = terraform_on_moto(infra, endpoint, "parity_override.tf")
    (infra / "backend_override.tf").write_text(LOCAL_BACKEND_OVERRIDE)
    pinned = provider_override(infra)
    terraform = tool("terraform")
    var = f"-var=lambda_zip_path={package}"
    run([terraform, "init", "-input=false", "-no-color"], infra, env)
    run([terraform, "plan", "-input=false", "-no-color", var, *pinned, "-out=plan.bin"], infra, env)
    plan = json.loads(run([terraform, "show", "-json", "plan.bin"], infra, env))
    # Left out of the apply, described from the plan: moto never stores a redrive allow
    # policy (the provider would wait forever) and would run the mapping in Docker.
    (infra / "moto_override.tf").write_text(
        'resource "aws_sqs_queue_redrive_allow_policy" "dlq" {\n  count = 0\n}\n'
        'resource "aws_lambda_event_source_mapping" "consumer" {\n  count = 0\n}\n'
    )
    run(
        [terraform, "apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=20"]
        + [var, *pinned],
        infra,
        env,
        timeout=TERRAFORM_TIMEOUT,
    )
    state = json.loads(run([terraform, "show", "-json"], infra, env))
    (work / "plan.json").write_text(json.dumps(plan))
    (work / "state.json").write_text(json.dumps(state))
    return describe_terraform(plan, state)


def sam_description(project: Path) -> Description:
    template: dict[str, Any] = yaml_parse((project / "template.yaml").read_text())
    # sam deploy uploads the build and points CodeUri at S3; the translator wants that form.
    template["Resources"]["ConsumerFunction"]["Properties"]["CodeUri"] = "s3://bucket/code.zip"
    transformed: dict[str, Any] = Translator(
        None, Parser(), boto_session=boto3.Session(region_name=REGION)
    ).translate(template, parameter_values={}, get_managed_policy_map=dict)
    return describe_cloudformation(transformed, REGION)


def cdk_description(project: Path, work: Path) -> Description:
    template = synthesize_cdk(project, work)
    return describe_cloudformation(json.loads(template.read_text()), REGION)


def differences(left: Description, right: Description, path: str = "") -> list[str]:
    """Readable differences, one line per setting (queues.<name>.<attribute>: a != b)."""
    found = []
    for key in sorted(set(left) | set(right)):
        a, b = left.get(key), right.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += differences(a, b, f"{path}{key}.")
        elif isinstance(a, set) and isinstance(b, set):
            found += [f"{path}{key}: only in the first: {x!r}" for x in sorted(a - b, key=repr)]
            found += [f"{path}{key}: only in the second: {x!r}" for x in sorted(b - a, key=repr)]
        elif a != b:
            found.append(f"{path}{key}: {a!r} != {b!r}")
    return found


def test_a_setting_a_tool_leaves_out_is_described_with_the_default_aws_applies() -> None:
    """The 256 KiB that went unseen: SAM and CDK set no MaximumMessageSize, so AWS applies
    its own default (1 MiB), while the Terraform AWS provider (5.x and 6.x) sends 262144
    when max_message_size is unset. Described as AWS holds them, the two differ."""
    cloudformation = {"QueueName": "q", "VisibilityTimeout": 300}
    by_cloudformation = describe_queue(cloudformation)
    by_terraform = describe_queue(
        {"VisibilityTimeout": 300, "MaximumMessageSize": 262_144, "DelaySeconds": 0}
    )

    assert by_cloudformation["MaximumMessageSize"] == 1_048_576
    assert by_cloudformation == describe_queue({**cloudformation, "MaximumMessageSize": 1_048_576})
    assert differences({"queues": {"q": by_terraform}}, {"queues": {"q": by_cloudformation}}) == [
        "queues.q.MaximumMessageSize: 262144 != 1048576"
    ]
    # Every attribute GetQueueAttributes(All) reports for settings is described.
    assert set(by_cloudformation) == {
        *("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod"),
        *("ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "RedrivePolicy"),
        *("RedriveAllowPolicy", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope"),
        *("FifoThroughputLimit", "SqsManagedSseEnabled", "KmsMasterKeyId"),
        *("KmsDataKeyReusePeriodSeconds", "Policy"),
    }
    # Defaults of the function and the mapping, likewise.
    function = describe_function({"FunctionName": "f", "Runtime": "r", "Handler": "h", "Role": "x"})
    assert (function["MemorySize"], function["Timeout"], function["Architectures"]) == (
        128,
        3,
        ["x86_64"],
    )
    assert (function["EphemeralStorage"], function["TracingConfig"]) == (512, "PassThrough")
    assert (function["LogFormat"], function["LogGroup"]) == ("Text", "/aws/lambda/f")
    mapping = describe_mapping({"EventSourceArn": "q"})
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (10, 0)
    assert mapping["Enabled"] is True


@pytest.mark.project
@pytest.mark.parametrize("answers", ANSWER_SETS.values(), ids=ANSWER_SETS.keys())
def test_terraform_sam_and_cdk_describe_the_same_stack(
    tmp_path: Path, moto_endpoint: str, answers: dict[str, Any]
) -> None:
    terraform = terraform_description(
        render(tmp_path / "terraform", iac="terraform", **answers), moto_endpoint, tmp_path
    )
    sam = sam_description(render(tmp_path / "sam", iac="sam", **answers))
    cdk = cdk_description(render(tmp_path / "cdk", iac="cdk", **answers), tmp_path)

    assert terraform["queues"], "nothing described: the parity reader found no queue"
    sam_differences = differences(terraform, sam)

    # The check must catch a setting changed in one tool alone: edit the SAM file, re-check.
    # Only differences the edit adds count, so that this part holds even while the tools
    # differ elsewhere (reported below).
    template = tmp_path / "sam" / "template.yaml"
    original = template.read_text()
    for name, (mutate, setting) in MUTATIONS.items():
        mutated = mutate(original)
        assert mutated != original, f"{name}: its target is not in template.yaml any more"
        template.write_text(mutated)
        found = differences(terraform, sam_description(tmp_path / "sam"))
        added = [line for line in found if line not in sam_differences]
        assert any(line.startswith(setting) for line in added), (name, found)
    template.write_text(original)

    assert sam_differences == [], "Terraform (first) and SAM (second) differ"
    assert differences(terraform, cdk) == [], "Terraform (first) and CDK (second) differ"
