"""No secret in rendered source or in Terraform's state, plan or outputs (issue 7).

The service's secrets are the webhook endpoints' signing secrets, one SSM SecureString
parameter per endpoint that an operator adds out of band; no IaC tool creates any
(CloudFormation cannot create a SecureString, and Terraform would keep it in its state).

- Rendered source: every file of a service rendered for each IaC tool, with every job
  type, goes through Yelp's detect-secrets; a finding fails unless the allow-list below
  explains it. A planted key and secret show the scan finds what it should.
- Terraform: with an endpoint put in a moto server as an operator would, neither plan
  nor apply brings its secret into the state, the plan or an output; a state written by
  the template's earlier single-secret resource (`value` under ignore_changes) does hold
  the secret, and moving to the current files keeps the parameter in SSM and takes it
  out of the state.

The logs are checked in every rendered service with webhook: its test_webhook.py runs
the handler at DEBUG with a unique secret and looks for it in everything logged.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, NamedTuple

import boto3
import test_parity
from conftest import LOCAL_BACKEND_OVERRIDE, provider_override, render, tool
from detect_secrets.core.scan import scan_file
from detect_secrets.settings import default_settings
from test_parity import REGION, SERVICES, run

ADDRESS = "aws_ssm_parameter.webhook_signing_secret"
PLACEHOLDER = "CHANGE_ME"

# (file, detector, the whole flagged line) -> why it is no secret. Files are globs
# relative to the rendered service; lines are regular expressions.
ALLOWED: dict[tuple[str, str, str], str] = {
    (
        "events/*.json",
        "Hex High Entropy String",
        r'"md5OfBody": "[0-9a-f]{32}",',
    ): "the MD5 digest of a sample message's body, as SQS puts in each record",
    (
        "local/*.py",
        "Secret Keyword",
        r'(aws_secret_access_key=|"AWS_SECRET_ACCESS_KEY": |secret_key += )"local",?.*',
    ): "the dummy credentials of the local moto server, which accepts any",
    (
        "tests/conftest.py",
        "Secret Keyword",
        r'"AWS_SECRET_ACCESS_KEY": "testing",',
    ): "moto's documented dummy credentials for the mocked account",
    (
        "tests/*.py",
        "Secret Keyword",
        r'"AWS_SECRET_ACCESS_KEY": "local",',
    ): "the dummy credentials of the local moto server, which accepts any",
    (
        "tests/conftest.py",
        "Secret Keyword",
        r'(OTHER_)?SIGNING_SECRET = "whsec_" \+ base64\.b64encode\(b"[^"]*"\)\.decode\(\)',
    ): "the tests' endpoint secrets, the base64 of a sentence",
    (
        "tests/test_signing.py",
        "Base64 High Entropy String",
        r'SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"',
    ): "the example secret of the Standard Webhooks specification, for its published vector",
    (
        "tests/test_signing.py",
        "Secret Keyword",
        r'SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"',
    ): "the example secret of the Standard Webhooks specification, for its published vector",
}


class Finding(NamedTuple):
    path: str
    kind: str
    line: str


def scan(project: Path) -> list[Finding]:
    """detect-secrets' findings, with its default plugins and filters, in every file."""
    findings = []
    with default_settings():
        for path in sorted(project.rglob("*")):
            relative = path.relative_to(project).as_posix()
            if not path.is_file() or relative.startswith((".venv/", ".git/")):
                continue
            lines = path.read_text(errors="replace").splitlines()
            for secret in scan_file(str(path)):
                line = lines[secret.line_number - 1].strip() if secret.line_number else ""
                findings.append(Finding(relative, secret.type, line))
    return findings


def allowed_by(finding: Finding) -> tuple[str, str, str] | None:
    for key in ALLOWED:
        pattern, kind, line = key
        if (
            fnmatch(finding.path, pattern)
            and kind == finding.kind
            and re.fullmatch(line, finding.line)
        ):
            return key
    return None


