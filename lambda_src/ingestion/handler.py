"""Webhook ingestion Lambda: API Gateway HTTP API (payload v2) -> custom EventBridge bus.

Thin by design: settings (validated at cold start), Logger, Metrics and the resolver are built at import;
the pipeline lives in `genesys_audit.ingestion.service`. botocore and the EventBridge client, the secret
fetch (Powertools parameters, which imports boto3) and Tracer (only when TRACING_ENABLED) are loaded on
first use, so the cold import stays small; the first request pays for them once per container.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.metrics import MetricUnit

from genesys_audit.awsclient import make_client
from genesys_audit.errors import BadRequest, GenesysAuditError, UpstreamFailure
from genesys_audit.ingestion.replay import ReplayGuard
from genesys_audit.ingestion.service import ingest
from genesys_audit.ingestion.settings import IngestionSettings
from genesys_audit.secrets import RefreshGate, get_secret_pair
from genesys_audit.telemetry import entry_point, logger_and_metrics

SETTINGS = IngestionSettings.from_env()
logger, metrics = logger_and_metrics()
# Built on first use (loading the service model is most of a client's cost; the cold import stays lean).
EVENTS: Any = None
REPLAY: ReplayGuard | None = None
# One forced secret refetch per interval, on a signature mismatch (a rotation takes effect at once).
SECRET_REFRESH = RefreshGate(SETTINGS.secret_refresh_interval_seconds)
app = APIGatewayHttpResolver()

M_RECEIVED = "EventsReceived"
M_PUT = "EventsPut"
M_FAILED = "PutEventsFailedEntries"  # the module's alarm watches this name
M_RETRIED = "PutEventsRetriedEntries"
M_REJECTED = "RequestsRejected"
M_REPLAY_SETTLE_FAILED = "ReplayStoreWriteFailures"
NOT_HTTP_API_V2 = (
    "this function expects an API Gateway HTTP API event (payload format version 2.0); it got something else, "
    "such as a REST API (payload 1.0) event: route the webhook through the module's HTTP API"
)


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))


def _events_client() -> Any:
    """The EventBridge client, created once per container.

    botocore's client is what boto3.client returns; skipping boto3 keeps the import lean. Our own loop
    retries failed entries, so botocore does not retry on top of it.
    """
    global EVENTS  # noqa: PLW0603 - the one cached client
    if EVENTS is None:
        EVENTS = make_client("events", max_attempts=1)
    return EVENTS


def _secrets(*, force: bool = False) -> tuple[str, ...]:
    try:
        return get_secret_pair(
            SETTINGS.secret_id, max_age=SETTINGS.secret_max_age_seconds, force=force
        ).candidates()
    except Exception as exc:  # Secrets Manager unreachable or secret unreadable: our failure, sender retries
        logger.exception("cannot read the webhook secret")
        raise UpstreamFailure("webhook secret unavailable; retry later", status_code=503) from exc


def _refreshed_secrets() -> tuple[str, ...] | None:
    """The secret fetched anew after a signature mismatch, at most once per refresh interval."""
    if not SECRET_REFRESH.allow():
        return None
    logger.info("signature mismatch: fetching the webhook secret again (it may have been rotated)")
    return _secrets(force=True)


def _replay_guard() -> ReplayGuard | None:
    """The replay store (DynamoDB), when REPLAY_TABLE_NAME is set; created once per container."""
    global REPLAY  # noqa: PLW0603 - the one cached guard
    if REPLAY is None and SETTINGS.replay_table_name:
        REPLAY = ReplayGuard(
            make_client("dynamodb", max_attempts=2, connect_timeout=1, read_timeout=2),
            SETTINGS.replay_table_name,
            window_seconds=2 * SETTINGS.tolerance_seconds,
            lease_seconds=SETTINGS.replay_lease_seconds,
            on_error=_replay_settle_failed,
        )
    return REPLAY


def _replay_settle_failed(exc: Exception) -> None:
    metrics.add_metric(name=M_REPLAY_SETTLE_FAILED, unit=MetricUnit.Count, value=1)
    logger.error("cannot record the request in the replay store", extra={"error": repr(exc)})


def _raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise BadRequest("body must be a string")
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("body is marked base64-encoded but is not valid base64") from None
    return body.encode("utf-8", "surrogatepass")


@app.get("/health")
def health() -> Response[str]:
    """Ping check."""
    return _json(200, {"status": "ok"})


@app.post("/events")
def events() -> Response[str]:
    """Verify, validate, normalise and put the posted audit records."""
    raw_event = app.current_event.raw_event
    headers = {str(k).lower(): str(v) for k, v in (raw_event.get("headers") or {}).items()}
    body = _raw_body(raw_event)
    logger.append_keys(
        api_request_id=(raw_event.get("requestContext") or {}).get("requestId"),
        content_length=len(body),
        signature_header=headers.get(SETTINGS.signature_header.lower()),
    )
    context = app.lambda_context
    margin = SETTINGS.safety_margin_ms

    def remaining() -> float:
        return (context.get_remaining_time_in_millis() - margin) / 1000.0

    outcome = ingest(
        body,
        headers,
        settings=SETTINGS,
        secrets=_secrets,
        refreshed_secrets=_refreshed_secrets,
        client=_events_client(),
        deadline=remaining if context is not None else None,
        replay=_replay_guard(),
    )
    metrics.add_metric(name=M_RECEIVED, unit=MetricUnit.Count, value=outcome.received)
    metrics.add_metric(name=M_PUT, unit=MetricUnit.Count, value=outcome.put)
    metrics.add_metric(name=M_RETRIED, unit=MetricUnit.Count, value=outcome.retried)
    metrics.add_metric(name=M_FAILED, unit=MetricUnit.Count, value=0)
    logger.info(
        "put audit records",
        extra={"received": outcome.received, "put": outcome.put, "calls": outcome.calls, "retried": outcome.retried},
    )
    return _json(200, {"message": "accepted", "received": outcome.received, "put": outcome.put})


@app.exception_handler(GenesysAuditError)  # type: ignore[untyped-decorator]
def handle_known(exc: GenesysAuditError) -> Response[str]:
    """Map our error types to their status codes; 401 carries no detail."""
    if isinstance(exc, UpstreamFailure):
        details = exc.details if isinstance(exc.details, dict) else {}
        failed = int(details.get("failed", 0))
        accepted = int(details.get("accepted", 0))
        metrics.add_metric(name=M_RECEIVED, unit=MetricUnit.Count, value=failed + accepted)
        metrics.add_metric(name=M_PUT, unit=MetricUnit.Count, value=accepted)
        metrics.add_metric(name=M_FAILED, unit=MetricUnit.Count, value=failed)
        metrics.add_metric(name=M_RETRIED, unit=MetricUnit.Count, value=int(details.get("retried", 0)))
        logger.error("records not accepted", extra={"status": exc.status_code, "details": exc.details})
    else:
        metrics.add_metric(name=M_REJECTED, unit=MetricUnit.Count, value=1)
        logger.warning("request rejected", extra={"status": exc.status_code, "reason": exc.message})
    return _json(exc.status_code, exc.to_body())


@app.not_found
def not_found(exc: Exception) -> Response[str]:
    """Only POST /events and GET /health exist."""
    return _json(404, {"message": "not found: use POST /events or GET /health"})


@app.exception_handler(Exception)  # type: ignore[untyped-decorator]
def handle_unexpected(exc: Exception) -> Response[str]:
    """Anything else is our bug: 500 so the sender retries, details only in the log."""
    logger.exception("unexpected error")
    return _json(500, {"message": "internal error; retry later"})


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if not isinstance(event, dict) or event.get("version") != "2.0" or not isinstance(
        (event.get("requestContext") or {}).get("http"), dict
    ):
        # A REST API (payload 1.0) or any other invocation: the resolver would fail on the missing fields.
        metrics.add_metric(name=M_REJECTED, unit=MetricUnit.Count, value=1)
        logger.warning("not an HTTP API payload 2.0 event", extra={"version": _version_of(event)})
        return {
            "statusCode": 400,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"message": NOT_HTTP_API_V2}),
            "isBase64Encoded": False,
        }
    return app.resolve(event, context)


def _version_of(event: Any) -> str | None:
    version = event.get("version") if isinstance(event, dict) else None
    return version if isinstance(version, str) else None


handler = entry_point(_handler, logger=logger, metrics=metrics, tracing=SETTINGS.tracing_enabled)
