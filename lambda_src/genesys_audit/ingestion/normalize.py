"""Validate webhook bodies and build PutEvents entries in the partner source's shape.

Accepted bodies: one audit record, a JSON array of records, a Genesys notification envelope
`{topicName, version, eventBody, metadata, timestamp}`, an EventBridge event of the audit topic (what an
API destination forwards: its `detail` envelope is filed), or an array of these (mixing is allowed).
A record must be a JSON object with at least one identifying field and the known fields must have their
JSON types, both as the field table `genesys_audit.record` gives them; unknown fields and unknown enum values
pass through unchanged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from genesys_audit.audit import audit_topic_name
from genesys_audit.errors import BadRequest, PayloadTooLarge
from genesys_audit.record import IDENTIFYING, type_errors, value

AUDIT_KEYS = IDENTIFYING
# Nesting levels a body may have (arrays and objects, the body itself is level 1). Audit records nest a few
# levels; the bound keeps parsing and re-serialising far from Python's recursion limit.
MAX_DEPTH = 64
# The keys an EventBridge event always has; a body with them is a whole event, not an audit record.
_EVENT_KEYS = ("detail-type", "detail", "source")
_MAX_ERRORS = 20


def _non_finite(token: str) -> Any:
    raise BadRequest(
        f"body contains the number {token}, which JSON does not allow (EventBridge would reject the event); "
        "send finite numbers, or the value as a string"
    )


def _finite_float(token: str) -> float:
    value = float(token)
    if math.isinf(value):
        _non_finite(token)
    return value


def parse_json(body: bytes) -> Any:
    """Decode UTF-8 JSON; BadRequest says what was wrong.

    Refused besides malformed JSON: NaN, Infinity, -Infinity and numbers that overflow to infinity (1e999),
    and nesting deeper than MAX_DEPTH levels.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("body is not valid UTF-8", details=str(exc)) from None
    if not text.strip():
        raise BadRequest("body is empty; expected a JSON audit record, envelope, or array of them")
    try:
        value = json.loads(text, parse_constant=_non_finite, parse_float=_finite_float)
    except RecursionError:
        raise _too_deep() from None
    except ValueError as exc:
        raise BadRequest("body is not valid JSON", details=str(exc)) from None
    if _depth_over(value, MAX_DEPTH):
        raise _too_deep()
    return value


def _too_deep() -> BadRequest:
    return BadRequest(
        f"body nests arrays/objects more than {MAX_DEPTH} levels deep; audit records nest a few levels"
    )


