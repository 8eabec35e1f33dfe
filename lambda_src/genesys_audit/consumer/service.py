"""Process one queued EventBridge event: parse, check, hand the finding to the sink."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

from genesys_audit.audit import AuditView
from genesys_audit.consumer.findings import finding, nothing_changed, watched_changes
from genesys_audit.enrichment.names import Names
from genesys_audit.errors import BadRequest, ConfigError

Sink = Callable[[dict[str, Any]], None]
NamesFor = Callable[[AuditView], Names | None]


def parse_message(body: str) -> tuple[dict[str, Any], AuditView]:
    """The SQS body is the EventBridge event; BadRequest (the message is retried, then dead-lettered) if not."""
    try:
        event = json.loads(body)
    except ValueError:
        raise BadRequest("message body is not JSON; expected the EventBridge event of an audit record") from None
    if not isinstance(event, dict) or not isinstance((event.get("detail") or {}).get("eventBody"), dict):
        raise BadRequest("message body has no detail.eventBody; expected the EventBridge event of an audit record")
    return event, AuditView.of(event)


def load_sink(spec: str, log: Sink) -> Sink:
    """`log` (the default structured log line), or `package.module:function` from the package or a layer."""
    if spec == "log":
        return log
    module_name, _, attribute = spec.partition(":")
    try:
        sink = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"FINDING_SINK {spec!r} cannot be loaded: {exc}") from None
    if not callable(sink):
        raise ConfigError(f"FINDING_SINK {spec!r} is not callable")
    return sink  # type: ignore[no-any-return]


def consume(view: AuditView, watched: tuple[str, ...], sink: Sink, names_for: NamesFor | None = None) -> str:
    """`finding` (handed to the sink), `watched` (a finding where a watched property changed) or `no-op`.

    `names_for` (enrichment) is asked only for a finding, never for a no-op.
    """
    if nothing_changed(view):
        return "no-op"
    hits = watched_changes(view, watched)
    sink(finding(view, hits, names_for(view) if names_for else None))
    return "watched" if hits else "finding"
