"""Space out retries: hide a failed message for longer after each failed attempt.

Without this a failed message reappears only when its visibility timeout
(6 x the function timeout) ends, whatever the attempt. With it, attempt n
is retried after ``base x 2^(n-1)`` seconds, capped, so a passing fault is
retried soon and a lasting one does not hammer a struggling dependency.

Equal jitter: the delay is drawn between half that and all of it, so messages
that failed together (a partner's outage) do not all come back together. A
partner's ``Retry-After`` hint (RetryLaterError) wins when it is longer, up to the
same cap: the message retention is checked against the capped delays, so a longer hint
could hide a message until SQS drops it, unrecorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import ChangeMessageVisibilityBatchRequestEntryTypeDef

logger = Logger(child=True)

# ChangeMessageVisibilityBatch takes at most 10 entries.
SQS_BATCH_LIMIT = 10
# SQS refuses a visibility timeout reaching past 12 hours after the receive. The
# function may have run up to 15 minutes (and waited up to 5 in the batching
# window) since then, so the longest delay leaves that much room.
MAX_DELAY_SECONDS = 43_200 - 900 - 300


def retry_delay(
    receive_count: int,
    base_seconds: int,
    max_seconds: int,
    *,
    random: Callable[[], float],
    retry_after_seconds: int | None = None,
) -> int:
    """Seconds to keep a message hidden after its ``receive_count``-th attempt failed.

    ``random`` returns a number in [0, 1): 0 gives the whole exponential delay,
    values near 1 about half of it.

    >>> [retry_delay(n, 10, 900, random=lambda: 0.0) for n in range(1, 9)]
    [10, 20, 40, 80, 160, 320, 640, 900]
    >>> [retry_delay(n, 10, 900, random=lambda: 0.999) for n in range(1, 9)]
    [5, 10, 20, 40, 80, 160, 320, 450]
    >>> [retry_delay(1, 10, 900, random=lambda: 0.0, retry_after_seconds=s) for s in (60, 7200)]
    [60, 900]
    """
    exponent = min(max(receive_count, 1) - 1, 16)
    exponential = min(max_seconds, base_seconds * (1 << exponent))
    jittered = exponential - int(random() * (exponential // 2 + 1))
    hint = min(max_seconds, retry_after_seconds or 0)
    return min(MAX_DELAY_SECONDS, max(jittered, hint))


def delay_retries(
    records: Iterable[Mapping[str, Any]],
    failed_message_ids: set[str],
    *,
    queue_url: str,
    base_seconds: int,
    max_seconds: int,
    client: SQSClient,
    random: Callable[[], float],
    retry_after: Mapping[str, int],
) -> None:
    """Set the visibility of each failed record according to its attempt number.

    ``retry_after`` maps message ids to the seconds their partner asked to wait.

    Best effort: if SQS refuses, the message still reappears when its normal
    visibility timeout ends, so a failure here is logged, never raised.
    """
    entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
        {
            "Id": str(index),
            "ReceiptHandle": record["receiptHandle"],
            "VisibilityTimeout": retry_delay(
                int(record["attributes"]["ApproximateReceiveCount"]),
                base_seconds,
                max_seconds,
                random=random,
                retry_after_seconds=retry_after.get(record["messageId"]),
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
