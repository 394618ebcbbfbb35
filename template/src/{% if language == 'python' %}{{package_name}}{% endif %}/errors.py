"""Failure kinds that decide what happens to a message."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class PermanentError(Exception):
    """Retrying cannot help: the message goes to the dead-letter queue now, with this reason.

    Raise it for malformed input or an answer that will never change (a 4xx
    from a partner, a rejected e-mail address). Any other exception counts as
    transient: the record is reported failed and retried with backoff; on its
    last attempt (``MAX_RECEIVE_COUNT``) it goes to the dead-letter queue with
    the last error as its reason.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLaterError(Exception):
    """Transient, and the partner said when to come back (``Retry-After`` on a 429 or 503).

    The retry waits at least ``retry_after_seconds`` (None: no hint), or the
    computed backoff if that is longer. The message is the reason the record
    gets if this was its last attempt: name the partner and the status, never
    payload values.
    """

    def __init__(self, message: str, *, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> int | None:
    """Seconds a ``Retry-After`` header asks to wait: delta-seconds or an HTTP date (RFC 9110).

    None when the header is absent or malformed; a date in the past means 0.

    >>> parse_retry_after("120")
    120
    >>> then = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=then)
    30
    """
    text = (value or "").strip()
    if text.isascii() and text.isdigit():
        return int(text)
    # An HTTP date names its zone (GMT); a bare date would be read as local time.
    if not text.endswith((" GMT", " UTC")):
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    return max(0, math.ceil(seconds))
