"""What the queue consumer checks that an EventBridge pattern cannot, and the finding it emits.

Patterns match on the values inside `propertyChanges` arrays but cannot say "a *property named* X changed
and this is an Update": `WATCHED_PROPERTIES` does that. Records that carry property changes are findings
only when a watched property changed; records without property changes (creates, deletes, membership
adds/removes) always are, since the rule that queued them already said they matter. An empty watch list
makes every record a finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from genesys_audit.audit import AuditView


def watched_changes(view: AuditView, watched: Iterable[str]) -> tuple[str, ...] | None:
    """The watched properties that changed (case-insensitive); `()` when the check does not apply; None: filtered."""
    names = {w.lower() for w in watched}
    if not names or not view.changes:
        return ()
    hits = tuple(p for p in view.changed_properties if p.lower() in names)
    return hits or None


def finding(view: AuditView, watched_hits: tuple[str, ...]) -> dict[str, Any]:
    """The structured record handed to the sink (what a SIEM indexes); secret-like values are redacted."""
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
        "changes": [c.summary() for c in view.changes],
    }
    if view.replay_name:
        out["replayName"] = view.replay_name
    return out