def test_rendered_source_holds_no_secret(tmp_path: Path) -> None:
    used = set()
    for iac in ("terraform", "sam", "cdk"):
        # Defaults give every job type; an alarm address renders the optional topic too.
        project = render(tmp_path / iac, iac=iac, alarm_email="ops@example.com")
        findings = scan(project)
        unexplained = [finding for finding in findings if allowed_by(finding) is None]
        assert unexplained == [], f"{iac}: secrets found, or allow-list entries missing"
        used |= {allowed_by(finding) for finding in findings}
        # An inline allow-list comment would hide a finding from the scan, reason unseen.
        hidden = [
            path.relative_to(project).as_posix()
            for path in project.rglob("*")
            if path.is_file() and "pragma: allowlist" in path.read_text(errors="replace")
        ]
        assert hidden == [], f"{iac}: inline detect-secrets allow-list comments"
    assert set(ALLOWED) - used == set(), "allow-list entries no render needs any more"


def test_the_scan_finds_a_planted_key_and_secret(tmp_path: Path) -> None:
    project = render(tmp_path / "svc", iac="terraform")
    # Built here, so that this file holds no key-shaped string of its own.
    access_key = "AKIA" + "".join(
        secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)
    )
    signing_secret = secrets.token_hex(32)
    with (project / "infra" / "lambda.tf").open("a") as tf:
        tf.write(f"\n# deployed with {access_key}\n")
    with (project / "infra" / "webhook.tf").open("a") as tf:
        tf.write(f'\nlocals {{\n  leaked = "{signing_secret}"\n}}\n')

    unexplained = {
        (finding.path, finding.kind) for finding in scan(project) if allowed_by(finding) is None
    }

    assert ("infra/lambda.tf", "AWS Access Key") in unexplained
    assert ("infra/webhook.tf", "Hex High Entropy String") in unexplained


# --- Terraform state, plan and outputs ----------------------------------------------------

# The parameter as the template rendered it before value_wo: Terraform wrote the
# placeholder and then ignored the value, but the provider still read it back.
LEGACY_PARAMETER = f"""\
resource "aws_ssm_parameter" "webhook_signing_secret" {{
  name        = "/${{var.service_name}}/webhook-signing-secret"
  description = "HMAC key for signing webhook requests (set out of band)."
  type        = "SecureString"
  value       = "{PLACEHOLDER}"

  lifecycle {{
    ignore_changes = [value]
  }}
}}
"""


# One moto server for this module's Terraform tests, as test_parity has.
moto_endpoint = test_parity.moto_endpoint


class Terraform:
    """The rendered infra/ in a work directory, its AWS provider pointed at moto.

    Only the parameters' part is applied (`-target` takes what it needs with it): the rest of
    the stack has no part in where the secret goes, and moto makes every queue cost
    about 25 s.
    """

    def __init__(self, project: Path, work: Path, endpoint: str, service: str) -> None:
        self.dir = work / "infra"
        shutil.copytree(project / "infra", self.dir)
        endpoints = "\n".join(f'    {name} = "{endpoint}"' for name in SERVICES)
        (self.dir / "moto_override.tf").write_text(
            'provider "aws" {\n  region = var.aws_region\n  access_key = "x"\n'
            '  secret_key = "x"\n  skip_credentials_validation = true\n'
            f"  skip_metadata_api_check = true\n  endpoints {{\n{endpoints}\n  }}\n}}\n"
        )
        # State in terraform.tfstate here, not infra/backend.tf's S3 backend.
        (self.dir / "backend_override.tf").write_text(LOCAL_BACKEND_OVERRIDE)
        pinned = provider_override(self.dir)
        self.env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            self.env.pop(name, None)
        self.parameter = f"/{service}/webhook-signing-secret"
        self.vars = [
            f"-var=service_name={service}",
            f"-var=aws_region={REGION}",
            "-var=lambda_zip_path=unused.zip",
            # The legacy parameter, and the webhook's policy with what it reads (an output
            # and its path).
            f"-target={ADDRESS}",
            "-target=data.aws_iam_policy_document.webhook",
            *pinned,
        ]
        self.ssm = boto3.client(
            "ssm",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        self("init", "-no-color")

    def __call__(self, *args: str) -> str:
        return run([tool("terraform"), *args], self.dir, self.env, timeout=300)

    def apply(self, *args: str) -> None:
        self("apply", "-auto-approve", "-no-color", *args, *self.vars)

    def use_parameter(self, block: str) -> None:
        """Put ``block`` in place of webhook.tf's removed block for the earlier parameter."""
        webhook = self.dir / "webhook.tf"
        text = webhook.read_text()
        start = text.index("removed {")
        end = text.index("\n}\n", start) + 3
        webhook.write_text(text[:start] + block + text[end:])

    def put_secret(self, value: str) -> None:
        """What the operator does: `aws ssm put-parameter --overwrite --type SecureString`."""
        self.ssm.put_parameter(
            Name=self.parameter, Value=value, Type="SecureString", Overwrite=True
        )

    def secret(self) -> str:
        found = self.ssm.get_parameter(Name=self.parameter, WithDecryption=True)
        value: str = found["Parameter"]["Value"]
        return value

    def state_files(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.dir.glob("terraform.tfstate*")))

    def parameter_state(self) -> dict[str, Any]:
        state = json.loads((self.dir / "terraform.tfstate").read_text())
        [resource] = [r for r in state["resources"] if r["type"] == "aws_ssm_parameter"]
        values: dict[str, Any] = resource["instances"][0]["attributes"]
        return values


