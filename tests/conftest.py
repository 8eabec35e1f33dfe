"""Shared fixtures: Lambda context, fake AWS environment, Genesys samples directory; the plan fixtures
(plan_fixtures.py) and the backfill's fake Genesys API and moto bus (backfill_fixtures.py) for every layer."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from backfill_fixtures import aws, genesys  # noqa: F401  (fixtures)
from hypothesis import settings as hypothesis_settings
from plan_fixtures import tf_module_refusals, tf_plan, tf_try_plan  # noqa: F401  (fixtures)

REPO = Path(__file__).resolve().parent.parent

# Property tests check behaviour, never timings: Hypothesis's per-example deadline (200 ms by default) would make
# them fail on a loaded CI machine for no defect of the code. Every local run explores new random examples (and
# replays the failures it saved); CI (CI=true) runs the same fixed examples each time, so that whether a commit
# lands never depends on the draw. A failure found locally is pinned with @example.
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, database=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("1", "true") else "dev")
PLAN_CACHE_ENV = "GENESYS_AUDIT_PLAN_CACHE_DIR"
_created_plan_cache: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """One plan cache per test run, shared by the xdist workers (they inherit the environment of the
    process that configures first): each configuration is planned once per run, whichever worker
    needs it first, while the others wait for it."""
    if os.environ.get(PLAN_CACHE_ENV):
        return
    import tempfile

    directory = tempfile.mkdtemp(prefix="genesys-audit-plans-")
    os.environ[PLAN_CACHE_ENV] = directory
    _created_plan_cache.append(directory)


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    for directory in _created_plan_cache:
        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop(PLAN_CACHE_ENV, None)


@dataclass
class FakeLambdaContext:
    """Minimal Lambda context: the attributes Powertools reads plus a real remaining-time clock."""

    function_name: str = "genesys-audit-test"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:genesys-audit-test"
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/genesys-audit-test"
    log_stream_name: str = "2026/11/24/[$LATEST]test"
    timeout_ms: int = 30_000
    _start: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the (fake) timeout."""
        return max(0, int(self.timeout_ms - (time.monotonic() - self._start) * 1000))


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    """A fresh fake Lambda context with 30 s to run."""
    return FakeLambdaContext()


@pytest.fixture
def make_lambda_context() -> Callable[..., FakeLambdaContext]:
    """`make_lambda_context(timeout_ms=...)`: a fake Lambda context with other settings. (A fixture, because
    `from conftest import ...` reaches whichever conftest module pytest imported last.)"""
    return FakeLambdaContext


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fake credentials, eu-central-1, Powertools test settings (tracing off, test namespace)."""
    values = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "GenesysAuditTest",
        "POWERTOOLS_SERVICE_NAME": "genesys-audit-test",
        "POWERTOOLS_DEV": "false",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture(scope="session")
def genesys_samples_dir() -> Path:
    """The researched Genesys sample events shipped with the tests (origin: the README beside them)."""
    return REPO / "tests" / "fixtures" / "genesys-samples"


# --- Webhook ingestion harness (moto: custom bus -> rule -> SQS sink; secret in Secrets Manager) ----------

INGESTION_BUS = "genesys-audit-test"
INGESTION_SOURCE = "genesys.audit.webhook"
WEBHOOK_SECRET_CURRENT = "current-secret-for-tests"
WEBHOOK_SECRET_PREVIOUS = "previous-secret-for-tests"


class EventsClientWrapper:
    """Counts PutEvents calls and injects faults; accepted entries go to the real (moto) client."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[int] = []
        self.throttle_next = 0
        self.fail_once: Callable[[dict[str, Any]], bool] = lambda entry: False
        self.fail_always: Callable[[dict[str, Any]], bool] = lambda entry: False
        self._failed_before: set[str] = set()
        self.accepted: list[dict[str, Any]] = []  # details the real client accepted (it returned an EventId)

    def put_events(self, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        entries = kwargs["Entries"]
        self.calls.append(len(entries))
        if self.throttle_next > 0:
            self.throttle_next -= 1
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "PutEvents")
        verdict = []
        for entry in entries:
            key = entry["Detail"]
            if self.fail_always(entry):
                verdict.append("AccessDeniedException")
            elif key not in self._failed_before and self.fail_once(entry):
                self._failed_before.add(key)
                verdict.append("InternalFailure")
            else:
                verdict.append(None)
        accepted = [e for e, v in zip(entries, verdict, strict=True) if v is None]
        real = self.real.put_events(Entries=accepted) if accepted else {"Entries": [], "FailedEntryCount": 0}
        for entry, result in zip(accepted, real["Entries"], strict=True):
            if result.get("EventId"):
                self.accepted.append(json.loads(entry["Detail"]))
        results = iter(real["Entries"])
        out = [{"ErrorCode": v, "ErrorMessage": "injected"} if v else next(results) for v in verdict]
        return {"FailedEntryCount": sum(1 for o in out if "ErrorCode" in o), "Entries": out}


