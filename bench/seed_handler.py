"""The seed design, as a baseline: what a first SQS consumer usually looks like.

boto3 and its client are created at import, records run one after another, and
nothing is lazy. The benchmarks compare the rendered handler against it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3

sqs = boto3.client("sqs")


def handle(event: dict[str, Any], run: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """Run each record's job in turn; report the failed ones."""
    failures = []
    for record in event["Records"]:
        try:
            run(json.loads(record["body"]))
        except Exception:  # noqa: BLE001 - the seed reports every failure the same way
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def send_sequentially(client: Any, queue_url: str, bodies: list[str]) -> int:
    """The seed producer: one SendMessageBatch of 10 after another."""
    sent = 0
    for start in range(0, len(bodies), 10):
        entries = [
            {"Id": str(index), "MessageBody": body}
            for index, body in enumerate(bodies[start : start + 10])
        ]
        response = client.send_message_batch(QueueUrl=queue_url, Entries=entries)
        sent += len(response.get("Successful", []))
    return sent