def rendered_terraform(tmp_path: Path, endpoint: str, service: str) -> Terraform:
    project = render(tmp_path / "svc", iac="terraform", alarm_email="ops@example.com")
    return Terraform(project, tmp_path, endpoint, service)


def test_the_secret_never_reaches_terraform_state_plan_or_outputs(
    tmp_path: Path, moto_endpoint: str
) -> None:
    terraform = rendered_terraform(tmp_path, moto_endpoint, "fresh-svc")
    terraform.parameter = "/fresh-svc/webhook-endpoints/partner"
    marker = f"whsec_{secrets.token_hex(16)}"
    terraform.put_secret(json.dumps({"url": "https://partner.example.com/", "secret": marker}))

    terraform("plan", "-no-color", "-out=plan.bin", *terraform.vars)
    plan = terraform("show", "-json", "plan.bin")
    terraform("apply", "-auto-approve", "-no-color", "plan.bin")
    state = terraform("show", "-json")
    outputs = json.loads(terraform("output", "-json"))

    assert marker in terraform.secret()
    for name, text in {
        "plan": plan,
        "state": state,
        "state files": terraform.state_files(),
    }.items():
        assert marker not in text, f"the secret is in the {name}"
    assert marker not in json.dumps(outputs)
    # Nothing in infra/ creates or reads a parameter.
    configuration = "\n".join(path.read_text() for path in terraform.dir.glob("*.tf"))
    assert not re.search(r'(resource|data) "aws_ssm_parameter', configuration)


def test_a_state_from_the_earlier_parameter_loses_the_secret_and_ssm_keeps_it(
    tmp_path: Path, moto_endpoint: str
) -> None:
    terraform = rendered_terraform(tmp_path, moto_endpoint, "upgraded-svc")
    current = (terraform.dir / "webhook.tf").read_text()
    terraform.use_parameter(LEGACY_PARAMETER)
    terraform.apply()
    marker = f"real-secret-{secrets.token_hex(8)}"
    terraform.put_secret(marker)

    # The earlier resource: a refresh reads the real secret into the state.
    terraform.apply("-refresh-only")
    assert marker in terraform.state_files(), "the check no longer sees the old leak"

    # The current files, applied over that state: the parameter stays in SSM, leaves the state.
    (terraform.dir / "webhook.tf").write_text(current)
    terraform.apply()
    for backup in terraform.dir.glob("terraform.tfstate.backup"):
        backup.unlink()  # the previous state, which held the secret by design

    assert terraform.secret() == marker, "the removed block deleted the parameter"
    assert marker not in terraform.state_files()
    state = json.loads((terraform.dir / "terraform.tfstate").read_text())
    assert [r for r in state["resources"] if r["type"] == "aws_ssm_parameter"] == []
