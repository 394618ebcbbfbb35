"""checkov over every rendered infrastructure: no failed check, and every skip gives its reason.

A check that does not fit is skipped next to the resource with a written reason
(`#checkov:skip=ID:reason` in Terraform, `Metadata: checkov: skip` in CloudFormation);
this test fails on a failed check and on a skip without a reason.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import render, synthesize_cdk, tool

CHECKOV = "checkov==3.3.30"
CASES = [
    pytest.param(iac, queue_type, id=f"{iac}-{queue_type}")
    for iac in ("terraform", "sam", "cdk")
    for queue_type in ("standard", "fifo")
]


def checkov(target: list[str], framework: str, cwd: Path) -> dict[str, Any]:
    # --skip-download: no Prisma Cloud lookups (there is no network for them, nor need).
    command = [
        *(tool("uv"), "tool", "run", "--from", CHECKOV, "checkov"),
        *(*target, "--framework", framework, "--output", "json", "--compact", "--skip-download"),
    ]
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, timeout=900
    )
    # checkov exits 1 when a check fails; anything else means it did not run properly.
    assert result.returncode in (0, 1), f"checkov failed to run:\n{result.stdout}\n{result.stderr}"
    reports = json.loads(result.stdout)
    [report] = reports if isinstance(reports, list) else [reports]
    return report


@pytest.mark.project
@pytest.mark.parametrize(("iac", "queue_type"), CASES)
def test_checkov_passes_with_a_reason_for_every_skip(
    tmp_path: Path, iac: str, queue_type: str
) -> None:
    # An alarm address renders the optional topic too, so checkov sees every resource.
    project = render(
        tmp_path / "svc", iac=iac, queue_type=queue_type, alarm_email="ops@example.com"
    )
    if iac == "terraform":
        report = checkov(["--directory", "infra"], "terraform", project)
    elif iac == "sam":
        report = checkov(["--file", "template.yaml"], "cloudformation", project)
    else:
        template = synthesize_cdk(project, tmp_path)
        report = checkov(["--file", str(template)], "cloudformation", project)

    results = report["results"]
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in results["failed_checks"]
    ]
    unexplained = [
        f"{c['check_id']} {c['resource']}"
        for c in results["skipped_checks"]
        if not (c["check_result"].get("suppress_comment") or "").strip()
    ]
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 0
    assert failed == []
    assert unexplained == []
