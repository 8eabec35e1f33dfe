"""REST `AuditLogMessage` -> the notification detail the partner source delivers (reference doc §1.2, §4).

| topic (`detail.eventBody`)                       | REST `AuditLogMessage`                                      |
|--------------------------------------------------|-------------------------------------------------------------|
| `eventTime` (rendered `...:SS.000Z`)             | `eventDate`                                                 |
| `userId`                                         | `user.id` (absent when empty: client-credentials actors)   |
| `username {id, name, selfUri}`                   | `user` (`name` only with `expand=user`)                     |
| `clientId {id, selfUri}` (`{}` when no client)   | `client` (`{"id": ""}` seen in real data -> `{}`)           |

Same names on both: `id`, `userHomeOrgId`, `remoteIp`, `serviceName`, `level`, `message`, `action`,
`entityType`, `entity`, `propertyChanges`, `context`.

Not mappable, kept under `detail.backfill.restOnly` so nothing is lost and `eventBody` keeps the topic's
shape: `status`, `application`, `initiatingAction`, `transactionInitiator`, `entityChanges` (REST only).
Not derivable from REST: `userDisplay` (never seen filled on the topic, left out), the partner's
`metadata.CorrelationId` (`metadata` is `{}` as on the webhook path) and its publish `timestamp`
(the audit's event time is used). Unknown REST fields pass through into `eventBody` unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from genesys_audit.audit import audit_topic_name
from genesys_audit.backfill.windows import parse_event_time
from genesys_audit.record import REST_ONLY, REST_RENAMED

BACKFILL_SOURCE = "genesys-audit-api"
_SAME = ("id", "userHomeOrgId", "remoteIp", "serviceName", "level", "message", "action", "entityType", "entity",
         "propertyChanges", "context")


def topic_time(value: Any) -> Any:
    """`2025-06-10T14:21:44Z` -> `2025-06-10T14:21:44.000Z` (the topic's rendering); unparseable values pass."""
    when = parse_event_time(value)
    if when is None:
        return value
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _ref(value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        return {}
    return {k: value[k] for k in keys if value.get(k) not in (None, "")}


def to_topic_record(message: Mapping[str, Any]) -> dict[str, Any]:
    """The `AuditTopicAuditLogMessage` for one REST `AuditLogMessage` (REST-only fields left out)."""
    record: dict[str, Any] = {k: message[k] for k in _SAME if k in message}
    user = _ref(message.get("user"), ("id", "name", "selfUri"))
    if user.get("id"):
        record["userId"] = user["id"]
    if user:
        record["username"] = user
    if "client" in message:
        client = _ref(message.get("client"), ("id", "selfUri"))
        record["clientId"] = client if client.get("id") else {}
    if "eventDate" in message:
        record["eventTime"] = topic_time(message["eventDate"])
    for key, value in message.items():  # fields Genesys adds later pass through
        if key not in record and key not in _SAME and key not in REST_RENAMED and key not in REST_ONLY:
            record[key] = value
    return record


def rest_only(message: Mapping[str, Any]) -> dict[str, Any]:
    """The REST-only fields present in `message`."""
    return {k: message[k] for k in REST_ONLY if k in message}


def to_detail(message: Mapping[str, Any], *, run_id: str, api: str) -> dict[str, Any]:
    """The notification detail `{topicName, version, eventBody, metadata, timestamp, backfill}`."""
    record = to_topic_record(message)
    entity = record.get("entity")
    entity_id = entity.get("id") if isinstance(entity, Mapping) else None
    entity_type = record.get("entityType")
    backfill: dict[str, Any] = {"source": BACKFILL_SOURCE, "runId": run_id, "api": api}
    extra = rest_only(message)
    if extra:
        backfill["restOnly"] = extra
    event_time = record.get("eventTime")
    return {
        "topicName": audit_topic_name(
            entity_type if isinstance(entity_type, str) else None, entity_id if isinstance(entity_id, str) else None
        ),
        "version": "2",
        "eventBody": record,
        "metadata": {},
        "timestamp": event_time if isinstance(event_time, str) else "",
        "backfill": backfill,
    }
