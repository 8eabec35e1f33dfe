"""Exact counting of matched audit events per rule, fixed window and group, and one alert per window and group.

Table layout (one table, key `pk`, TTL attribute `expires`):
- member  `m#<rule>#<window start>#<group>#<audit id>`: this audit id was counted (never twice);
- counter `c#<rule>#<window start>#<group>`: `n` (the count), and the alert's state: `claimed_by`,
  `claimed_until` (who is sending it, until when) and `alerted` (sent).

Counting is one transaction: the member item is put only if absent and the counter is incremented in the
same write, so a duplicate delivery of an audit id (EventBridge is at least once) or a retry changes
nothing, and concurrent deliveries are serialized by DynamoDB. Firing is separate and idempotent: every
invocation (first delivery, duplicate or retry) reads the counter; at or above the threshold and not yet
`alerted`, it claims the alert conditionally with a token of its own (unclaimed or an expired claim),
sends, and marks it `alerted`. A send that fails releases the claim and raises: EventBridge retries, and
the retry (a duplicate for counting) sends the alert. An invocation that finds the alert claimed by another
one waits briefly for `alerted`, and raises (to be retried) if it is still pending, so the window's alert is
never lost while any of its deliveries is still being retried. Windows are fixed (tumbling) and aligned
to `window_minutes` since the epoch, on the audit record's `eventTime`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from genesys_audit.audit import AuditView
from genesys_audit.errors import BadRequest, UpstreamFailure

GROUP_BY = ("actor", "entity", "source_ip", "user")
MAX_KEY_PART = 200  # longer ids (hostile input) are replaced by their SHA-256: DynamoDB keys stay small
UNKNOWN_GROUP = "unknown"


class ThresholdInputError(BadRequest):
    """The target input has no usable threshold or event; the message says what to send."""


class AlertPending(UpstreamFailure):
    """Another invocation holds the window's alert and has not sent it yet: fail, so EventBridge retries."""


class CountingUnavailable(UpstreamFailure):
    """DynamoDB did not answer: the invocation fails so EventBridge retries it (then dead-letters it)."""


@dataclass(frozen=True)
class Threshold:
    """`count` matched events per `group_by` value within `window_minutes` alert once."""

    count: int
    window_minutes: int
    group_by: str


def parse_threshold(value: Any) -> Threshold:
    """The `threshold` object of the rule's input transformer; raise ThresholdInputError when unusable."""
    if not isinstance(value, dict):
        raise ThresholdInputError(
            "threshold input has no 'threshold' object: the rule's input transformer must send "
            '{"threshold": {"count": N, "window_minutes": M, "group_by": "actor|entity|source_ip|user"}, ...}'
        )
    count, minutes, group_by = value.get("count"), value.get("window_minutes"), value.get("group_by")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ThresholdInputError(f"threshold.count must be a positive integer, got {count!r}")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 1440:
        raise ThresholdInputError(f"threshold.window_minutes must be an integer from 1 to 1440, got {minutes!r}")
    if group_by not in GROUP_BY:
        raise ThresholdInputError(f"threshold.group_by must be one of {', '.join(GROUP_BY)}, got {group_by!r}")
    return Threshold(count=count, window_minutes=minutes, group_by=group_by)


def group_of(view: AuditView, group_by: str) -> str:
    """The group an event counts in: `user:<id>`/`client:<id>` (actor), the entity id, the first remote IP,
    or the user an authentication record is about (its entity, else its userId)."""
    value: str | None
    if group_by == "actor":
        value = f"{view.actor_kind}:{view.actor_id}" if view.actor_id else None
    elif group_by == "entity":
        value = view.entity_id
    elif group_by == "source_ip":
        value = view.remote_ips[0] if view.remote_ips else None
    else:  # user
        value = view.entity_id or view.user_id
    return value or UNKNOWN_GROUP


def key_part(text: str) -> str:
    """`text` as a key component: `#` (the separator) escaped, long values hashed."""
    text = text.replace("%", "%25").replace("#", "%23")
    return text if len(text) <= MAX_KEY_PART else "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 instant (`...Z` or with an offset) in UTC, or None."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def window_of(when: datetime, minutes: int) -> tuple[datetime, datetime]:
    """The fixed window holding `when`: aligned to `minutes` since the epoch, [start, end)."""
    size = minutes * 60
    start = int(when.timestamp()) // size * size
    begin = datetime.fromtimestamp(start, UTC)
    return begin, begin + timedelta(seconds=size)


