"""Failure kinds that decide what happens to a message."""


class PermanentError(Exception):
    """Retrying cannot help: the message goes to the dead-letter queue now, with this reason.

    Raise it for malformed input or an answer that will never change (a 4xx
    from a partner, a rejected e-mail address). Any other exception counts as
    transient: the record is reported failed and retried with backoff until
    SQS moves it to the dead-letter queue after ``maxReceiveCount`` attempts.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
