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

from pydantic import BaseModel, ConfigDict, Field, ValidationError
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


def field_name(part: str | int) -> str:
    """A location part as it may appear in a reason: names come from the sender's JSON.

    An unknown field's name is input too: quoted (escaping control characters, which SQS
    refuses in an attribute) and shortened unless it is a plain identifier.
    """
    if isinstance(part, int) or (part.isidentifier() and part.isascii() and len(part) <= 64):
        return str(part)
    return repr(part[:64])


def describe_validation_error(error: ValidationError) -> str:
    """Summarise a validation error by field and rule, without echoing the input."""
    problems = [
        f"{'.'.join(field_name(part) for part in problem['loc']) or 'body'}: {problem['msg']}"
        for problem in error.errors(include_url=False, include_input=False)
    ]
    return "; ".join(problems)
