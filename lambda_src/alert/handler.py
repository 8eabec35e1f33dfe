"""Alert Lambda: target of the alerting EventBridge rules (input transformer adds rule, severity, title, runbook).

Thin by design: settings are validated at cold start; rendering lives in `genesys_audit.alerting.message`,
the channels in `genesys_audit.alerting.channels`. botocore, Powertools idempotency and the secret fetch are
loaded on first use. One audit id alerts once per rule (DynamoDB idempotency on audit id + rule); the
channels are sent concurrently within the function's remaining time less ALERT_DEADLINE_MARGIN_MS; the
invocation fails, so EventBridge retries and then dead-letters, only when no channel took the alert. When
the idempotency table is unavailable the alert is sent anyway, marked as possibly repeated (fail open).
With GENESYS_ENRICHMENT_ENABLED, names are looked up first within ENRICHMENT_BUDGET_MS (at most half the
time left): whatever is not answered by then is shown as ids with a "names unavailable" note.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from genesys_audit.alerting.message import Alert, AlertInputError, build_alert, parse_input
from genesys_audit.alerting.service import NoChannelDelivered, channels_for, send_alert
from genesys_audit.alerting.settings import AlertSettings
from genesys_audit.audit import AuditView
from genesys_audit.awsclient import lazy_client
from genesys_audit.enrichment.names import Names
from genesys_audit.enrichment.settings import resolver_for
from genesys_audit.idempotency import Once, StoreUnavailable
from genesys_audit.secrets import get_secret_string
from genesys_audit.telemetry import entry_point, logger_and_metrics

SETTINGS = AlertSettings.from_env()
logger, metrics = logger_and_metrics()

M_SENT = "AlertsSent"
M_DUPLICATE = "AlertDuplicatesSuppressed"
M_SKIPPED = "AlertReplaysSkipped"
M_CHANNEL_FAILED = "AlertChannelFailures"  # the alerting module's alarm watches this name
M_DEDUP_UNAVAILABLE = "AlertDeduplicationUnavailable"  # so does its -deduplication-unavailable alarm
M_NAMES_UNAVAILABLE = "AlertNamesUnavailable"  # enrichment enabled, some or all names not looked up in time


_sns = lazy_client("sns")
# The names cache in the idempotency table: short timeouts, no retries (names are optional).
_dynamodb = lazy_client("dynamodb", max_attempts=1, connect_timeout=0.5, read_timeout=0.5)


def _read_secret(secret_id: str) -> str:
    return get_secret_string(secret_id, max_age=SETTINGS.secret_max_age_seconds)


CHANNELS = channels_for(SETTINGS, _sns, _read_secret)
NAMES = resolver_for(SETTINGS.enrichment, _read_secret, table=SETTINGS.idempotency.table, dynamodb=_dynamodb)


def _deadline(context: Any) -> float:
    """`time.monotonic()` instant by which every channel must have answered."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    fallback_ms = 2 * SETTINGS.http_timeout_seconds * 1000 + SETTINGS.deadline_margin_ms
    left_ms = remaining() if callable(remaining) else fallback_ms
    return time.monotonic() + max(0, left_ms - SETTINGS.deadline_margin_ms) / 1000.0


def _names(view: AuditView, deadline: float) -> Names | None:
    """Names for the record's ids within the budget (and half the time left), or None when not enabled."""
    if NAMES is None:
        return None
    budget = min(SETTINGS.enrichment.budget_seconds, max(0.0, deadline - time.monotonic()) / 2)
    try:
        names = NAMES.resolve(view, budget)
    except Exception as exc:  # enrichment never stops an alert
        logger.exception("name enrichment failed")
        names = Names(failures=(f"enrichment failed ({type(exc).__name__})",))
    if names.failures:
        metrics.add_metric(name=M_NAMES_UNAVAILABLE, unit=MetricUnit.Count, value=1)
        logger.warning("names unavailable", extra={"reasons": list(names.failures), "status": names.status})
    return names


def _deliver(*, alert: Alert, deadline: float) -> dict[str, Any]:
    deliveries = send_alert(alert, CHANNELS, deadline=deadline)
    failed = [d for d in deliveries if not d.ok]
    if failed:
        metrics.add_metric(name=M_CHANNEL_FAILED, unit=MetricUnit.Count, value=len(failed))
        logger.error("alert channels failed", extra={"failed": {d.channel: d.detail for d in failed}})
    return {
        "subject": alert.subject,
        "channels": {d.channel: ("ok: " if d.ok else "failed: ") + d.detail for d in deliveries},
    }


ONCE = Once(_deliver, SETTINGS.idempotency, key_prefix="alert")


def _send_once(alert: Alert, context: Any, deadline: float) -> tuple[dict[str, Any], bool]:
    """Once per audit id + rule; without the idempotency table, send anyway (fail open) and say so."""
    try:
        result, duplicate = ONCE(alert.dedup_key, context, alert=alert, deadline=deadline)
        return result, duplicate
    except StoreUnavailable as exc:
        metrics.add_metric(name=M_DEDUP_UNAVAILABLE, unit=MetricUnit.Count, value=1)
        if exc.ran:  # sent, but not recorded: a later repeat may alert again
            logger.error("alert sent but not recorded as sent", extra={"error": str(exc)})
            return exc.result, False
        logger.error("deduplication unavailable: sending marked as possibly repeated", extra={"error": str(exc)})
        return {**_deliver(alert=alert.marked_possibly_repeated(), deadline=deadline), "possibly_repeated": True}, False


def _handler(event: Any, context: Any) -> dict[str, Any]:
    try:
        alert_input = parse_input(event)
    except AlertInputError:
        logger.exception("not an audit alert input")
        raise  # retried, then dead-lettered: nothing is dropped silently
    view = AuditView.of(alert_input.event)
    logger.append_keys(audit_id=view.audit_id, rule=alert_input.rule, severity=alert_input.severity)
    if SETTINGS.skip_replays and view.replay_name:
        metrics.add_metric(name=M_SKIPPED, unit=MetricUnit.Count, value=1)
        logger.info("replayed event not alerted", extra={"replay_name": view.replay_name})
        return {"status": "skipped", "reason": f"replay {view.replay_name}"}
    if view.audit_id is None:
        logger.warning("audit record has no id: alerting without deduplication")
    deadline = _deadline(context)
    alert = build_alert(alert_input, view, _names(view, deadline))
    try:
        result, duplicate = _send_once(alert, context, deadline)
    except NoChannelDelivered as exc:
        metrics.add_metric(name=M_CHANNEL_FAILED, unit=MetricUnit.Count, value=len(CHANNELS))
        logger.error("alert not delivered by any channel; failing for retry", extra={"details": exc.details})
        raise
    if duplicate:
        metrics.add_metric(name=M_DUPLICATE, unit=MetricUnit.Count, value=1)
        logger.info("audit id already alerted", extra={"subject": alert.subject})
        return {"status": "duplicate", **result}
    metrics.add_metric(name=M_SENT, unit=MetricUnit.Count, value=1)
    logger.info("alert sent", extra=result)
    return {"status": "sent", **result}


handler = entry_point(_handler, logger=logger, metrics=metrics, tracing=SETTINGS.tracing_enabled)
