"""Run a piece of work at most once per key: Powertools Idempotency over a DynamoDB table with TTL.

Genesys retries a delivery for up to 4 days and EventBridge and SQS are at-least-once, so the alert and
consumer Lambdas key their side effects on the audit id (`detail.eventBody.id`; the alert adds the rule).
The table (hash key `id`, TTL attribute `expiration`) comes from the Terraform modules. Powertools is
imported on first use, not at cold import. When the table cannot be read or written, `StoreUnavailable`
says whether the work already ran, so a caller can choose to fail open (the alert) or be retried (the
consumer).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from genesys_audit.config import env_int, env_str
from genesys_audit.errors import UpstreamFailure

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


class StoreUnavailable(UpstreamFailure):
    """The idempotency table could not be read or written. `ran`: the work ran (its result is `result`)."""

    def __init__(self, message: str, *, ran: bool, result: Any = None) -> None:
        super().__init__(message)
        self.ran = ran
        self.result = result


class Once:
    """Wraps `work(**kwargs) -> JSON-able` so it runs once per audit id; repeats get the stored result.

    Calling returns `(result, duplicate)`. Without a key the work runs (nothing to dedupe on). When the
    work raises, the record is removed and the exception propagates, so the retry runs it again. A repeat
    that arrives while the first is still running raises Powertools' `IdempotencyAlreadyInProgressError`:
    the invocation fails and is retried later, after the first has finished. A table that cannot be used
    raises `StoreUnavailable` (the work's own exception wins if it raised).
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
        self._ran: dict[str, Any] = {}  # nonce -> result, for the call in flight

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
        if self._client is None:  # short timeouts and few retries: an unreachable table must not eat the budget
            from genesys_audit.awsclient import make_client

            self._client = make_client("dynamodb", max_attempts=2, connect_timeout=1, read_timeout=2)
        store = DynamoDBPersistenceLayer(
            table_name=self._settings.table, key_attr="id", expiry_attr="expiration", boto3_client=self._client
        )
        work = self._work

        ran = self._ran

        def run_once(*, audit: dict[str, str], nonce: str, kwargs: dict[str, Any]) -> dict[str, Any]:
            result = work(**kwargs)
            ran[nonce] = result
            return {"nonce": nonce, "result": result}

        wrapped: Callable[..., Any] = idempotent_function(
            run_once,
            data_keyword_argument="audit",
            persistence_store=store,
            config=self._config,
            key_prefix=self._key_prefix,
        )
        return wrapped

    def __call__(self, key: str | None, context: Any = None, **kwargs: Any) -> tuple[Any, bool]:
        if key is None:
            return self._work(**kwargs), False
        from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError

        nonce = uuid.uuid4().hex
        try:
            if self._wrapped is None:
                self._wrapped = self._build()
            if context is not None:
                self._config.register_lambda_context(context)
            stored = self._wrapped(audit={"id": key}, nonce=nonce, kwargs=kwargs)
        except IdempotencyPersistenceLayerError as exc:
            ran = nonce in self._ran
            raise StoreUnavailable(
                f"idempotency table {self._settings.table} unavailable: {exc}", ran=ran, result=self._ran.get(nonce)
            ) from exc
        finally:
            self._ran.pop(nonce, None)
        return stored["result"], stored["nonce"] != nonce
