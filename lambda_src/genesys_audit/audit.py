"""A read-only view of one audit event, from plain dicts (no pydantic: the alert and consumer cold paths).

Every field is optional, as in the real envelope: `username` is often `{"id": ""}`, `clientId` may be `{}`,
`propertyChanges[].oldValues`/`newValues` may be missing and enums are open. The view never raises on shape;
`audit_id` is None when the record has no usable id.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

AUDIT_DETAIL_TYPE = "v2.audits.entitytype.{id}.entityid.{id}"
VALUE_MAX = 120
# Values of these properties are never copied into an alert or a finding, whatever Genesys sends.
_SENSITIVE = re.compile(r"secret|password|passwd|token|credential|private.?key|api.?key", re.IGNORECASE)
_PARTNER_SOURCE = re.compile(r"^aws\.partner/genesys\.com(?:\.[a-z]+)?/cloud/(?P<org>[^/]+)/")


def audit_topic_name(entity_type: str | None, entity_id: str | None) -> str:
    """`v2.audits.entitytype.<entityType>.entityid.<entity.id>` as Genesys builds it; missing parts are empty."""
    return f"v2.audits.entitytype.{entity_type or ''}.entityid.{entity_id or ''}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _ref(record: dict[str, Any], key: str) -> dict[str, Any]:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def record_actor(record: dict[str, Any]) -> str | None:
    """Who acted: `userId`, else `clientId.id` (client-credentials calls carry no user)."""
    return _text(record.get("userId")) or _text(_ref(record, "clientId").get("id"))


def partner_org_id(source: Any) -> str | None:
    """The Genesys org id in a partner source `aws.partner/genesys.com/cloud/<org>/<suffix>`."""
    match = _PARTNER_SOURCE.match(source) if isinstance(source, str) else None
    return match.group("org") if match else None


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, ending in `...` when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 3)].rstrip() + "..."


def _render(values: tuple[Any, ...] | None) -> str:
    if values is None:
        return "(not sent)"
    shown: Any = values[0] if len(values) == 1 else list(values)
    text = shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False, default=str)
    return shorten(" ".join(text.split()), VALUE_MAX) if text else '""'


@dataclass(frozen=True)
class Change:
    """One changed property; `old`/`new` are None when Genesys did not send them."""

    property: str
    old: tuple[Any, ...] | None
    new: tuple[Any, ...] | None

    def is_sensitive(self) -> bool:
        """A secret-like property (secret, token, password...) whose values are never shown."""
        return bool(_SENSITIVE.search(self.property))

    def summary(self) -> str:
        """`property: old -> new`, values shortened; sensitive values redacted."""
        if self.is_sensitive():
            return f"{self.property}: changed (value redacted)"
        if self.old is None and self.new is None:
            return f"{self.property}: changed (values not sent)"
        return f"{self.property}: {_render(self.old)} -> {_render(self.new)}"


def _values(value: Any) -> tuple[Any, ...] | None:
    if value is None:
        return None
    return tuple(value) if isinstance(value, list) else (value,)


@dataclass(frozen=True)
class AuditView:
    """What alerting and the consumer need to know about one audit event."""

    audit_id: str | None
    entity_type: str | None
    action: str | None
    entity_id: str | None
    entity_name: str | None
    user_id: str | None
    user_display: str | None
    client_id: str | None
    level: str | None
    service_name: str | None
    event_time: str | None
    remote_ips: tuple[str, ...]
    changes: tuple[Change, ...]
    org_id: str | None
    source: str | None
    region: str | None
    replay_name: str | None

    @classmethod
    def of(cls, event: Any) -> AuditView:
        """Build from an EventBridge event (`detail.eventBody`), a notification `detail`, or a bare record."""
        event = event if isinstance(event, dict) else {}
        detail = event.get("detail") if isinstance(event.get("detail"), dict) else None
        if detail is None and isinstance(event.get("eventBody"), dict):
            detail = event
        record = (detail or {}).get("eventBody") if detail is not None else event
        record = record if isinstance(record, dict) else {}
        entity = _ref(record, "entity")
        changes = tuple(
            Change(str(c["property"]), _values(c.get("oldValues")), _values(c.get("newValues")))
            for c in record.get("propertyChanges") or []
            if isinstance(c, dict) and _text(c.get("property"))
        )
        ips = record.get("remoteIp")
        return cls(
            audit_id=_text(record.get("id")),
            entity_type=_text(record.get("entityType")),
            action=_text(record.get("action")),
            entity_id=_text(entity.get("id")),
            entity_name=_text(entity.get("name")),
            user_id=_text(record.get("userId")),
            user_display=_text(record.get("userDisplay")) or _text(_ref(record, "username").get("name")),
            client_id=_text(_ref(record, "clientId").get("id")),
            level=_text(record.get("level")),
            service_name=_text(record.get("serviceName")),
            event_time=_text(record.get("eventTime")),
            remote_ips=tuple(ip for ip in ips if isinstance(ip, str)) if isinstance(ips, list) else (),
            changes=changes,
            org_id=partner_org_id(event.get("source")) or _text(record.get("userHomeOrgId")),
            source=_text(event.get("source")),
            region=_text(event.get("region")),
            replay_name=_text(event.get("replay-name")),
        )

    @property
    def actor_kind(self) -> str:
        """`user` when a user acted, `client` for an OAuth client without a user, else `unknown`."""
        if self.user_id:
            return "user"
        return "client" if self.client_id else "unknown"

    @property
    def actor_id(self) -> str | None:
        """The user id, else the OAuth client id."""
        return self.user_id or self.client_id

    @property
    def changed_properties(self) -> tuple[str, ...]:
        """Names of the changed properties, in order, without duplicates."""
        return tuple(dict.fromkeys(c.property for c in self.changes))
