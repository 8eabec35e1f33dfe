"""Pydantic models for Genesys audit events: the record, the notification detail, the EventBridge envelope.

Every field is optional and extra fields pass through (Genesys adds fields and enum values);
enums are plain strings.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from genesys_audit.audit import audit_topic_name, record_actor

__all__ = [
    "AddressableRef",
    "AuditRecord",
    "EntityRef",
    "EventBridgeEvent",
    "NotificationDetail",
    "PropertyChange",
    "audit_topic_name",
    "record_actor",
]

_CONFIG = ConfigDict(extra="allow", populate_by_name=True)


class _Model(BaseModel):
    model_config = _CONFIG


class AddressableRef(_Model):
    """A reference with an id and a selfUri (e.g. `clientId`)."""

    id: str | None = None
    selfUri: str | None = None


class EntityRef(_Model):
    """A named reference (e.g. `entity`, `username`)."""

    id: str | None = None
    name: str | None = None
    selfUri: str | None = None


class PropertyChange(_Model):
    """One changed property; old/new values may be missing."""

    property: str | None = None
    oldValues: list[Any] | None = None
    newValues: list[Any] | None = None


class AuditRecord(_Model):
    """The audit record (`detail.eventBody`)."""

    id: str | None = None
    userId: str | None = None
    userHomeOrgId: str | None = None
    username: EntityRef | None = None
    userDisplay: str | None = None
    clientId: AddressableRef | None = None
    remoteIp: list[str] | None = None
    serviceName: str | None = None
    level: str | None = None
    eventTime: str | None = None
    message: dict[str, Any] | str | None = None  # an object on audits; other topics send a string
    action: str | None = None
    entityType: str | None = None
    entity: EntityRef | None = None
    propertyChanges: list[PropertyChange] | None = None
    context: dict[str, Any] | None = None

    def actor(self) -> str | None:
        """Who acted: `userId`, else `clientId.id`."""
        if self.userId:
            return self.userId
        if self.clientId is not None and self.clientId.id:
            return self.clientId.id
        return None

    def changed_properties(self) -> list[str]:
        """Names of the changed properties, in order, without duplicates."""
        seen: dict[str, None] = {}
        for change in self.propertyChanges or []:
            if change.property:
                seen.setdefault(change.property, None)
        return list(seen)

    def topic_name(self) -> str:
        """`v2.audits.entitytype.<entityType>.entityid.<entity.id>` as Genesys builds it."""
        return audit_topic_name(self.entityType, self.entity.id if self.entity else None)


class NotificationDetail(_Model):
    """The EventBridge `detail`: `{topicName, version, eventBody, metadata, timestamp}`."""

    topicName: str | None = None
    version: str | None = None
    eventBody: AuditRecord | None = None
    metadata: dict[str, Any] | None = None
    timestamp: str | None = None


class EventBridgeEvent(_Model):
    """The EventBridge envelope around a Genesys notification."""

    version: str | None = None
    id: str | None = None
    detail_type: str | None = Field(default=None, alias="detail-type")
    source: str | None = None
    account: str | None = None
    time: str | None = None
    region: str | None = None
    resources: list[str] | None = None
    detail: NotificationDetail | None = None

    @property
    def record(self) -> AuditRecord | None:
        """The audit record, if present."""
        return self.detail.eventBody if self.detail is not None else None
