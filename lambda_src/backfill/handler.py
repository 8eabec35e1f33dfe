"""Scheduled backfill Lambda: the last BACKFILL_LOOKBACK_HOURS full hours from the Genesys audit API onto the bus.

Thin by design: the loop lives in `genesys_audit.backfill.run`. Each invocation skips the windows its SSM
checkpoint (CHECKPOINT_PARAMETER_NAME) marks done, stops between pages BACKFILL_SAFETY_MARGIN_MS before
the Lambda timeout, and the next invocation resumes. With TRAIL_LOG_GROUP set, audits the trail already
has are not put again (only the holes are filled). The SDK, botocore clients and the secret are loaded
on first use. An invocation event `{"since": ISO, "until": ISO}` overrides the range (manual runs).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from genesys_audit.awsclient import make_client
from genesys_audit.backfill.settings import BackfillSettings
from genesys_audit.telemetry import entry_point, logger_and_metrics

SETTINGS = BackfillSettings.from_env()
logger, metrics = logger_and_metrics()

M_READ = "BackfillRecordsRead"
M_PUT = "BackfillRecordsPut"
M_PRESENT = "BackfillRecordsAlreadyInTrail"
M_RATE_LIMITED = "BackfillRateLimited"


def _range(event: Any, now: datetime) -> tuple[datetime, datetime]:
    from genesys_audit.backfill.windows import check_range, hour_of, parse_time

    event = event if isinstance(event, dict) else {}
    if event.get("since"):
        until = parse_time(str(event["until"]), "until") if event.get("until") else None
        return check_range(parse_time(str(event["since"]), "since"), until, now=now)
    until = hour_of(now - timedelta(minutes=SETTINGS.settle_minutes))  # full hours the API has caught up with
    return until - timedelta(hours=SETTINGS.lookback_hours), until


def _handler(event: Any, context: Any) -> dict[str, Any]:
    from genesys_audit.backfill.api import AuditApiReader
    from genesys_audit.backfill.checkpoint import SsmCheckpoint
    from genesys_audit.backfill.credentials import ClientCredentials
    from genesys_audit.backfill.run import BackfillOptions, run_backfill, trail_presence

    now = datetime.now(UTC)
    since, until = _range(event, now)
    options = BackfillOptions(
        since=since, until=until, bus_name=SETTINGS.event_bus_name, services=SETTINGS.services, mode=SETTINGS.mode,
        source=SETTINGS.source, detail_type=SETTINGS.detail_type,
        flatten_property_changes=SETTINGS.flatten_property_changes,
    )
    credentials = ClientCredentials.from_secrets_manager(SETTINGS.credentials_secret_id)
    reader = AuditApiReader(SETTINGS.api_base_url, credentials)
    present = trail_presence(make_client("logs"), SETTINGS.trail_log_group) if SETTINGS.trail_log_group else None
    margin = SETTINGS.safety_margin_ms

    def remaining() -> float:
        return float(context.get_remaining_time_in_millis() - margin) / 1000.0

    report = run_backfill(
        reader, make_client("events", max_attempts=1), options,
        SsmCheckpoint(SETTINGS.checkpoint_parameter, make_client("ssm")),
        where=SETTINGS.checkpoint_parameter, deadline=remaining if context is not None else None, now=now,
        prune_before=since, present=present,
    )
    metrics.add_metric(name=M_READ, unit=MetricUnit.Count, value=report.read)
    metrics.add_metric(name=M_PUT, unit=MetricUnit.Count, value=report.put)
    metrics.add_metric(name=M_PRESENT, unit=MetricUnit.Count, value=report.present_skipped)
    metrics.add_metric(name=M_RATE_LIMITED, unit=MetricUnit.Count, value=report.rate_limited)
    summary = {**report.summary(), "since": since.isoformat(), "until": until.isoformat()}
    logger.info("backfill run", extra={"backfill": summary})
    return summary


handler = entry_point(_handler, logger=logger, metrics=metrics, tracing=SETTINGS.tracing_enabled)
