"""Queue consumer Lambda: SQS event source with partial batch failures, idempotent on the audit id.

Thin by design: the checks live in `genesys_audit.consumer`. A record that fails (bad body, sink error)
is reported as a batch item failure, so SQS redelivers it and, after the queue's maxReceiveCount, moves it
to the dead-letter queue; the rest of the batch is deleted. A repeated audit id is acknowledged without a
second finding.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from genesys_audit.audit import AuditView
from genesys_audit.awsclient import lazy_client
from genesys_audit.consumer.service import consume, load_sink, parse_message
from genesys_audit.consumer.settings import ConsumerSettings
from genesys_audit.enrichment.names import Names
from genesys_audit.enrichment.settings import resolver_for
from genesys_audit.idempotency import Once
from genesys_audit.secrets import get_secret_string
from genesys_audit.telemetry import entry_point, logger_and_metrics

SETTINGS = ConsumerSettings.from_env()
logger, metrics = logger_and_metrics()
processor = BatchProcessor(event_type=EventType.SQS)

M_FINDINGS = "ConsumerFindings"
M_WATCHED = "ConsumerWatchedChanges"
M_NO_OP = "ConsumerNoOpRecordsDropped"
M_DUPLICATE = "ConsumerDuplicatesSkipped"
M_FAILED = "ConsumerRecordsFailed"
M_NAMES_UNAVAILABLE = "ConsumerNamesUnavailable"


def _log_finding(item: dict[str, Any]) -> None:
    logger.info("genesys audit finding", extra={"finding": item})


SINK = load_sink(SETTINGS.sink, _log_finding)
# The names cache in the idempotency table: short timeouts, no retries (names are optional).
_dynamodb = lazy_client("dynamodb", max_attempts=1, connect_timeout=0.5, read_timeout=0.5)


NAMES = resolver_for(SETTINGS.enrichment, get_secret_string, table=SETTINGS.idempotency.table, dynamodb=_dynamodb)


def _names(view: AuditView) -> Names | None:
    """Names for the finding within ENRICHMENT_BUDGET_MS; a failure leaves the ids with a note."""
    if NAMES is None:
        return None
    try:
        names = NAMES.resolve(view, SETTINGS.enrichment.budget_seconds)
    except Exception as exc:  # enrichment never stops a finding
        logger.exception("name enrichment failed")
        names = Names(failures=(f"enrichment failed ({type(exc).__name__})",))
    if names.failures:
        metrics.add_metric(name=M_NAMES_UNAVAILABLE, unit=MetricUnit.Count, value=1)
    return names


def _consume(*, view: AuditView) -> str:
    return consume(view, SETTINGS.watched_properties, SINK, _names)


ONCE = Once(_consume, SETTINGS.idempotency, key_prefix="consumer")
CONTEXT: Any = None


def record_handler(record: SQSRecord) -> str:
    """One message: parse, check once per audit id, hand the finding to the sink."""
    try:
        _event, view = parse_message(record.body)
        outcome, duplicate = ONCE(view.audit_id, CONTEXT, view=view)
    except Exception:
        metrics.add_metric(name=M_FAILED, unit=MetricUnit.Count, value=1)
        logger.exception("record failed; SQS will redeliver it", extra={"message_id": record.message_id})
        raise
    if duplicate:
        metrics.add_metric(name=M_DUPLICATE, unit=MetricUnit.Count, value=1)
        return "duplicate"
    if outcome == "no-op":
        metrics.add_metric(name=M_NO_OP, unit=MetricUnit.Count, value=1)
    else:
        metrics.add_metric(name=M_FINDINGS, unit=MetricUnit.Count, value=1)
        if outcome == "watched":
            metrics.add_metric(name=M_WATCHED, unit=MetricUnit.Count, value=1)
    return str(outcome)


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global CONTEXT  # noqa: PLW0603 - the invocation's context, for the idempotency in-progress expiry
    CONTEXT = context
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)


handler = entry_point(_handler, logger=logger, metrics=metrics, tracing=SETTINGS.tracing_enabled)
