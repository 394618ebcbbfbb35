"""Terraform renders: the provider floor, the queues' message size, the sender policy, the state.

The plan runs with the real AWS provider against a moto server (the data sources need an
STS endpoint). Where this machine can install only provider 5.100, tests/conftest.py's
provider_override pins it in the copy and says what that leaves unchecked.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import test_parity
import yaml
from conftest import (
    LOCAL_BACKEND_OVERRIDE,
    ROOT,
    placeholder_package,
    provider_override,
    render,
    tool,
)

SERVICES = ("cloudwatch", "dynamodb", "iam", "lambda", "logs", "s3", "sns", "sqs", "ssm", "sts")
# The first AWS provider release that accepts each (the provider's changelog; 5.x refuses
# all of them): a floor below one of these fails `terraform plan` on a fresh `init`.
PROVIDER_NEEDS = {"python3.14": (6, 20), "nodejs24.x": (6, 19), "max_message_size 1 MiB": (6, 8)}
# Accepted by every provider release and unlike the provider's own default (262144), so a
# plan that shows it proves the configuration sets it.
PLANNED_SIZE = 200_000
LANGUAGES = {"python": {}, "node": {"runtime": "nodejs24.x"}}


def copier_questions() -> dict[str, Any]:
    questions: dict[str, Any] = yaml.safe_load((ROOT / "copier.yml").read_text())
    return questions


moto_endpoint = test_parity.moto_endpoint


def terraform(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [tool("terraform"), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"terraform {args[0]}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_the_provider_floor_accepts_every_runtime_offered_and_a_1_mib_queue(
    tmp_path: Path,
) -> None:
    offered = set(copier_questions()["runtime"]["choices"].values())
    needed = [need for name, need in PROVIDER_NEEDS.items() if name in offered or "MiB" in name]
    for language, answers in LANGUAGES.items():
        versions = render(tmp_path / language, iac="terraform", **answers) / "infra/versions.tf"
        constraint = re.search(r'^\s+version\s*=\s*"([^"]+)"', versions.read_text(), re.MULTILINE)
        assert constraint, versions.read_text()
        floor = re.fullmatch(r">=\s*(\d+)\.(\d+)(?:\.\d+)?,\s*<\s*7", constraint.group(1))
        assert floor, f"{language}: not a floor below 7: {constraint.group(1)}"
        assert (int(floor.group(1)), int(floor.group(2))) >= max(needed), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_plan_sets_the_message_size_on_both_queues_the_function_and_the_output(
    tmp_path: Path, moto_endpoint: str, language: str
) -> None:
    project = render(tmp_path / "svc", iac="terraform", **LANGUAGES[language])
    infra = tmp_path / "infra"
    shutil.copytree(project / "infra", infra)
    endpoints = "\n".join(f'    {service} = "{moto_endpoint}"' for service in SERVICES)
    (infra / "moto_override.tf").write_text(
        'provider "aws" {\n  region = var.aws_region\n  access_key = "x"\n  secret_key = "x"\n'
        "  skip_credentials_validation = true\n  skip_metadata_api_check = true\n"
        f"  endpoints {{\n{endpoints}\n  }}\n}}\n"
    )
    (infra / "backend_override.tf").write_text(LOCAL_BACKEND_OVERRIDE)
    variables = provider_override(infra, max_message_size=str(PLANNED_SIZE))
    runtime_option = "-var=lambda_runtime="
    planned_runtime = next(
        (
            item.removeprefix(runtime_option)
            for item in variables
            if item.startswith(runtime_option)
        ),
        None,
    )
    placeholder_package(project, infra / "lambda.zip", planned_runtime)
    terraform(["init", "-input=false", "-no-color"], infra)
    terraform(
        ["plan", "-input=false", "-no-color", "-var=lambda_zip_path=lambda.zip", *variables]
        + ["-out=plan.bin"],
        infra,
    )
    plan = json.loads(terraform(["show", "-json", "plan.bin"], infra))

    after = {change["address"]: change["change"]["after"] for change in plan["resource_changes"]}
    assert after["aws_sqs_queue.main"]["max_message_size"] == PLANNED_SIZE
    assert after["aws_sqs_queue.dlq"]["max_message_size"] == PLANNED_SIZE
    # The environment is unknown until the queues exist (their URLs): read its expression.
    # tests/test_parity.py compares the applied value with SAM's and CDK's.
    resources = {
        resource["address"]: resource
        for resource in plan["configuration"]["root_module"]["resources"]
    }
    [environment] = resources["aws_lambda_function.consumer"]["expressions"]["environment"]
    assert "var.max_message_size" in environment["variables"]["references"]
    assert (
        "MAX_MESSAGE_SIZE           = tostring(var.max_message_size)"
        in (infra / "lambda.tf").read_text()
    )
    assert plan["planned_values"]["outputs"]["max_message_size"]["value"] == PLANNED_SIZE
    # What the configuration deploys unless told otherwise: copier's computed size (1 MiB).
    configured = plan["configuration"]["root_module"]["variables"]["max_message_size"]
    assert configured["default"] == copier_questions()["max_message_size"]["default"] == 1_048_576

    # The sender policy: sending to the main queue only, attached to nothing (the producers'
    # roles are not this stack's). tests/test_parity.py compares the applied grants.
    [statement] = resources["data.aws_iam_policy_document.sender"]["expressions"]["statement"]
    assert sorted(statement["actions"]["constant_value"]) == [
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:SendMessage",
    ]
    assert statement["resources"]["references"][0] == "aws_sqs_queue.main.arn"
    assert "aws_iam_policy.sender" in after
    assert not [address for address in after if "attachment" in address]
    outputs = plan["configuration"]["root_module"]["outputs"]
    assert (
        outputs["sender_policy_arn"]["expression"]["references"][0] == "aws_iam_policy.sender.arn"
    )
    # SSE-SQS, no customer managed key: senders need no KMS permission.
    assert after["aws_sqs_queue.main"]["kms_master_key_id"] is None
    assert after["aws_sqs_queue.main"]["sqs_managed_sse_enabled"] is True
    readme = (project / "README.md").read_text()
    assert "terraform -chdir=infra output -raw sender_policy_arn" in readme
    assert "aws iam attach-role-policy" in readme


def deploy_steps(project: Path) -> list[dict[str, Any]]:
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())
    steps: list[dict[str, Any]] = workflow["jobs"]["deploy"]["steps"]
    return steps


def run_step(step: dict[str, Any], cwd: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """A workflow step's script, with ``variables`` as the repository variables it reads."""
    env = {**os.environ, **{name: variables.get(name, "") for name in step["env"]}}
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_deploys_refuse_to_run_without_a_shared_state(tmp_path: Path, language: str) -> None:
    project = render(tmp_path / "svc", iac="terraform", **LANGUAGES[language])
    backend = (project / "infra/backend.tf").read_text()
    assert re.search(r'backend "s3" \{\s*use_lockfile = true\s*encrypt      = true\s*\}', backend)
    assert not list(project.glob("infra/backend.hcl"))

    # make deploy: no backend.hcl, no terraform init (TERRAFORM=true would let it pass).
    refused = subprocess.run(
        ["make", "--no-print-directory", "infra-init", "TERRAFORM=true"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert "infra/backend.hcl is missing: copy infra/backend.hcl.example" in refused.stderr
    shutil.copy(project / "infra/backend.hcl.example", project / "infra/backend.hcl")
    planned = subprocess.run(
        ["make", "--no-print-directory", "-n", "deploy"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "-chdir=infra init -input=false -backend-config=backend.hcl" in planned.stdout
    example = (project / "infra/backend.hcl.example").read_text()
    assert 'key    = "my-queue-service/terraform.tfstate"' in example

    # CI: the backend step comes before the deploy and refuses without a bucket.
    steps = deploy_steps(project)
    names = [step.get("name", step.get("run", step.get("uses"))) for step in steps]
    backend_step = steps[names.index("Terraform state backend")]
    assert names.index("Terraform state backend") < names.index(
        "make deploy TERRAFORM_APPLY_FLAGS=-auto-approve"
    )
    workspace = tmp_path / "workspace"
    (workspace / "infra").mkdir(parents=True)
    missing = run_step(backend_step, workspace)
    assert missing.returncode == 1
    assert "::error title=No Terraform state backend::" in missing.stdout
    assert not (workspace / "infra/backend.hcl").exists()
    assert run_step(backend_step, workspace, TF_STATE_BUCKET="state-bucket").returncode == 0
    assert (workspace / "infra/backend.hcl").read_text() == (
        'bucket = "state-bucket"\nkey    = "my-queue-service/terraform.tfstate"\n'
        'region = "eu-west-1"\n'
    )


@pytest.mark.parametrize("iac", ["sam", "cdk"])
def test_cloudformation_deploys_need_no_state_backend(tmp_path: Path, iac: str) -> None:
    # CloudFormation keeps the stack's state itself: nothing to configure, nothing to refuse.
    steps = deploy_steps(render(tmp_path / "svc", iac=iac))
    assert not [step for step in steps if "TF_STATE_BUCKET" in json.dumps(step)]
