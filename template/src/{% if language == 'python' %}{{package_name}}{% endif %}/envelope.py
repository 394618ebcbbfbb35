"""The message contract: every message body is one JSON envelope.

The minimal body is ``{"type": "send_email", "payload": {...}}``; producers
of this package also fill in the optional fields::

    {
      "type": "process_order",
      "payload": {"orderId": "o-1", ...},
      "version": 1,
      "idempotencyKey": "order-o-1",
      "correlationId": "3f2b...",
      "createdAt": "2026-11-26T12:00:00Z"
    }
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Envelope(BaseModel):
    """A job request as it travels through the queue."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, serialize_by_alias=True, frozen=True
    )

    type: str = Field(min_length=1, max_length=64)
    payload: dict[str, Any]
    # Bump when the envelope changes incompatibly; consumers refuse versions they do not know.
    version: Literal[1] = 1
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=256)
    correlation_id: str | None = Field(default=None, min_length=1, max_length=256)
    created_at: datetime | None = None
