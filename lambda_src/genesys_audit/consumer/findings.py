"""What the queue consumer checks that an EventBridge pattern cannot, and the finding it emits.

A pattern can ask whether some `propertyChanges[].property` is `divisionId`, but it cannot compare two
fields: it cannot tell a real change from one whose old and new values are the same. The consumer does.
A record whose every property change is such a no-op (both values sent and equal) changed nothing and is
dropped; anything else is a finding. Records without property changes (creates, deletes, membership
adds/removes) are always findings: the rule that queued them already said they matter, and the consumer
never drops a detection it cannot prove empty. A change without a property name (or an entry that is not
an object) is a change like any other: it is listed as `(unnamed property)`, never taken for a no-op.

`WATCHED_PROPERTIES` flags the findings where a listed property (case-insensitive) really changed, in
`watchedChanges`, so the SIEM can rank them; it never hides a finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from genesys_audit.audit import AuditView, Change, redact
from genesys_audit.enrichment.names import Names


def _canonical(values: tuple[Any, ...]) -> list[str] | None:
    try:
        return sorted(json.dumps(v, sort_keys=True, default=repr) for v in values)
    except (RecursionError, ValueError, TypeError):
        return None  # cannot compare: not provably equal


def is_no_op(change: Change) -> bool:
    """Both values sent and equal (order-insensitive): the property did not change."""
    if change.old is None or change.new is None:
        return False
    old, new = _canonical(change.old), _canonical(change.new)
    return old is not None and old == new


def nothing_changed(view: AuditView) -> bool:
    """The record has property changes and every one of them is a no-op."""
    return bool(view.changes) and all(is_no_op(c) for c in view.changes)


def watched_changes(view: AuditView, watched: Iterable[str]) -> tuple[str, ...]:
    """Watched properties (case-insensitive) that really changed, in the record's order."""
    names = {w.lower() for w in watched}
    real = (c.property for c in view.changes if not is_no_op(c) and c.property.lower() in names)
    return tuple(dict.fromkeys(real))


def finding(view: AuditView, watched_hits: tuple[str, ...], names: Names | None = None) -> dict[str, Any]:
    """The structured record handed to the sink (what a SIEM indexes), redacted like an alert (`redact`).

    With enrichment, `names` carries what Genesys named (the acting user and client, the entity or
    `deleted`, divisions and roles) and, when lookups failed, a "names unavailable" note; ids stay as they are.
    """
    out: dict[str, Any] = {
        "auditId": view.audit_id,
        "eventTime": view.event_time,
        "entityType": view.entity_type,
        "action": view.action,
        "entity": {"id": view.entity_id, "name": view.entity_name},
        "actor": {"kind": view.actor_kind, "id": view.actor_id, "display": view.user_display},
        "clientId": view.client_id,
        "level": view.level,
        "serviceName": view.service_name,
        "remoteIps": list(view.remote_ips),
        "genesysOrgId": view.org_id,
        "source": view.source,
        "region": view.region,
        "changedProperties": list(view.changed_properties),
        "watchedChanges": list(watched_hits),
    }
    if view.replay_name:
        out["replayName"] = view.replay_name
    if names is not None:
        out["names"] = names.as_dict()
    safe: dict[str, Any] = redact(out)
    safe["changes"] = [c.summary() for c in view.changes]  # each summary is redacted by `Change.summary`
    return safe
