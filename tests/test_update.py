"""`copier update` brings template changes into a rendered service without losing the user's work.

The tests build their own template history: a clone of this repository tagged
v1.0.0, then a template change tagged v1.1.0, as a release would be.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT
from copier import run_copy, run_update

CONFLICT_MARKERS = ("<<<<<<<", ">>>>>>>")


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@dataclass(frozen=True)
class TemplateHistory:
    path: Path
    old: str = "v1.0.0"
    new: str = "v1.1.0"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> TemplateHistory:
    """This template at v1.0.0, and v1.1.0 with a fix in files users also edit."""
    path = tmp_path_factory.mktemp("template") / "repo"
    subprocess.run(["git", "clone", "--quiet", "--no-tags", str(ROOT), str(path)], check=True)
    git(path, "tag", "v1.0.0")
    readme = path / "template" / "{% if language == 'python' %}README.md{% endif %}.jinja"
    readme.write_text(readme.read_text() + "\n## Support\n\nAsk the platform team.\n")
    variables = (
        path / "template" / "{% if iac == 'terraform' %}infra{% endif %}" / "variables.tf.jinja"
    )
    variables.write_text(
        variables.read_text().replace(
            'description = "Name of the queue, the function',
            'description = "Name of the queues, the function',
            1,
        )
    )
    git(path, "commit", "--quiet", "--all", "--message", "Add a support section")
    git(path, "tag", "v1.1.0")
    return TemplateHistory(path)


def render_committed(template: TemplateHistory, destination: Path, **answers: object) -> Path:
    run_copy(
        str(template.path),
        str(destination),
        data=answers,
        defaults=True,
        vcs_ref=template.old,
        quiet=True,
    )
    git(destination, "init", "--quiet")
    git(destination, "add", "--all")
    git(destination, "commit", "--quiet", "--message", "Render the service")
    return destination


def commit_all(project: Path, message: str) -> None:
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", message)


def update(project: Path, vcs_ref: str, **answers: object) -> None:
    run_update(
        str(project),
        data=answers,
        defaults=True,
        overwrite=True,
        vcs_ref=vcs_ref,
        conflict="inline",
        quiet=True,
    )


def assert_no_conflicts(project: Path) -> None:
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            text = path.read_text(errors="replace")
            assert not any(marker in text for marker in CONFLICT_MARKERS), path


def test_the_template_has_a_newer_version_to_update_to(template: TemplateHistory) -> None:
    assert git(template.path, "tag", "--list").split() == [template.old, template.new]


def test_user_edits_survive_an_update(template: TemplateHistory, tmp_path: Path) -> None:
    project = render_committed(template, tmp_path / "svc")
    job = project / "src" / "my_queue_service" / "jobs" / "send_email.py"
    job.write_text(job.read_text() + "\n\nCUSTOM_FOOTER = '<p>Sent by us</p>'\n")
    readme = project / "README.md"
    readme.write_text(
        readme.read_text().replace("## Commands", "## Owners\n\nTeam A.\n\n## Commands")
    )
    variables = project / "infra" / "variables.tf"
    assert "default     = 256" in variables.read_text()
    variables.write_text(variables.read_text().replace("default     = 256", "default     = 512"))
    commit_all(project, "Our changes")

    update(project, template.new)

    assert "CUSTOM_FOOTER = '<p>Sent by us</p>'" in job.read_text()
    assert "## Owners\n\nTeam A." in readme.read_text()
    assert "## Support" in readme.read_text()
    assert "default     = 512" in variables.read_text()
    assert 'description = "Name of the queues, the function' in variables.read_text()
    assert "_commit: v1.1.0" in (project / ".copier-answers.yml").read_text()
    assert_no_conflicts(project)


def test_changing_answers_on_update_adds_and_removes_files(
    template: TemplateHistory, tmp_path: Path
) -> None:
    project = render_committed(template, tmp_path / "svc", job_types=["send_email"])
    package = project / "src" / "my_queue_service"
    readme = project / "README.md"
    readme.write_text(
        readme.read_text().replace(
            "## Layout", "## Runbook\n\nOur runbook lives in the wiki.\n\n## Layout"
        )
    )
    commit_all(project, "Our notes")

    update(project, template.new, job_types=["send_email", "webhook"], queue_type="fifo")
    commit_all(project, "Add webhooks, switch to FIFO")

    assert (package / "jobs" / "webhook.py").is_file()
    assert (project / "tests" / "test_webhook.py").is_file()
    assert (project / "infra" / "webhook.tf").is_file()
    assert "MessageGroupId" in (package / "processor.py").read_text()
    assert "fifo_queue" in (project / "infra" / "sqs.tf").read_text()

    update(project, template.new, job_types=["webhook"])

    assert not (package / "jobs" / "send_email.py").exists()
    assert not (project / "infra" / "send_email.tf").exists()
    assert not (project / "tests" / "test_send_email.py").exists()
    assert "send_email" not in (package / "jobs" / "__init__.py").read_text()
    assert "Our runbook lives in the wiki." in readme.read_text()
    assert_no_conflicts(project)


def test_an_update_without_template_changes_changes_nothing(
    template: TemplateHistory, tmp_path: Path
) -> None:
    project = render_committed(template, tmp_path / "svc")

    update(project, template.old)

    assert git(project, "status", "--porcelain") == ""
