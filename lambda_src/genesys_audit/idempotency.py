"""Run a piece of work at most once per audit id: Powertools Idempotency over a DynamoDB table with TTL.

Genesys retries a delivery for up to 4 days and EventBridge and SQS are at-least-once, so the alert and
consumer Lambdas key their side effects on `detail.eventBody.id`. The table (hash key `id`, TTL attribute
`expiration`) comes from the Terraform modules. Powertools is imported on first use, not at cold import.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from genesys_audit.config import env_int, env_str

DEFAULT_EXPIRES_AFTER_SECONDS = 5 * 24 * 3600  # Genesys retries for up to 4 days


@dataclass(frozen=True)
class IdempotencySettings:
    """Where idempotency records live and how long an audit id is remembered."""

    table: str
    expires_after_seconds: int = DEFAULT_EXPIRES_AFTER_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IdempotencySettings:
        """`IDEMPOTENCY_TABLE` (required) and `IDEMPOTENCY_EXPIRES_AFTER_SECONDS`."""
        return cls(
            table=env_str("IDEMPOTENCY_TABLE", env=env),
            expires_after_seconds=env_int(
                "IDEMPOTENCY_EXPIRES_AFTER_SECONDS", DEFAULT_EXPIRES_AFTER_SECONDS, minimum=60, env=env
            ),
        )


class Once:
    """Wraps `work(**kwargs) -> JSON-able` so it runs once per audit id; repeats get the stored result.

    Calling returns `(result, duplicate)`. Without an audit id the work runs (nothing to dedupe on). When the
    work raises, the record is removed and the exception propagates, so the retry runs it again. A repeat
    that arrives while the first is still running raises Powertools' `IdempotencyAlreadyInProgressError`:
    the invocation fails and is retried later, after the first has finished.
    """

    def __init__(
        self, work: Callable[..., Any], settings: IdempotencySettings, *, key_prefix: str, client: Any = None
    ) -> None:
        self._work = work
        self._settings = settings
        self._key_prefix = key_prefix
        self._client = client
        self._config: Any = None
        self._wrapped: Callable[..., Any] | None = None

    def _build(self) -> Callable[..., Any]:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self._config = IdempotencyConfig(
            event_key_jmespath="id",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=self._settings.expires_after_seconds,
        )
        store = DynamoDBPersistenceLayer(
            table_name=self._settings.table, key_attr="id", expiry_attr="expiration", boto3_client=self._client
        )
        work = self._work

        def run_once(*, audit: dict[str, str], nonce: str, kwargs: dict[str, Any]) -> dict[str, Any]:
            return {"nonce": nonce, "result": work(**kwargs)}

        wrapped: Callable[..., Any] = idempotent_function(
            run_once,
            data_keyword_argument="audit",
            persistence_store=store,
            config=self._config,
            key_prefix=self._key_prefix,
        )
        return wrapped

    def __call__(self, audit_id: str | None, context: Any = None, **kwargs: Any) -> tuple[Any, bool]:
        if audit_id is None:
            return self._work(**kwargs), False
        if self._wrapped is None:
            self._wrapped = self._build()
        if context is not None:
            self._config.register_lambda_context(context)
        nonce = uuid.uuid4().hex
        stored = self._wrapped(audit={"id": audit_id}, nonce=nonce, kwargs=kwargs)
        return stored["result"], stored["nonce"] != nonce
