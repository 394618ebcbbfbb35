"""Space out retries: hide a failed message for longer after each failed attempt.

Without this a failed message reappears only when its visibility timeout
(6 x the function timeout) ends, whatever the attempt. With it, attempt n
is retried after ``base x 2^(n-1)`` seconds, capped, so a passing fault is
retried soon and a lasting one does not hammer a struggling dependency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import ChangeMessageVisibilityBatchRequestEntryTypeDef

logger = Logger(child=True)

# ChangeMessageVisibilityBatch takes at most 10 entries.
SQS_BATCH_LIMIT = 10


def retry_delay(receive_count: int, base_seconds: int, max_seconds: int) -> int:
    """Seconds to keep a message hidden after its ``receive_count``-th attempt failed.

    >>> [retry_delay(n, 10, 900) for n in range(1, 9)]
    [10, 20, 40, 80, 160, 320, 640, 900]
    """
    exponent = min(max(receive_count, 1) - 1, 16)
    return min(max_seconds, base_seconds * (1 << exponent))


def delay_retries(
    records: Iterable[Mapping[str, Any]],
    failed_message_ids: set[str],
    *,
    queue_url: str,
    base_seconds: int,
    max_seconds: int,
    client: SQSClient,
) -> None:
    """Set the visibility of each failed record according to its attempt number.

    Best effort: if SQS refuses, the message still reappears when its normal
    visibility timeout ends, so a failure here is logged, never raised.
    """
    entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
        {
            "Id": str(index),
            "ReceiptHandle": record["receiptHandle"],
            "VisibilityTimeout": retry_delay(
                int(record["attributes"]["ApproximateReceiveCount"]), base_seconds, max_seconds
            ),
        }
        for index, record in enumerate(records)
        if record["messageId"] in failed_message_ids
    ]
    for start in range(0, len(entries), SQS_BATCH_LIMIT):
        chunk: Sequence[ChangeMessageVisibilityBatchRequestEntryTypeDef] = entries[
            start : start + SQS_BATCH_LIMIT
        ]
        try:
            response = client.change_message_visibility_batch(QueueUrl=queue_url, Entries=chunk)
        except (BotoCoreError, ClientError):
            logger.warning(
                "Could not delay retries; messages reappear after the visibility timeout",
                exc_info=True,
            )
            continue
        for failure in response.get("Failed", []):
            logger.warning("Could not delay a retry", entry=failure["Id"], code=failure["Code"])