@dataclass(frozen=True)
class Tally:
    """The counter after this delivery."""

    counted: bool  # False: this audit id was counted before (duplicate or retry)
    count: int
    alerted: bool
    claimed_by: str | None
    claimed_until: int


def _is_conditional_failure(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    code = response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = response.get("CancellationReasons") or []
        return bool(reasons) and reasons[0].get("Code") == "ConditionalCheckFailed"
    return False


class Counter:
    """The counting and alert-claim operations on the table (a boto3 DynamoDB client)."""

    def __init__(self, client: Any, table: str, *, retention_seconds: int, claim_seconds: int) -> None:
        self.client = client
        self.table = table
        self.retention_seconds = retention_seconds
        self.claim_seconds = claim_seconds

    def count(self, counter_key: str, audit_id: str, window_end: datetime) -> Tally:
        """Count `audit_id` once in `counter_key`; return the counter as it is now (strongly consistent)."""
        expires = str(int(window_end.timestamp()) + self.retention_seconds)
        member = "m" + counter_key[1:] + "#" + key_part(audit_id)
        counted = True
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {"pk": {"S": member}, "expires": {"N": expires}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": {"pk": {"S": counter_key}},
                            "UpdateExpression": "ADD n :one SET expires = :expires",
                            "ExpressionAttributeValues": {":one": {"N": "1"}, ":expires": {"N": expires}},
                        }
                    },
                ]
            )
        except Exception as exc:
            if not _is_conditional_failure(exc):
                raise CountingUnavailable(f"cannot count in table {self.table}: {type(exc).__name__}: {exc}") from exc
            counted = False
        return self.read(counter_key, counted=counted)

    def read(self, counter_key: str, *, counted: bool) -> Tally:
        """The counter item, strongly consistent."""
        try:
            item = self.client.get_item(TableName=self.table, Key={"pk": {"S": counter_key}}, ConsistentRead=True)
        except Exception as exc:
            raise CountingUnavailable(f"cannot read table {self.table}: {type(exc).__name__}: {exc}") from exc
        found = item.get("Item") or {}
        return Tally(
            counted=counted,
            count=int(found.get("n", {}).get("N", "0")),
            alerted=found.get("alerted", {}).get("BOOL", False),
            claimed_by=found.get("claimed_by", {}).get("S"),
            claimed_until=int(found.get("claimed_until", {}).get("N", "0")),
        )

    def claim(self, counter_key: str, token: str, now: int) -> bool:
        """Take the window's alert with `token` (unique per invocation): only when not alerted and unclaimed
        or claimed by an invocation whose claim has expired (it died). True when taken."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": counter_key}},
                UpdateExpression="SET claimed_by = :me, claimed_until = :until",
                ConditionExpression=(
                    "attribute_exists(pk) AND attribute_not_exists(alerted) AND "
                    "(attribute_not_exists(claimed_by) OR claimed_until < :now)"
                ),
                ExpressionAttributeValues={
                    ":me": {"S": token},
                    ":until": {"N": str(now + self.claim_seconds)},
                    ":now": {"N": str(now)},
                },
            )
        except Exception as exc:
            if _is_conditional_failure(exc):
                return False
            raise CountingUnavailable(f"cannot claim the alert in {self.table}: {type(exc).__name__}: {exc}") from exc
        return True

    def release(self, counter_key: str, token: str) -> None:
        """Give the claim back (the send failed), so the retry or another delivery can take it at once."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": counter_key}},
                UpdateExpression="REMOVE claimed_by, claimed_until",
                ConditionExpression="claimed_by = :me",
                ExpressionAttributeValues={":me": {"S": token}},
            )
        except Exception:
            return

    def mark_alerted(self, counter_key: str, token: str, count: int) -> None:
        """Record that the window's alert went out (no other invocation sends it again)."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": counter_key}},
                UpdateExpression="SET alerted = :true, alerted_count = :count",
                ConditionExpression="claimed_by = :me",
                ExpressionAttributeValues={":true": {"BOOL": True}, ":me": {"S": token}, ":count": {"N": str(count)}},
            )
        except Exception as exc:
            raise CountingUnavailable(f"alert sent but not recorded in {self.table}: {type(exc).__name__}") from exc


def counter_key(rule: str, window_start: datetime, group: str) -> str:
    """`c#<rule>#<window start, UTC>#<group>`."""
    return "#".join(("c", key_part(rule), window_start.strftime("%Y-%m-%dT%H:%MZ"), key_part(group)))
