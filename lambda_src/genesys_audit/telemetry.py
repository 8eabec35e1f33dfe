"""The Powertools wiring every handler shares: structured logger, EMF metrics, optional X-Ray tracing."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

Handler = Callable[[Any, Any], Any]


def logger_and_metrics() -> tuple[Logger, Metrics]:
    """Logger (POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL) and Metrics (POWERTOOLS_METRICS_NAMESPACE)."""
    return Logger(), Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "GenesysAudit")


def entry_point(handler: Handler, *, logger: Logger, metrics: Metrics, tracing: bool) -> Handler:
    """The Lambda entry point around `handler`: the context in every log line, metrics flushed after each
    invocation, and X-Ray subsegments when `tracing` (Tracer is imported only then, off the cold path)."""
    if tracing:  # pragma: no cover - needs the X-Ray SDK, which the Powertools layer ships
        from aws_lambda_powertools import Tracer

        handler = Tracer().capture_lambda_handler(handler)
    wrapped: Handler = logger.inject_lambda_context(clear_state=True)(metrics.log_metrics(handler))
    return wrapped
