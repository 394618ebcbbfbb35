"""Configuration read from the environment that the infrastructure sets.

Everything is read once, at cold start: a missing variable fails the first
invocation with a message naming it, instead of failing record by record.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


class ConfigurationError(RuntimeError):
    """A required environment variable is missing or malformed."""


def required_env(name: str) -> str:
    """Return the value of ``name`` or raise a ConfigurationError naming it."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(
            f"Environment variable {name} is required but not set. The infrastructure sets it "
            "on the function; set it yourself when running the code anywhere else."
        )
    return value


def int_env(name: str, default: int, *, minimum: int, maximum: int) -> int:
    """Return ``name`` as an integer within [minimum, maximum], or ``default`` when unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    return _bounded_int(name, raw, minimum=minimum, maximum=maximum)


def required_int_env(name: str, *, minimum: int, maximum: int) -> int:
    """Return ``name`` as an integer within [minimum, maximum], or raise naming it."""
    return _bounded_int(name, required_env(name), minimum=minimum, maximum=maximum)


def _bounded_int(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(
            f"Environment variable {name} must be an integer; got {raw!r}."
        ) from None
    if not minimum <= value <= maximum:
        raise ConfigurationError(
            f"Environment variable {name} must be between {minimum} and {maximum}; got {value}."
        )
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Settings every invocation needs, whatever the job types."""

    queue_url: str
    dead_letter_queue_url: str
    idempotency_table: str
    retry_backoff_base_seconds: int
    retry_backoff_max_seconds: int
    max_receive_count: int
    record_concurrency: int

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            queue_url=required_env("QUEUE_URL"),
            dead_letter_queue_url=required_env("DLQ_URL"),
            idempotency_table=required_env("IDEMPOTENCY_TABLE"),
            # The retry schedule and the redrive limit are the infrastructure's answers:
            # no default here could agree with them.
            retry_backoff_base_seconds=required_int_env(
                "RETRY_BACKOFF_BASE_SECONDS", minimum=0, maximum=43_200
            ),
            # SQS caps a visibility timeout at 12 hours.
            retry_backoff_max_seconds=required_int_env(
                "RETRY_BACKOFF_MAX_SECONDS", minimum=0, maximum=43_200
            ),
            # The queue's maxReceiveCount: the attempt at which the consumer dead-letters a
            # record itself, with its last error, before SQS would move it without a reason.
            max_receive_count=required_int_env("MAX_RECEIVE_COUNT", minimum=1, maximum=1000),
            # Records of a batch (FIFO: message groups) run at once, on threads.
            record_concurrency=int_env("RECORD_CONCURRENCY", 10, minimum=1, maximum=100),
        )
