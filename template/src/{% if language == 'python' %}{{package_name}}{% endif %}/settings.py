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
    record_concurrency: int

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            queue_url=required_env("QUEUE_URL"),
            dead_letter_queue_url=required_env("DLQ_URL"),
            idempotency_table=required_env("IDEMPOTENCY_TABLE"),
            retry_backoff_base_seconds=int_env(
                "RETRY_BACKOFF_BASE_SECONDS", 10, minimum=0, maximum=43_200
            ),
            # SQS caps a visibility timeout at 12 hours.
            retry_backoff_max_seconds=int_env(
                "RETRY_BACKOFF_MAX_SECONDS", 900, minimum=0, maximum=43_200
            ),
            # Records of a batch (FIFO: message groups) run at once, on threads.
            record_concurrency=int_env("RECORD_CONCURRENCY", 10, minimum=1, maximum=100),
        )
