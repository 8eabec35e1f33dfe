"""Validate webhook bodies and build PutEvents entries in the partner source's shape.

Accepted bodies: one audit record, a JSON array of records, a Genesys notification envelope
`{topicName, version, eventBody, metadata, timestamp}`, or an array of envelopes (mixing is allowed).
A record must be a JSON object with at least one audit field (`id`, `entityType`, `action`,
`serviceName`, `eventTime`) and the known fields must have their documented JSON types; unknown fields
and unknown enum values pass through unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from genesys_audit.audit import audit_topic_name
from genesys_audit.errors import BadRequest

AUDIT_KEYS = ("id", "entityType", "action", "serviceName", "eventTime")
_STR_FIELDS = ("id", "userId", "userHomeOrgId", "userDisplay", "serviceName", "level", "eventTime", "action",
               "entityType")
_OBJ_FIELDS = ("username", "clientId", "entity", "message", "context")
_MAX_ERRORS = 20


def parse_json(body: bytes) -> Any:
    """Decode UTF-8 JSON; BadRequest says what was wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("body is not valid UTF-8", details=str(exc)) from None
    if not text.strip():
        raise BadRequest("body is empty; expected a JSON audit record, envelope, or array of them")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadRequest("body is not valid JSON", details=str(exc)) from None


def _record_errors(record: Any, where: str) -> list[str]:
    if not isinstance(record, dict):
        return [f"{where}: expected a JSON object, got {type(record).__name__}"]
    errors: list[str] = []
    if not any(k in record for k in AUDIT_KEYS):
        errors.append(f"{where}: not an audit record (none of {', '.join(AUDIT_KEYS)})")
    for key in _STR_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            errors.append(f"{where}.{key}: expected a string")
    for key in _OBJ_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, dict):
            errors.append(f"{where}.{key}: expected an object")
    ips = record.get("remoteIp")
    if ips is not None and not (isinstance(ips, list) and all(isinstance(ip, str) for ip in ips)):
        errors.append(f"{where}.remoteIp: expected an array of strings")
    errors.extend(_changes_errors(record.get("propertyChanges"), where))
    return errors


def _changes_errors(changes: Any, where: str) -> list[str]:
    if changes is None:
        return []
    if not isinstance(changes, list):
        return [f"{where}.propertyChanges: expected an array"]
    errors: list[str] = []
    for n, change in enumerate(changes):
        if not isinstance(change, dict):
            errors.append(f"{where}.propertyChanges[{n}]: expected an object")
            continue
        prop = change.get("property")
        if prop is not None and not isinstance(prop, str):
            errors.append(f"{where}.propertyChanges[{n}].property: expected a string")
        for vk in ("oldValues", "newValues"):
            vals = change.get(vk)
            if vals is not None and not isinstance(vals, list):
                errors.append(f"{where}.propertyChanges[{n}].{vk}: expected an array")
    return errors


def _is_envelope(item: Mapping[str, Any]) -> bool:
    return "eventBody" in item


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def to_details(payload: Any, *, max_records: int, received_at: str | None = None) -> list[dict[str, Any]]:
    """Turn a parsed body into notification details `{topicName, version, eventBody, metadata, timestamp}`."""
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise BadRequest("body is an empty array; expected at least one audit record")
    if len(items) > max_records:
        raise BadRequest(f"too many records: {len(items)} > {max_records} per request")
    stamp = received_at or _now_iso()
    details: list[dict[str, Any]] = []
    errors: list[str] = []
    for n, item in enumerate(items):
        where = f"[{n}]" if isinstance(payload, list) else "body"
        if isinstance(item, dict) and _is_envelope(item):
            found = _record_errors(item["eventBody"], f"{where}.eventBody")
            for key in ("topicName", "version", "timestamp"):
                if item.get(key) is not None and not isinstance(item.get(key), str):
                    found.append(f"{where}.{key}: expected a string")
            if item.get("metadata") is not None and not isinstance(item.get("metadata"), dict):
                found.append(f"{where}.metadata: expected an object")
            if found:
                errors.extend(found)
                continue
            record = item["eventBody"]
            detail = dict(item)
            detail["topicName"] = item.get("topicName") or _topic(record)
            detail["version"] = item.get("version") or "2"
            detail["metadata"] = item.get("metadata") or {}
            detail["timestamp"] = item.get("timestamp") or stamp
            details.append(detail)
        else:
            found = _record_errors(item, where)
            if found:
                errors.extend(found)
                continue
            details.append(
                {"topicName": _topic(item), "version": "2", "eventBody": item, "metadata": {}, "timestamp": stamp}
            )
    if errors:
        shown = errors[:_MAX_ERRORS]
        if len(errors) > _MAX_ERRORS:
            shown.append(f"... and {len(errors) - _MAX_ERRORS} more")
        raise BadRequest("body has the wrong shape", details=shown)
    return details


def _topic(record: Mapping[str, Any]) -> str:
    entity = record.get("entity")
    entity_id = entity.get("id") if isinstance(entity, dict) else None
    entity_type = record.get("entityType")
    return audit_topic_name(
        entity_type if isinstance(entity_type, str) else None, entity_id if isinstance(entity_id, str) else None
    )


def changed_properties(record: Mapping[str, Any]) -> list[str]:
    """Property names from `propertyChanges`, in order, without duplicates."""
    seen: dict[str, None] = {}
    for change in record.get("propertyChanges") or ():
        if isinstance(change, dict):
            prop = change.get("property")
            if isinstance(prop, str) and prop:
                seen.setdefault(prop, None)
    return list(seen)


def flatten_changes(detail: dict[str, Any]) -> dict[str, Any]:
    """Add `changedProperties` (list of property names) to a detail so rules can match on it."""
    detail["changedProperties"] = changed_properties(detail.get("eventBody") or {})
    return detail


def build_entries(
    details: list[dict[str, Any]], *, source: str, detail_type: str, flatten: bool = False
) -> list[dict[str, Any]]:
    """PutEvents entries (without EventBusName) whose Detail is the compact JSON of each detail."""
    entries = []
    for detail in details:
        if flatten:
            flatten_changes(detail)
        entries.append(
            {
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail, separators=(",", ":"), ensure_ascii=False),
            }
        )
    return entries


def record_id(detail: Mapping[str, Any]) -> str | None:
    """The audit id of a detail, if any."""
    body = detail.get("eventBody")
    rid = body.get("id") if isinstance(body, dict) else None
    return rid if isinstance(rid, str) else None
