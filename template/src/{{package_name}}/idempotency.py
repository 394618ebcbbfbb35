"""Run each job at most once per idempotency key, with Powertools' DynamoDB store.

The key is the envelope's ``idempotencyKey`` when the producer set one, else
the SQS message id, so a redelivered message and a re-sent request with the
same key return the stored result instead of running the job again. A key
reused with a different payload is refused (``IdempotencyValidationError``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

# Stored results must outlive the window in which SQS redelivers a message or
# a producer re-sends one; a day covers both with room to spare.
RESULT_TTL_SECONDS = 24 * 60 * 60


def build_runner(table_name: str, key_prefix: str) -> tuple[Callable[..., Any], IdempotencyConfig]:
    """Return ``run(task=..., execute=...)`` and the config to register the Lambda context on.

    ``task`` is ``{"key": ..., "type": ..., "payload": ...}``: ``key`` names
    the record, ``payload`` is hashed to detect a reused key. ``execute`` does
    the work and is not hashed. The fixed ``key_prefix`` keeps stored keys
    valid when Python functions are renamed.
    """
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=RESULT_TTL_SECONDS,
    )
    store = DynamoDBPersistenceLayer(table_name=table_name)

    def run(*, task: dict[str, Any], execute: Callable[[], Any]) -> Any:
        return execute()

    idempotent_run = idempotent_function(
        run,
        data_keyword_argument="task",
        persistence_store=store,
        config=config,
        key_prefix=key_prefix,
    )
    return idempotent_run, config
