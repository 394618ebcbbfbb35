"""The sample event in events/ stays a valid request for every job type of this service."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

SAMPLE_EVENT = Path(__file__).parent.parent / "events" / "sqs-batch.json"


def test_the_sample_event_holds_a_valid_message_for_every_job_type(service: ModuleType) -> None:
    records = json.loads(SAMPLE_EVENT.read_text())["Records"]

    seen = set()
    for record in records:
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()  # noqa: S324
        envelope = service.parse_envelope(record["body"])
        job = service.find_job(envelope.type)
        service.validate_payload(job, envelope.payload)
        seen.add(envelope.type)
    assert seen == set(service.JOBS)
