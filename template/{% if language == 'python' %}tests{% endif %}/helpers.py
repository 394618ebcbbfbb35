"""Helpers shared by the job tests: what reached the dead-letter queue, what the jobs returned."""

from __future__ import annotations

import json
from typing import Any

import boto3

from conftest import IDEMPOTENCY_TABLE, REGION, Queues


def job(job_type: str, payload: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    """A message body as producers send it: the envelope around ``payload``."""
    return {"type": job_type, "payload": payload, **envelope}


def dead_letter_reasons(queues: Queues) -> dict[str, str]:
    """FailureReason of every message in the dead-letter queue, by the original message id.

    Receiving hides the messages, so call it once per test.
    """
    reasons: dict[str, str] = {}
    for message in queues.dead_letters():
        attributes = message["MessageAttributes"]
        original_id = attributes["OriginalMessageId"]["StringValue"]
        reasons[original_id] = attributes["FailureReason"]["StringValue"]
    return reasons


def stored_results() -> list[Any]:
    """The results the idempotency store recorded for completed jobs."""
    table = boto3.client("dynamodb", region_name=REGION)
    items = table.scan(TableName=IDEMPOTENCY_TABLE)["Items"]
    return [json.loads(item["data"]["S"]) for item in items if item["status"]["S"] == "COMPLETED"]
