"""AWS clients, created on first use and reused by every later invocation.

Creating a client costs milliseconds; creating it lazily keeps it off the
cold start of invocations that never need it.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

# Standard retry mode backs off on throttling and 5xx answers before an error reaches us.
RETRYING = Config(retries={"mode": "standard", "max_attempts": 5})


@cache
def sqs() -> SQSClient:
    return boto3.client("sqs", config=RETRYING)
