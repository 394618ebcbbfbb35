"""The README's own commands, run literally as a new user would, give a service that can update.

A fresh clone (no tags: only the commits of main are published), a fresh home directory, the
README's render command word for word, then the rendered README's git set-up and its
`copier check-update` / `copier update` commands, before and after the template moves on, and
again once the template publishes a release tag.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

IDENTITY = {
    "GIT_AUTHOR_NAME": "New User",
    "GIT_AUTHOR_EMAIL": "new.user@example.com",
    "GIT_COMMITTER_NAME": "New User",
    "GIT_COMMITTER_EMAIL": "new.user@example.com",
}


def bash_blocks(markdown: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", markdown, flags=re.DOTALL)


def command_line(markdown: str, needle: str) -> str:
    """The one line of the markdown's bash blocks that contains ``needle``."""
    lines = [
        line
        for block in bash_blocks(markdown)
        for line in block.splitlines()
        if needle in line and not line.lstrip().startswith("#")
    ]
    assert len(lines) == 1, f"expected one command with {needle!r} in the README, got {lines}"
    return lines[0]


def test_command_line_finds_exactly_one_command() -> None:
    text = "```bash\nfoo --x  # a\n# foo in a comment\n```\n```bash\nbar\n```\n"
    assert command_line(text, "foo") == "foo --x  # a"
    with pytest.raises(AssertionError):
        command_line(text, "baz")


class User:
    """A shell in a fresh home directory, with git's identity but nothing else configured."""

    def __init__(self, home: Path) -> None:
        home.mkdir()
        pip_cache = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL")},
            **IDENTITY,
            "HOME": str(home),
            # Only to keep the test off the network where it can: same packages, same pins.
            "PIP_CACHE_DIR": pip_cache,
        }
        self.copier = home / ".copier" / "bin" / "copier"

    def run(self, command: str, cwd: Path) -> str:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"`{command}` failed in {cwd}:\n{output}"
        assert "Traceback" not in output, f"`{command}` printed a traceback:\n{output}"
        return output

    def copier_says(self, service: Path, readme_command: str) -> str:
        """Run a `copier ...` line of the rendered README with the copier the README installed."""
        return self.run(re.sub(r"^copier ", f"{self.copier} ", readme_command), service)


def change_template(upstream: Path, user: User, line: str) -> None:
    """A commit on the published template (which the user's clone has not pulled yet)."""
    readme = upstream / "includes" / "readme-updating.md"
    readme.write_text(readme.read_text() + f"\n{line}\n")
    user.run(f"git commit -qam {line!r}", upstream)


def assert_merged(service: Path, user: User) -> None:
    unmerged = user.run("git diff --name-only --diff-filter=U", service)
    markers = user.run("git grep -n -e '^<<<<<<< ' -e '^>>>>>>> ' -- . || true", service)
    assert not unmerged.strip() and not markers.strip(), f"the update conflicted:\n{markers}"


@pytest.mark.project
def test_readme_render_gives_a_service_that_copier_update_follows(tmp_path: Path) -> None:
    user = User(tmp_path / "home")
    # The published template (only main's commits, no tags), and the user's clone of it.
    upstream = tmp_path / "published"
    user.run(f"git clone --quiet --no-tags {ROOT} {upstream}", tmp_path)
    clone = tmp_path / "copier-sqs-lambda"
    user.run(f"git clone --quiet {upstream} {clone}", tmp_path)

    user.run(command_line((clone / "README.md").read_text(), "copier copy"), clone)
    service = tmp_path / "my-service"
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(clone), "the answers file must point back at the template"

    rendered_readme = (service / "README.md").read_text()
    user.run(command_line(rendered_readme, "git init"), service)
    pull = command_line(rendered_readme, "pull --ff-only")
    check_update = command_line(rendered_readme, "copier check-update")
    update = command_line(rendered_readme, "copier update --defaults")
    before_update = command_line(rendered_readme, "Before template update")

    user.run(pull, service)
    assert "up-to-date" in user.copier_says(service, check_update)

    # The template moves on. Meanwhile the user edited the README's title, and `make install`
    # left a file of its own (uv.lock) untracked.
    change_template(upstream, user, "Template fix one.")
    title = rendered_readme.splitlines()[0]
    edited = rendered_readme.replace(title, f"{title}\n\nOn call: team A.", 1)
    (service / "README.md").write_text(edited)
    (service / "uv.lock").write_text("version = 1\n")
    assert "up-to-date" in user.copier_says(service, check_update), "nothing pulled yet"
    user.run(pull, service)
    assert "New template version available" in user.copier_says(service, check_update)
    user.run(before_update, service)
    output = user.copier_says(service, update)
    assert "Downgrades are not supported" not in output
    assert_merged(service, user)
    updated = (service / "README.md").read_text()
    assert "Template fix one." in updated
    assert "On call: team A." in updated, "the user's edit must survive the update"
    user.run("git add -A && git commit -qm 'Update from the template'", service)

    # Up to date now, and a second plain update is no downgrade.
    assert "up-to-date" in user.copier_says(service, check_update)
    assert "Downgrades are not supported" not in user.copier_says(service, update)
    assert user.run("git status --porcelain", service) == ""

    # The template is published with a release tag: the same commands take the release.
    change_template(upstream, user, "Template fix two.")
    user.run("git tag v1.0.0", upstream)
    user.run(pull + " --tags", service)
    assert "latest version is 1.0.0" in user.copier_says(service, check_update)
    output = user.copier_says(service, update)
    assert "Downgrades are not supported" not in output
    assert_merged(service, user)
    assert "Template fix two." in (service / "README.md").read_text()
    answers = yaml.safe_load((service / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.0.0"