def _depth_over(value: Any, limit: int) -> bool:
    """True when `value` has more than `limit` levels of arrays/objects (iterative: no recursion)."""
    if type(value) is not dict and type(value) is not list:
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        for child in node.values() if type(node) is dict else node:
            if type(child) is dict or type(child) is list:
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def lone_surrogate_path(value: Any, where: str = "") -> str | None:
    """The path of the first string (or key) holding a lone UTF-16 surrogate, which UTF-8 cannot encode."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if not _encodable(node):
                return path
        elif isinstance(node, dict):
            for key, child in node.items():
                if not _encodable(key):
                    return f"{path}.{key.encode('utf-8', 'backslashreplace').decode('utf-8')} (key)"
                stack.append((child, f"{path}.{key}"))
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{n}]") for n, child in enumerate(node))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def lone_surrogate_error(detail: Mapping[str, Any], index: int) -> BadRequest:
    """BadRequest naming where a detail holds a lone surrogate escape (such as \\ud800)."""
    path = lone_surrogate_path(detail.get("eventBody"), f"[{index}].eventBody") or f"[{index}]"
    return BadRequest(
        "body contains a lone UTF-16 surrogate escape (such as \\ud800), which is not valid Unicode; "
        "send surrogates only as complete pairs",
        details=[path.encode("utf-8", "backslashreplace").decode("utf-8")],
    )


def _record_errors(record: Any, where: str) -> list[str]:
    if not isinstance(record, dict):
        return [f"{where}: expected a JSON object, got {type(record).__name__}"]
    errors: list[str] = []
    if not any(k in record for k in AUDIT_KEYS):
        errors.append(f"{where}: not an audit record (none of {', '.join(AUDIT_KEYS)})")
    errors.extend(type_errors(record, where))
    return errors


def _is_envelope(item: Mapping[str, Any]) -> bool:
    return "eventBody" in item


def _is_eventbridge_event(item: Mapping[str, Any]) -> bool:
    return all(key in item for key in _EVENT_KEYS)


def _is_audit_event(event: Mapping[str, Any]) -> bool:
    """An EventBridge event carrying a Genesys audit notification (what the partner source delivers)."""
    detail = event.get("detail")
    detail_type = event.get("detail-type")
    return (
        isinstance(detail, dict)
        and _is_envelope(detail)
        and isinstance(detail_type, str)
        and detail_type.startswith("v2.audits.")
    )


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def to_details(payload: Any, *, max_records: int, received_at: str | None = None) -> list[dict[str, Any]]:
    """Turn a parsed body into notification details `{topicName, version, eventBody, metadata, timestamp}`."""
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise BadRequest("body is an empty array; expected at least one audit record")
    if len(items) > max_records:
        raise PayloadTooLarge(
            f"{len(items)} records in one request, over the maximum of {max_records}; "
            f"send at most {max_records} records per request"
        )
    stamp = received_at or _now_iso()
    details: list[dict[str, Any]] = []
    errors: list[str] = []
    for n, item in enumerate(items):
        detail = _detail(item, f"[{n}]" if isinstance(payload, list) else "body", stamp, errors)
        if detail is not None:
            details.append(detail)
    if errors:
        shown = errors[:_MAX_ERRORS]
        if len(errors) > _MAX_ERRORS:
            shown.append(f"... and {len(errors) - _MAX_ERRORS} more")
        raise BadRequest("body has the wrong shape", details=shown)
    return details


def _detail(item: Any, where: str, stamp: str, errors: list[str]) -> dict[str, Any] | None:
    """The notification detail of one body item, or None after adding what is wrong with it to `errors`."""
    if isinstance(item, dict) and _is_eventbridge_event(item):
        if not _is_audit_event(item):
            errors.append(
                f"{where}: a whole EventBridge event whose detail is not a Genesys audit notification "
                "(detail-type v2.audits.*, detail {topicName, eventBody, ...}); post audit records, "
                "their notifications, or EventBridge events of the audit topic"
            )
            return None
        return _detail(item["detail"], f"{where}.detail", stamp, errors)  # the notification it carries
    if isinstance(item, dict) and _is_envelope(item):
        found = _record_errors(item["eventBody"], f"{where}.eventBody")
        for key in ("topicName", "version", "timestamp"):
            if item.get(key) is not None and not isinstance(item.get(key), str):
                found.append(f"{where}.{key}: expected a string")
        if item.get("metadata") is not None and not isinstance(item.get("metadata"), dict):
            found.append(f"{where}.metadata: expected an object")
        if found:
            errors.extend(found)
            return None
        record = item["eventBody"]
        detail = dict(item)
        detail["topicName"] = item.get("topicName") or _topic(record)
        detail["version"] = item.get("version") or "2"
        detail["metadata"] = item.get("metadata") or {}
        detail["timestamp"] = item.get("timestamp") or stamp
        return detail
    found = _record_errors(item, where)
    if found:
        errors.extend(found)
        return None
    return {"topicName": _topic(item), "version": "2", "eventBody": item, "metadata": {}, "timestamp": stamp}


def _topic(record: Mapping[str, Any]) -> str:
    return audit_topic_name(value(record, "entityType"), value(record, "entity.id"))


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
                "Detail": json.dumps(detail, separators=(",", ":"), ensure_ascii=False, allow_nan=False),
            }
        )
    return entries


def record_id(detail: Mapping[str, Any]) -> str | None:
    """The audit id of a detail, if any."""
    body = detail.get("eventBody")
    rid = body.get("id") if isinstance(body, dict) else None
    return rid if isinstance(rid, str) else None
