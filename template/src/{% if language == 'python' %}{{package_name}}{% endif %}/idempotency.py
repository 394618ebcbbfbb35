"""Run each job at most once per idempotency key, with Powertools' DynamoDB store.

The key is the envelope's ``idempotencyKey`` when the producer set one, else
the SQS message id, so a redelivered message and a re-sent request with the
same key return the stored result instead of running the job again. A record
belongs to a job type and a key together: two job types may use one key (an
order id, say) without sharing a result. A key reused for the same job type
with a different payload is refused as a permanent failure.

Powertools' idempotency imports boto3 and creates a DynamoDB client, which is
most of a cold start; both happen on the first invocation, not at import.

Example::

    run_once = RunOnce("my-idempotency-table", key_prefix="my_service.jobs")
    run_once.prepare(context)  # once per invocation, before any record
    run_once(
        job_type="process_order",
        key="order-o-1",
        payload={"orderId": "o-1"},
        execute=lambda: charge("o-1"),
    )
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import PermanentError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Stored results must outlive the window in which SQS redelivers a message or
# a producer re-sends one; a day covers both with room to spare.
RESULT_TTL_SECONDS = 24 * 60 * 60


class RunOnce:
    """Call ``execute`` once per job type and key; later calls return the stored result.

    ``payload`` is hashed to detect a reused key; ``execute`` does the work and
    is not hashed. The fixed ``key_prefix`` keeps stored keys valid when Python
    functions are renamed.
    """

    def __init__(self, table_name: str, *, key_prefix: str) -> None:
        self.table_name = table_name
        self.key_prefix = key_prefix
        self._config: IdempotencyConfig | None = None
        self._run: Callable[..., Any] | None = None

    def prepare(self, context: LambdaContext) -> None:
        """Load the store on the first invocation; register each invocation's deadline.

        Called once per invocation before records run (possibly on several
        threads), so the store is built exactly once.
        """
        if self._config is None:
            self._config, self._run = self._load()
        # An in-progress record expires with the invocation, so a crashed one is retried.
        self._config.register_lambda_context(context)

    def _load(self) -> tuple[IdempotencyConfig, Callable[..., Any]]:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        config = IdempotencyConfig(
            # Powertools hashes what this selects into the record's id.
            event_key_jmespath="[type, key]",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=RESULT_TTL_SECONDS,
        )

        def run(*, task: dict[str, Any], execute: Callable[[], Any]) -> Any:
            return execute()

        store = DynamoDBPersistenceLayer(table_name=self.table_name)
        # Configured here, before any record thread: Powertools marks a store configured
        # before it compiles the key expression, so records racing through their first
        # call could find no expression and fail for now.
        store.configure(config, key_prefix=self.key_prefix)
        idempotent_run = idempotent_function(
            run,
            data_keyword_argument="task",
            persistence_store=store,
            config=config,
            key_prefix=self.key_prefix,
        )
        return config, idempotent_run

    def __call__(self, *, job_type: str, key: str, payload: Any, execute: Callable[[], Any]) -> Any:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyValidationError,
        )

        if self._run is None:
            raise RuntimeError("RunOnce.prepare(context) must be called before the first record")
        try:
            task = {"type": job_type, "key": key, "payload": payload}
            return self._run(task=task, execute=execute)
        except IdempotencyValidationError:
            raise PermanentError("idempotency key already used for a different payload") from None
