"""AWS clients, created on first use, once, and reused by every later invocation.

boto3 is imported here, inside the functions, not at the top of a module:
importing it and creating a client is most of a cold start, and a batch that
never needs a client (or an invocation that fails its configuration check)
should not pay for it. Job modules create their own clients the same way.

Records of a batch run on several threads, so the first batch can ask for a
client from ten threads at once: ``once`` makes the others wait for the one
being built (``functools.cache`` would let each of them build its own).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_sqs import SQSClient


class once[T]:  # noqa: N801 - used as a decorator, like functools.cache
    """Call ``create`` on the first call only, from whichever thread comes first."""

    def __init__(self, create: Callable[[], T]) -> None:
        self._create = create
        self._lock = threading.Lock()
        self._made: list[T] = []
        self.__doc__ = create.__doc__

    def __call__(self) -> T:
        # After the first call, a plain read: no lock on the path every record takes.
        if not self._made:
            with self._lock:
                if not self._made:
                    self._made.append(self._create())
        return self._made[0]

    def cache_clear(self) -> None:
        """Forget the made value, so the next call creates a new one (for tests)."""
        with self._lock:
            self._made.clear()


@once
def retrying() -> Config:
    """Standard retry mode: backs off on throttling and 5xx answers before an error reaches us."""
    from botocore.config import Config

    return Config(retries={"mode": "standard", "max_attempts": 5})


@once
def sqs() -> SQSClient:
    import boto3

    return boto3.client("sqs", config=retrying())
