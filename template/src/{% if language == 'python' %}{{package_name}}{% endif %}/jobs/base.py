"""What every job type provides: a payload model and a function that runs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class JobContext:
    """Facts about the message being processed that a job may need."""

    message_id: str
    idempotency_key: str
    correlation_id: str
    # What is left of the invocation, in milliseconds: for a job to bound its own calls.
    remaining_time_ms: Callable[[], int]


@dataclass(frozen=True, slots=True)
class Job[PayloadT: BaseModel]:
    """A job type: ``run`` receives a payload already validated against ``payload_model``.

    ``run`` returns a JSON-serialisable result (stored for idempotent replays),
    raises ``PermanentError`` when retrying cannot help, and raises anything
    else for failures worth retrying.
    """

    name: str
    payload_model: type[PayloadT]
    run: Callable[[PayloadT, JobContext], Any]
