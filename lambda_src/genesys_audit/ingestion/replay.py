"""Replay refusal: a signed request is accepted once within its window (DynamoDB conditional write + TTL).

The key is the SHA-256 of the signed message (`timestamp + "." + body`, or the body when no timestamp
header is configured), so re-encoding the signature header (hex/base64, extra values) does not make a
replay look new. One item per request, written with PutItem only:

- `claim` before the records are put: refused with Conflict (409) when the request was accepted before
  (`done`, within the window), and with 503 (retry later) while another invocation is processing it
  (`inflight`, within its lease): that one may still fail, and then the retry must go through;
- `settle` after: `done` when every record was accepted; `released` when not, so the sender's retry of
  the same signed request is processed (at-least-once). A claim whose function died stays `inflight`
  only until its lease (the function timeout) ends.

`expires_at` is the DynamoDB TTL attribute; the condition also compares it, because TTL deletion lags.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from genesys_audit.errors import Conflict, UpstreamFailure
from genesys_audit.ingestion.putevents import error_code

STATE_INFLIGHT = "inflight"
STATE_DONE = "done"
STATE_RELEASED = "released"
_CLAIMABLE = (
    "attribute_not_exists(pk) OR expires_at < :now OR #state = :released "
    "OR (#state = :inflight AND lease_until < :now)"
)


def message_key(body: bytes, timestamp: str | None) -> str:
    """SHA-256 hex of the signed message."""
    message = body if timestamp is None else timestamp.encode("utf-8") + b"." + body
    return hashlib.sha256(message).hexdigest()


class ReplayGuard:
    """Claims and settles signed messages in one DynamoDB table (hash key `pk`, TTL attribute `expires_at`)."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        window_seconds: int,
        lease_seconds: int,
        now: Callable[[], float] = time.time,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._client = client
        self._on_error = on_error
        self._table = table_name
        self._window = window_seconds
        self._lease = lease_seconds
        self._now = now

    def _item(self, key: str, state: str) -> dict[str, Any]:
        now = int(self._now())
        return {
            "pk": {"S": key},
            "state": {"S": state},
            "expires_at": {"N": str(now + self._window)},
            "lease_until": {"N": str(now + self._lease)},
        }

    def claim(self, key: str) -> None:
        """Record `key` as in flight; Conflict if it was accepted or is being processed; 503 if the store fails."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(key, STATE_INFLIGHT),
                ConditionExpression=_CLAIMABLE,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":now": {"N": str(int(self._now()))},
                    ":released": {"S": STATE_RELEASED},
                    ":inflight": {"S": STATE_INFLIGHT},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise UpstreamFailure("replay check unavailable; retry later", status_code=503) from exc
            old = (getattr(exc, "response", None) or {}).get("Item") or {}
            if (old.get("state") or {}).get("S") == STATE_INFLIGHT:
                raise UpstreamFailure(
                    "this signed request is being processed by another invocation; retry later", status_code=503
                ) from None
            raise Conflict(
                "this signed request was already received (a replay within the signature window is refused); "
                "each new delivery needs its own timestamp and signature"
            ) from None

    def settle(self, key: str, *, accepted: bool) -> bool:
        """Mark `key` done (refuse replays) or released (let the sender's retry through); False if that failed.

        Never raises: the request's own outcome stands. If the write fails, the claim stays `inflight` and
        ends with its lease, after which the same signed request is processed again (at-least-once).
        """
        try:
            self._client.put_item(
                TableName=self._table, Item=self._item(key, STATE_DONE if accepted else STATE_RELEASED)
            )
        except Exception as exc:  # reported to the caller's hook, never raised
            if self._on_error is not None:
                self._on_error(exc)
            return False
        return True