@dataclass
class IngestionHarness:
    """The reloaded handler module inside moto, with helpers to post, sign and read what was delivered."""

    SOURCE = INGESTION_SOURCE
    SECRET_CURRENT = WEBHOOK_SECRET_CURRENT
    SECRET_PREVIOUS = WEBHOOK_SECRET_PREVIOUS

    module: Any
    events: EventsClientWrapper
    sqs: Any
    queue_url: str
    context: FakeLambdaContext

    def invoke(self, event: dict[str, Any]) -> tuple[int, Any]:
        """Call the Lambda handler; returns (status, parsed JSON body or raw text)."""
        self.context.aws_request_id = str(uuid.uuid4())
        response = self.module.handler(event, self.context)
        body = response.get("body") or ""
        try:
            return response["statusCode"], json.loads(body)
        except ValueError:
            return response["statusCode"], body

    def post(
        self,
        payload: Any,
        *,
        secret: str | None = WEBHOOK_SECRET_CURRENT,
        headers: dict[str, str] | None = None,
        timestamp: str | None = None,
        b64: bool = False,
        signature: str | None = None,
    ) -> tuple[int, Any]:
        """POST /events with `payload` (bytes, str, or JSON-able) signed with `secret` unless `signature` given."""
        from genesys_audit.ingestion.signature import sign

        if isinstance(payload, bytes):
            raw = payload
        elif isinstance(payload, str):
            raw = payload.encode()
        else:
            raw = json.dumps(payload).encode()
        hdrs = {"content-type": "application/json"}
        if signature is not None:
            hdrs["x-hub-signature-256"] = signature
        elif secret is not None:
            hdrs["x-hub-signature-256"] = sign(raw, secret, timestamp)
        if timestamp is not None:
            hdrs["x-genesys-timestamp"] = timestamp
        hdrs.update(headers or {})
        return self.invoke(http_event("POST", "/events", raw, hdrs, b64=b64))

    @staticmethod
    def http_event(
        method: str, path: str, body: bytes, headers: dict[str, str], *, b64: bool = False
    ) -> dict[str, Any]:
        """An API Gateway HTTP API payload v2 event."""
        return http_event(method, path, body, headers, b64=b64)

    def delivered(self) -> list[dict[str, Any]]:
        """Drain the SQS sink: the EventBridge events that reached the bus's rule target."""
        out: list[dict[str, Any]] = []
        while True:
            msgs = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not msgs:
                return out
            for msg in msgs:
                out.append(json.loads(msg["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=msg["ReceiptHandle"])


def http_event(method: str, path: str, body: bytes, headers: dict[str, str], *, b64: bool = False) -> dict[str, Any]:
    """An API Gateway HTTP API payload v2 event."""
    import base64

    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api123",
            "domainName": "api123.execute-api.eu-central-1.amazonaws.com",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1",
                     "userAgent": "pytest"},
            "requestId": f"req-{uuid.uuid4()}",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": "24/Nov/2026:20:00:00 +0000",
            "timeEpoch": 1795550400000,
        },
        "body": base64.b64encode(body).decode() if b64 else body.decode("utf-8", "surrogateescape"),
        "isBase64Encoded": b64,
    }


@pytest.fixture
def ingestion_env(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for the ingestion handler (fast retries so fault tests stay quick)."""
    values = {
        "EVENT_BUS_NAME": INGESTION_BUS,
        "WEBHOOK_SECRET_ARN": "genesys-webhook-secret",
        "PUTEVENTS_RETRY_BASE_MS": "1",
        "PUTEVENTS_RETRY_MAX_MS": "5",
        "PUTEVENTS_SAFETY_MARGIN_MS": "500",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return {**aws_env, **values}


@pytest.fixture
def ingestion(ingestion_env: dict[str, str], lambda_context: FakeLambdaContext) -> Iterator[IngestionHarness]:
    """moto: custom bus, rule -> SQS sink, rotating secret; the handler module reloaded inside the mock."""
    import importlib

    import boto3
    from moto import mock_aws

    with mock_aws():
        events = boto3.client("events")
        events.create_event_bus(Name=INGESTION_BUS)
        sqs = boto3.client("sqs")
        queue_url = sqs.create_queue(QueueName="ingestion-sink")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        events.put_rule(Name="all-webhook", EventBusName=INGESTION_BUS,
                        EventPattern=json.dumps({"source": [INGESTION_SOURCE]}))
        events.put_targets(Rule="all-webhook", EventBusName=INGESTION_BUS, Targets=[{"Id": "sink", "Arn": queue_arn}])
        boto3.client("secretsmanager").create_secret(
            Name="genesys-webhook-secret",
            SecretString=json.dumps({"current": WEBHOOK_SECRET_CURRENT, "previous": WEBHOOK_SECRET_PREVIOUS}),
        )
        from genesys_audit.secrets import clear_cache

        clear_cache()
        import ingestion.handler as module

        module = importlib.reload(module)
        wrapper = EventsClientWrapper(module._events_client())
        module.EVENTS = wrapper
        try:
            yield IngestionHarness(module, wrapper, sqs, queue_url, lambda_context)
        finally:
            clear_cache()
