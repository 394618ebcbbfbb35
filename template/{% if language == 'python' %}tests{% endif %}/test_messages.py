"""messages.jsonl, the sample the README sends with `make send FILE=messages.jsonl`, stays valid.

The file is read by `make send`'s own parser (local.cli.read_messages), sent with the
service's producer and received from the queue; every body must then pass the checks the
handler makes before a job runs: the envelope, a known job type and its payload model.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conftest import PACKAGE, Queues
from local import cli

if TYPE_CHECKING:
    from types import ModuleType

MESSAGES_FILE = Path(__file__).resolve().parent.parent / "messages.jsonl"


@pytest.mark.scenario("sample_messages_sendable")
def test_make_send_sends_one_valid_message_per_job_type(aws: Queues, service: ModuleType) -> None:
    messages = cli.read_messages(MESSAGES_FILE)
    # The cold-started producer with the mocked account's client: local.cli's was imported
    # before this test's moto account existed (the same code, sent the same way).
    producer = importlib.import_module(f"{PACKAGE}.producer")
    producer.Producer(aws.url, aws.sqs).send_batch(messages).raise_for_failures()

    received: list[str] = []
    # Receive until empty, deleting as we go: a FIFO queue hands out no more of a message
    # group while some of it is in flight.
    while records := aws.receive_event()["Records"]:
        for record in records:
            envelope = service.parse_envelope(record["body"])
            service.validate_payload(service.find_job(envelope.type), envelope.payload)
            received.append(envelope.type)
        aws.delete_succeeded({"Records": records}, failed=[])

    assert sorted(received) == sorted(service.JOBS)
