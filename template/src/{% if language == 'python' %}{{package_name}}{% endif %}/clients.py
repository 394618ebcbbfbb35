"""AWS clients, created on first use and reused by every later invocation.

boto3 is imported here, inside the functions, not at the top of a module:
importing it and creating a client is most of a cold start, and a batch that
never needs a client (or an invocation that fails its configuration check)
should not pay for it. Job modules create their own clients the same way.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_sqs import SQSClient


@cache
def retrying() -> Config:
    """Standard retry mode: backs off on throttling and 5xx answers before an error reaches us."""
    from botocore.config import Config

    return Config(retries={"mode": "standard", "max_attempts": 5})


@cache
def sqs() -> SQSClient:
    import boto3

    return boto3.client("sqs", config=retrying())
