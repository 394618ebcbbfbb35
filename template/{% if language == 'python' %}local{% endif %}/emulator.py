"""Lambda's SQS event source mapping, played on this machine against any SQS endpoint.

What it does, as the mapping does with ``ReportBatchItemFailures``:

- long-polls the queue and gathers up to the batch size within the batching window
  (FIFO: up to 10 messages, no window);
- builds the SQS event from the received messages (``local.records``) and calls the
  handler in this process, with a context whose remaining time follows the timeout;
- deletes the records the handler did not report failed and leaves the failed ones
  (the handler has already set their visibility for the retry backoff);
- counts the whole batch as failed, deleting nothing, when the handler raises, runs
  past the timeout, or reports an ``itemIdentifier`` that is not a messageId of the
  batch. The messages then come back when their visibility timeout ends.

One invocation runs at a time, so the records of a FIFO message group are never
processed out of order (moto, like SQS, hands out a group's messages in order and
holds the group back while some of them are in flight).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import config
from .records import queue_arn, to_record

if TYPE_CHECKING:
    from botocore.hooks import BaseEventHooks
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import DeleteMessageBatchRequestEntryTypeDef, MessageTypeDef

Handler = Callable[[dict[str, Any], Any], Any]

logger = logging.getLogger(__name__)
# ReceiveMessage and DeleteMessageBatch take at most 10 messages.
SQS_BATCH_LIMIT = 10
MAX_WAIT_SECONDS = 20


class LocalLambdaContext:
    """The Lambda context the handler and Powertools read, with a running deadline."""

    function_version = "$LATEST"

    def __init__(
        self,
        timeout_seconds: float = config.LAMBDA_TIMEOUT_SECONDS,
        *,
        function_name: str = config.SERVICE_NAME,
        region: str = config.REGION,
        memory_limit_in_mb: int = config.LAMBDA_MEMORY_MB,
    ) -> None:
        self.function_name = function_name
        self.memory_limit_in_mb = memory_limit_in_mb
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:{config.ACCOUNT_ID}:function:{function_name}"
        )
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"local/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True, slots=True)
class Invocation:
    """The outcome of one handler call."""

    message_ids: list[str]
    deleted: list[str]
    failed: list[str]
    # Set when the whole batch failed: why.
    error: str | None = None


@dataclass(slots=True)
class Stats:
    received: int = 0
    succeeded: int = 0
    failed: int = 0
    # Messages the consumer forwarded to the DLQ itself (permanent failures).
    forwarded_to_dlq: int = 0
    invocations: int = 0
    batch_errors: int = 0

    def add(self, invocation: Invocation) -> None:
        self.invocations += 1
        self.received += len(invocation.message_ids)
        self.succeeded += len(invocation.deleted)
        self.failed += len(invocation.failed)
        if invocation.error is not None:
            self.batch_errors += 1


def failed_message_ids(response: Any, batch_ids: Sequence[str]) -> set[str] | None:
    """The messageIds the response reports failed, or None if it fails the whole batch.

    As Lambda reads it: no response, no ``batchItemFailures`` or an empty list is
    success; an identifier that is missing, empty or not a messageId of the batch,
    or a response that is not JSON, fails the whole batch.
    """
    try:
        json.dumps(response)
    except (TypeError, ValueError):
        return None
    if response is None:
        return set()
    if not isinstance(response, Mapping):
        return None
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in batch_ids:
            return None
        failed.add(identifier)
    return failed


class EventSourceEmulator:
    """Feeds one queue's messages to a handler in batches, as the event source mapping does."""

    def __init__(
        self,
        handler: Handler,
        sqs: SQSClient,
        queue_url: str,
        *,
        batch_size: int = config.BATCH_SIZE,
        batching_window_seconds: float = config.BATCHING_WINDOW_SECONDS,
        fifo: bool = config.FIFO,
        timeout_seconds: float = config.LAMBDA_TIMEOUT_SECONDS,
    ) -> None:
        self.handler = handler
        self.sqs = sqs
        self.queue_url = queue_url
        # FIFO mappings take at most 10 records and have no batching window.
        self.batch_size = min(batch_size, SQS_BATCH_LIMIT) if fifo else batch_size
        self.batching_window_seconds = 0.0 if fifo else float(batching_window_seconds)
        self.timeout_seconds = timeout_seconds
        self.queue_arn = queue_arn(sqs, queue_url)
        self.region = sqs.meta.region_name
        self.stats = Stats()

    def watch_dead_letter_forwards(self, events: BaseEventHooks, dlq_url: str) -> None:
        """Count SendMessage calls to the DLQ: the consumer forwarding permanent failures.

        ``events`` is a session's (``session.events``: every client made from it
        later) or one client's (``client.meta.events``).
        """

        def count(params: Mapping[str, Any], **_: Any) -> None:
            if params.get("QueueUrl") == dlq_url:
                self.stats.forwarded_to_dlq += 1

        events.register("provide-client-params.sqs.SendMessage", count)

    def _receive(self, max_messages: int, wait_seconds: int) -> list[MessageTypeDef]:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(SQS_BATCH_LIMIT, max_messages)),
            WaitTimeSeconds=max(0, min(MAX_WAIT_SECONDS, wait_seconds)),
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def receive_batch(self, wait_seconds: int = MAX_WAIT_SECONDS) -> list[MessageTypeDef]:
        """Long-poll for a first message, then fill the batch until the window closes."""
        messages = self._receive(self.batch_size, wait_seconds)
        if not messages or self.batching_window_seconds <= 0:
            return messages
        window_ends = time.monotonic() + self.batching_window_seconds
        while len(messages) < self.batch_size:
            remaining = window_ends - time.monotonic()
            if remaining <= 0:
                break
            more = self._receive(self.batch_size - len(messages), int(remaining))
            if more:
                messages.extend(more)
            else:
                # A short poll came back empty: let the window run on without spinning.
                time.sleep(min(0.05, max(remaining, 0)))
        return messages

    def invoke(self, messages: Sequence[MessageTypeDef]) -> Invocation:
        """Call the handler with one event and settle the batch as Lambda would."""
        records = [to_record(message, self.queue_arn, self.region) for message in messages]
        ids = [record["messageId"] for record in records]
        context = LocalLambdaContext(self.timeout_seconds)
        started = time.monotonic()
        try:
            response = self.handler({"Records": records}, context)
        except Exception as error:
            logger.exception("The handler raised: the whole batch fails and nothing is deleted")
            return self._settled(Invocation(ids, [], ids, f"handler raised {error!r}"))
        elapsed = time.monotonic() - started
        if elapsed > self.timeout_seconds:
            reason = f"timed out after {elapsed:.1f} s (timeout {self.timeout_seconds} s)"
            logger.error("The handler %s: the whole batch fails", reason)
            return self._settled(Invocation(ids, [], ids, reason))
        failed = failed_message_ids(response, ids)
        if failed is None:
            reason = f"invalid response {response!r:.200}"
            logger.error("The handler returned an %s: the whole batch fails", reason)
            return self._settled(Invocation(ids, [], ids, reason))
        succeeded = [record for record in records if record["messageId"] not in failed]
        self._delete(succeeded)
        return self._settled(
            Invocation(
                ids,
                [record["messageId"] for record in succeeded],
                [message_id for message_id in ids if message_id in failed],
            )
        )

    def _settled(self, invocation: Invocation) -> Invocation:
        self.stats.add(invocation)
        return invocation

    def _delete(self, records: Iterable[Mapping[str, Any]]) -> None:
        entries: list[DeleteMessageBatchRequestEntryTypeDef] = [
            {"Id": str(index), "ReceiptHandle": record["receiptHandle"]}
            for index, record in enumerate(records)
        ]
        for start in range(0, len(entries), SQS_BATCH_LIMIT):
            response = self.sqs.delete_message_batch(
                QueueUrl=self.queue_url, Entries=entries[start : start + SQS_BATCH_LIMIT]
            )
            for failure in response.get("Failed", []):
                logger.warning("Could not delete a processed message: %s", failure)

    def poll_once(self, wait_seconds: int = MAX_WAIT_SECONDS) -> Invocation | None:
        """Receive one batch and invoke the handler with it; None when the queue was empty."""
        messages = self.receive_batch(wait_seconds)
        if not messages:
            return None
        return self.invoke(messages)

    def drain(self, wait_seconds: int = 1, max_invocations: int = 100) -> list[Invocation]:
        """Poll until a receive comes back empty (for scripts and tests)."""
        invocations: list[Invocation] = []
        while len(invocations) < max_invocations:
            invocation = self.poll_once(wait_seconds)
            if invocation is None:
                break
            invocations.append(invocation)
        return invocations

    def run(
        self,
        should_stop: Callable[[], bool],
        *,
        wait_seconds: int = 2,
        on_cycle: Callable[[Invocation | None], None] | None = None,
    ) -> None:
        """Poll until ``should_stop()``; ``on_cycle`` sees each outcome (None: nothing came)."""
        while not should_stop():
            invocation = self.poll_once(wait_seconds)
            if on_cycle is not None:
                on_cycle(invocation)
