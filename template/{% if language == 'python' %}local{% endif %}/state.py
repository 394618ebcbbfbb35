"""Where the local stack is: the state file `make local` writes and the other targets read.

`.local/env` holds one ``NAME=value`` line per setting (shell syntax, so that
``set -a; . .local/env; set +a`` also works). It exists while `make local` runs.
Without it, the tools use the environment as it is, i.e. real AWS with your
credentials and the QUEUE_URL / DLQ_URL you export.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = PROJECT_ROOT / ".local"
STATE_FILE = STATE_DIR / "env"
SERVER_LOG = STATE_DIR / "moto.log"
# Settings for the tooling itself; everything else in the state file is the function's environment.
META_PREFIX = "LOCAL_"


def write_state(values: Mapping[str, str], path: Path = STATE_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{name}={shlex.quote(value)}" for name, value in values.items()]
    temporary = path.with_suffix(".tmp")
    temporary.write_text("\n".join(lines) + "\n")
    temporary.replace(path)


def read_state(path: Path = STATE_FILE) -> dict[str, str] | None:
    """The settings `make local` wrote, or None when no local stack is running."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, raw = line.partition("=")
            [value] = shlex.split(raw) or [""]
            values[name.strip()] = value
    return values


def remove_state(path: Path = STATE_FILE) -> None:
    path.unlink(missing_ok=True)


def function_environment(values: Mapping[str, str]) -> dict[str, str]:
    """The part of the state that is the consumer's (and boto3's) environment."""
    return {name: value for name, value in values.items() if not name.startswith(META_PREFIX)}


@dataclass(frozen=True, slots=True)
class Target:
    """The queue pair the tools work on, and whether it is the local stack."""

    queue_url: str
    dlq_url: str
    endpoint_url: str | None
    local: bool


def activate(path: Path = STATE_FILE) -> Target:
    """Point this process at the running local stack, or else at what the environment names.

    With a local stack, its settings replace the environment's (dummy credentials
    and the moto endpoint, so that nothing reaches a real account by mistake).
    """
    state = read_state(path)
    if state is not None:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
        os.environ.update(function_environment(state))
    queue_url = os.environ.get("QUEUE_URL", "").strip()
    dlq_url = os.environ.get("DLQ_URL", "").strip()
    if not queue_url or not dlq_url:
        raise SystemExit(
            "No queue to work on: start the local stack with `make local` (in another terminal), "
            "or export QUEUE_URL and DLQ_URL (and AWS credentials) to use the deployed queues."
        )
    return Target(
        queue_url=queue_url,
        dlq_url=dlq_url,
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        local=state is not None,
    )
