"""Threshold Lambda: target of the threshold (burst) rules; the input transformer adds rule, severity, title,
runbook and the rule's threshold ({count, window_minutes, group_by}) around the event.

Thin by design: counting and the once-per-window alert live in `genesys_audit.threshold`; the alert is
rendered as `genesys_audit.alerting` renders alerts and published to the alert SNS topic. Any failure
(DynamoDB, SNS, bad input) raises: EventBridge retries, then the targets' dead-letter queue takes it.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from genesys_audit.alerting.channels import sns_channel
from genesys_audit.alerting.message import Alert
from genesys_audit.alerting.service import send_alert
from genesys_audit.awsclient import lazy_client
from genesys_audit.telemetry import entry_point, logger_and_metrics
from genesys_audit.threshold.counting import Counter, ThresholdInputError
from genesys_audit.threshold.service import parse, process
from genesys_audit.threshold.settings import ThresholdSettings

SETTINGS = ThresholdSettings.from_env()
logger, metrics = logger_and_metrics()

M_COUNTED = "ThresholdEventsCounted"
M_DUPLICATE = "ThresholdDuplicatesIgnored"
M_ALERTED = "ThresholdAlertsSent"
SEND_SECONDS = 10.0


_sns = lazy_client("sns")
_dynamodb = lazy_client("dynamodb")


CHANNELS = [sns_channel(_sns, SETTINGS.topic_arn)]


def _send(alert: Alert) -> dict[str, str]:
    deliveries = send_alert(alert, CHANNELS, deadline=time.monotonic() + SEND_SECONDS)  # raises if not sent
    return {d.channel: d.detail for d in deliveries}


def _handler(event: Any, context: Any) -> dict[str, Any]:
    try:
        inp = parse(event)
    except ThresholdInputError:
        logger.exception("not a threshold rule input")
        raise  # retried, then dead-lettered: nothing is dropped silently
    if SETTINGS.skip_replays and isinstance(inp.alert.event.get("replay-name"), str):
        return {"status": "skipped", "reason": "replayed event"}
    logger.append_keys(rule=inp.alert.rule)
    counter = Counter(
        _dynamodb(), SETTINGS.table, retention_seconds=SETTINGS.retention_seconds, claim_seconds=SETTINGS.claim_seconds
    )
    result = process(inp, counter, _send, wait_seconds=SETTINGS.claim_wait_ms / 1000)
    metrics.add_metric(name=M_COUNTED if result["counted"] else M_DUPLICATE, unit=MetricUnit.Count, value=1)
    if result["status"] == "alerted":
        metrics.add_metric(name=M_ALERTED, unit=MetricUnit.Count, value=1)
        logger.info("threshold alert sent", extra=result)
    return result


handler = entry_point(_handler, logger=logger, metrics=metrics, tracing=SETTINGS.tracing_enabled)
